// Shared pieces of the continual benchmark commands (continual_common.h).
#include "cli/continual_common.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "cli/option_checks.h"
#include "galt/error.h"
#include "galt/report/provenance.h"
#include "galt/train/metrics.h"

namespace galt::cli {

void apply_option(train::ProtocolConfig& p, const std::string& o) {
  const auto dot = o.find('.'), eq = o.find('=');
  if (dot == std::string::npos || eq == std::string::npos || dot == 0 || eq < dot + 2 ||
      eq + 1 == o.size())
    throw InputError("--option \"" + o + "\": expected METHOD.KEY=NUMBER, e.g. galt.rho_max=10");
  const std::string value = o.substr(eq + 1);
  double v = 0;
  try {
    size_t used = 0;
    v = std::stod(value, &used);
    if (used != value.size()) throw std::invalid_argument(value);
  } catch (const std::exception&) {
    throw InputError("--option \"" + o + "\": \"" + value + "\" is not a number");
  }
  p.method_options[o.substr(0, dot)][o.substr(dot + 1, eq - dot - 1)] = v;
}

void RunProgress::step_taken(const std::string& m, uint64_t seed, int64_t step, int64_t) {
  steps_ = step;
  if (step % 50 == 0) progress_.advance(50, m + " seed " + std::to_string(seed));
}

void RunProgress::run_finished(const std::string& m, uint64_t seed, const train::SeedRun& r) {
  // A stored run took no steps here: advance by the whole run.
  progress_.advance(steps_ == 0 ? per_run_ : per_run_ % 50, "");
  steps_ = 0;
  const auto& h = r.headline(scenario_);
  char buf[240];
  std::snprintf(buf, sizeof buf, "%s seed %llu: final avg acc %.3f, forgetting %.3f, %.1f s",
                m.c_str(), static_cast<unsigned long long>(seed), train::final_average_accuracy(h),
                train::forgetting_max(h), r.wall_seconds);
  progress_.advance(0, buf);
}

void RunProgress::run_resumed(const std::string& m, uint64_t seed, int64_t step, int64_t) {
  // The bar moves in steps of 50 (step_taken): the ones the checkpoint holds.
  progress_.advance(step - step % 50, m + " seed " + std::to_string(seed) + " (resumed)");
  steps_ = step;
  ++resumed_;
}

void RunProgress::checkpoint_written(const std::string&, uint64_t, int64_t, int64_t bytes,
                                     double seconds) {
  ++checkpoints_;
  checkpoint_bytes_ = std::max(checkpoint_bytes_, bytes);
  checkpoint_seconds_ += seconds;
}

void CheckpointOption::add_to(CLI::App* cmd) {
  option = cmd->add_option("--checkpoint-every", every,
                           "write each unfinished run's checkpoint into --runs-dir every N "
                           "training steps (0: none); a killed run continues from its last one")
               ->capture_default_str()
               ->check(at_least(0, "0: none"));
}

int64_t CheckpointOption::steps(const std::string& runs_dir) const {
  if (runs_dir.empty()) {
    if (option != nullptr && option->count() > 0 && every > 0)
      throw InputError("--checkpoint-every " + std::to_string(every) +
                       ": checkpoints are kept in --runs-dir; give one (or 0: none)");
    return 0;
  }
  return every;
}

std::shared_ptr<train::DirectoryRunStore> open_run_store(const std::string& dir) {
  if (dir.empty()) return nullptr;
  const auto prov = report::provenance("");
  return std::make_shared<train::DirectoryRunStore>(dir,
                                                    prov.commit + (prov.dirty ? "+dirty" : ""));
}

}  // namespace galt::cli
