// The registry of continual methods: a new method is one file in methods/
// and one line here.
#include <utility>

#include "galt/error.h"
#include "train/methods/methods.h"

namespace galt::train {

namespace {
using Factory = std::unique_ptr<ContinualMethod> (*)(const MethodOptions&, const ProtocolConfig&);
const std::vector<std::pair<std::string, Factory>>& registry() {
  // One method per line.
  // clang-format off
  static const std::vector<std::pair<std::string, Factory>> r = {
      {"galt", make_galt},
      {"galt_local", make_galt_local},
      {"adamw", make_adamw},
      {"soft_penalty", make_soft_penalty},
      {"ewc", make_ewc},
      {"si", make_si},
      {"agem", make_agem},
      {"replay", make_replay},
      {"er_kd", make_er_kd},
      {"derpp", make_derpp},
      {"joint", make_joint},
      {"lagrangian_gda", make_lagrangian_gda},
  };
  // clang-format on
  return r;
}
}  // namespace

void ContinualMethod::save_state(torch::serialize::OutputArchive&, const TrainingContext&) const {
  throw InputError("method '" + name() +
                   "' cannot be checkpointed (it implements no save_state); run it without "
                   "checkpoints (--checkpoint-every 0)");
}

void ContinualMethod::load_state(torch::serialize::InputArchive&, TrainingContext&) {
  throw InputError("method '" + name() +
                   "' cannot be resumed from a checkpoint (it implements no load_state)");
}

std::vector<std::string> method_names() {
  std::vector<std::string> out;
  for (const auto& [n, _] : registry()) out.push_back(n);
  return out;
}

std::unique_ptr<ContinualMethod> make_method(const std::string& name, const MethodOptions& options,
                                             const ProtocolConfig& protocol) {
  for (const auto& [n, f] : registry())
    if (n == name) return f(options, protocol);
  std::string known;
  for (const auto& n : method_names()) known += (known.empty() ? "" : ", ") + n;
  throw InputError("unknown method '" + name + "' (known: " + known + ")");
}

}  // namespace galt::train
