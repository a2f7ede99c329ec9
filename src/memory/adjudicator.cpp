// Adjudication of candidate traces against the safety stack (DESIGN §6).
#include "galt/memory/adjudicator.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

#include "galt/error.h"
#include "memory/json_fields.h"

namespace galt::memory {

const char* to_string(SoftPolicy p) {
  return p == SoftPolicy::kAcceptWithResidual ? "accept_with_residual" : "reject";
}
const char* to_string(AmbiguityPolicy p) {
  return p == AmbiguityPolicy::kReject ? "reject" : "hold";
}
SoftPolicy parse_soft_policy(const std::string& s) {
  if (s == "accept_with_residual") return SoftPolicy::kAcceptWithResidual;
  if (s == "reject") return SoftPolicy::kReject;
  throw InputError("soft policy: unknown '" + s + "' (expected accept_with_residual or reject)");
}
AmbiguityPolicy parse_ambiguity_policy(const std::string& s) {
  if (s == "reject") return AmbiguityPolicy::kReject;
  if (s == "hold") return AmbiguityPolicy::kHold;
  throw InputError("ambiguity policy: unknown '" + s + "' (expected reject or hold)");
}

nlohmann::json Decision::to_json() const {
  nlohmann::json values = nlohmann::json::array();
  // JSON has no NaN; an unknown value is stored as null.
  for (double c : constraint_values) {
    values.push_back(std::isfinite(c) ? nlohmann::json(c) : nlohmann::json(nullptr));
  }
  return {{"action", to_string(action)},
          {"outcome", to_string(outcome)},
          {"residual", to_string(residual)},
          {"deciding_layer", deciding_layer},
          {"gate", gate},
          {"constraint_values", values},
          {"no_write", no_write},
          {"reason", reason}};
}

Decision Decision::from_json(const nlohmann::json& j) {
  try {
    Decision d;
    d.action = parse_action(j.at("action").get<std::string>());
    d.outcome = parse_outcome(j.at("outcome").get<std::string>());
    d.residual = parse_residual(j.at("residual").get<std::string>());
    d.deciding_layer = detail::json_int(j.at("deciding_layer"), "decision JSON: deciding_layer");
    d.gate = j.at("gate").get<double>();
    for (const auto& v : j.at("constraint_values")) {
      d.constraint_values.push_back(v.is_null() ? std::nan("") : v.get<double>());
    }
    d.no_write = j.at("no_write").get<bool>();
    d.reason = j.value("reason", "");
    return d;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("decision JSON: ") + e.what());
  }
}

Adjudicator::Adjudicator(SafetyStack stack, AdjudicatorOptions options)
    : stack_(std::move(stack)), options_(options) {
  if (!(options_.ambiguity_margin >= 0.0) || !std::isfinite(options_.ambiguity_margin)) {
    throw InputError("adjudicator: ambiguity_margin = " +
                     std::to_string(options_.ambiguity_margin) + " (expected a finite value ≥ 0)");
  }
  if (!(options_.soft_gate >= 0.0 && options_.soft_gate <= 1.0)) {
    throw InputError("adjudicator: soft_gate = " + std::to_string(options_.soft_gate) +
                     " (expected a value in [0, 1])");
  }
}

Decision Adjudicator::adjudicate(const Candidate& c) const {
  const int n = stack_.size();
  stack_.check_layer(c.memory_layer, "candidate memory_layer");
  if (static_cast<int>(c.constraint_values.size()) != n) {
    throw InputError("candidate: " + std::to_string(c.constraint_values.size()) +
                     " constraint values for a stack of " + std::to_string(n) + " layers");
  }
  const double margin = options_.ambiguity_margin;
  int hard_violated = -1, ambiguous = -1, soft_violated = -1;
  for (int k = 0; k < n; ++k) {
    const double v = c.constraint_values[k];
    // NaN fails every comparison below except this one: unknown ⇒ ambiguous.
    const bool is_ambiguous = !std::isfinite(v) || std::abs(v) <= margin;
    if (is_ambiguous) {
      if (ambiguous < 0) ambiguous = k;
    } else if (v > margin) {
      if (stack_.is_hard(k)) {
        if (hard_violated < 0) hard_violated = k;
      } else if (soft_violated < 0) {
        soft_violated = k;
      }
    }
  }

  Decision d;
  d.constraint_values = c.constraint_values;
  d.no_write = c.no_write;
  auto layer_text = [&](int k) { return std::to_string(k) + " (" + stack_.name(k) + ")"; };
  if (hard_violated >= 0) {
    d.action = Action::kReject;
    d.outcome = MemoryOutcome::kNotConsolidated;
    d.residual = ResidualKind::kHardViolation;
    d.deciding_layer = hard_violated;
    d.reason = "hard layer " + layer_text(hard_violated) + " violated";
  } else if (ambiguous >= 0) {
    d.action = Action::kReject;
    d.outcome = options_.ambiguity_policy == AmbiguityPolicy::kHold
                    ? MemoryOutcome::kHeld
                    : MemoryOutcome::kNotConsolidated;
    d.residual = ResidualKind::kBoundaryAmbiguity;
    d.deciding_layer = ambiguous;
    d.reason = "layer " + layer_text(ambiguous) + " within the ambiguity margin";
  } else if (c.no_write) {
    d.action = Action::kReject;
    d.outcome = MemoryOutcome::kNotConsolidated;
    d.residual = ResidualKind::kNone;
    d.reason = "no-write candidate";
  } else if (soft_violated >= 0) {
    d.deciding_layer = soft_violated;
    d.residual = ResidualKind::kSoftRuleDebt;
    if (options_.soft_policy == SoftPolicy::kAcceptWithResidual) {
      d.action = Action::kAcceptWithResidual;
      d.outcome = MemoryOutcome::kConsolidate;
      d.gate = options_.soft_gate;
      d.reason = "soft layer " + layer_text(soft_violated) + " violated: accepted with debt";
    } else {
      d.action = Action::kReject;
      d.outcome = MemoryOutcome::kNotConsolidated;
      d.reason = "soft layer " + layer_text(soft_violated) + " violated: rejected by policy";
    }
  } else {
    d.action = Action::kAccept;
    d.outcome = MemoryOutcome::kConsolidate;
    d.gate = 1.0;
    d.reason = "every layer satisfied";
  }
  return d;
}

nlohmann::json Adjudicator::options_json() const {
  return {{"ambiguity_margin", options_.ambiguity_margin},
          {"soft_policy", to_string(options_.soft_policy)},
          {"ambiguity_policy", to_string(options_.ambiguity_policy)},
          {"soft_gate", options_.soft_gate}};
}

AdjudicatorOptions Adjudicator::options_from_json(const nlohmann::json& j) {
  try {
    AdjudicatorOptions o;
    o.ambiguity_margin = j.at("ambiguity_margin").get<double>();
    o.soft_policy = parse_soft_policy(j.at("soft_policy").get<std::string>());
    o.ambiguity_policy = parse_ambiguity_policy(j.at("ambiguity_policy").get<std::string>());
    o.soft_gate = j.at("soft_gate").get<double>();
    return o;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("adjudicator options JSON: ") + e.what());
  }
}

}  // namespace galt::memory
