// The ordered safety layers (DESIGN §6).
#include "galt/memory/safety_stack.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "galt/error.h"
#include "memory/json_fields.h"

namespace galt::memory {
namespace {
const char* const kDefaultNames[] = {"hard_admissibility", "social_consent_harm",
                                     "task_workflow_rule", "durable_preference"};
}

SafetyStack::SafetyStack(SafetyStackOptions options) {
  if (options.layers < 1 || options.layers > 64) {
    throw InputError("safety stack: layers = " + std::to_string(options.layers) +
                     " (expected 1..64)");
  }
  if (!options.names.empty() && static_cast<int>(options.names.size()) != options.layers) {
    throw InputError("safety stack: " + std::to_string(options.names.size()) + " names for " +
                     std::to_string(options.layers) + " layers");
  }
  for (int k = 0; k < options.layers; ++k) {
    if (!options.names.empty()) {
      names_.push_back(options.names[k]);
    } else if (k < 4) {
      names_.emplace_back(kDefaultNames[k]);
    } else {
      names_.push_back("layer" + std::to_string(k));
    }
  }
  is_hard_.assign(options.layers, false);
  for (int h : options.hard) {
    if (h < 0 || h >= options.layers) {
      throw InputError("safety stack: hard layer " + std::to_string(h) + " is outside 0.." +
                       std::to_string(options.layers - 1));
    }
    if (!is_hard_[h]) hard_.push_back(h);
    is_hard_[h] = true;
  }
  std::sort(hard_.begin(), hard_.end());
}

bool SafetyStack::is_hard(int layer) const {
  check_layer(layer, "is_hard");
  return is_hard_[layer];
}

const std::string& SafetyStack::name(int layer) const {
  check_layer(layer, "name");
  return names_[layer];
}

void SafetyStack::check_layer(int layer, const std::string& what) const {
  if (layer < 0 || layer >= size()) {
    throw InputError(what + ": layer " + std::to_string(layer) + " is outside 0.." +
                     std::to_string(size() - 1));
  }
}

nlohmann::json SafetyStack::to_json() const {
  return {{"layers", size()}, {"hard", hard_}, {"names", names_}};
}

SafetyStack SafetyStack::from_json(const nlohmann::json& j) {
  try {
    SafetyStackOptions o;
    o.layers = detail::json_int(j.at("layers"), "safety stack JSON: layers");
    const auto& hard = j.at("hard");
    if (!hard.is_array()) throw InputError("safety stack JSON: hard: expected an array");
    o.hard.clear();
    for (const auto& h : hard) o.hard.push_back(detail::json_int(h, "safety stack JSON: hard"));
    o.names = j.at("names").get<std::vector<std::string>>();
    return SafetyStack(o);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("safety stack JSON: ") + e.what());
  }
}

}  // namespace galt::memory
