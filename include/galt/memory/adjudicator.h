// Adjudicator: decides what happens to a candidate trace from its
// per-layer constraint values (DESIGN §6).
//
// Each layer k of the stack gives a value C_k(z); the layer is satisfied when
// C_k ≤ −margin, ambiguous when |C_k| ≤ margin (or C_k is NaN: an unknown is
// never read as satisfied) and violated when C_k > margin. The ruling, most
// severe first:
//   1. a hard layer violated         → reject, residual hard_violation
//   2. any layer ambiguous           → reject (or hold, by policy),
//                                      residual boundary_ambiguity
//   3. the candidate is no-write     → reject, not consolidated, no residual
//   4. a soft layer violated         → accept_with_residual (gate
//                                      soft_gate), residual soft_rule_debt,
//                                      or reject, by policy
//   5. otherwise                     → accept, gate 1
// The deciding layer is the lowest layer of the rule that fired (−1 for
// rules 3 and 5). The gate a ∈ [0,1] scales consolidation
// m ← m + a·Consolidate(z).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "galt/memory/labels.h"
#include "galt/memory/safety_stack.h"

namespace galt::memory {

/// A candidate trace as the adjudicator sees it.
struct Candidate {
  /// The highest layer whose rulings the memory depends on (0..N−1).
  int memory_layer = 0;
  /// C_k for k = 0..N−1 (C_k ≤ 0 feasible). Must have N entries.
  std::vector<double> constraint_values;
  /// The candidate asks not to be written (e.g. transient information).
  bool no_write = false;
};

/// What to do with a soft-layer violation.
enum class SoftPolicy { kAcceptWithResidual, kReject };
/// What to do with a candidate inside the ambiguity margin.
enum class AmbiguityPolicy { kReject, kHold };

struct AdjudicatorOptions {
  /// |C_k| ≤ margin is ambiguous. Default 0.05. Must be ≥ 0.
  double ambiguity_margin = 0.05;
  /// Soft violations: accept with a soft_rule_debt residual (default) or
  /// reject.
  SoftPolicy soft_policy = SoftPolicy::kAcceptWithResidual;
  /// Ambiguity: reject (default) or hold for a later ruling.
  AmbiguityPolicy ambiguity_policy = AmbiguityPolicy::kReject;
  /// Gate of an accept_with_residual decision, in [0,1]. Default 0.5.
  double soft_gate = 0.5;
};

const char* to_string(SoftPolicy p);
const char* to_string(AmbiguityPolicy p);
SoftPolicy parse_soft_policy(const std::string& s);
AmbiguityPolicy parse_ambiguity_policy(const std::string& s);

/// One ruling: recorded with the deciding layer and all C_k (DESIGN §6).
struct Decision {
  Action action = Action::kReject;
  MemoryOutcome outcome = MemoryOutcome::kNotConsolidated;
  ResidualKind residual = ResidualKind::kNone;
  int deciding_layer = -1;  ///< −1 when no layer decided (accept, no-write)
  double gate = 0.0;        ///< a ∈ [0,1]; 0 unless accepting
  std::vector<double> constraint_values;
  bool no_write = false;
  std::string reason;  ///< one readable line

  nlohmann::json to_json() const;
  /// Throws galt::InputError on a missing field or unknown label.
  static Decision from_json(const nlohmann::json& j);
};

class Adjudicator {
 public:
  /// Throws galt::InputError for a negative margin or a gate outside [0,1].
  Adjudicator(SafetyStack stack, AdjudicatorOptions options = {});

  /// Throws galt::InputError when the candidate's layer is out of range or
  /// constraint_values does not have N entries. NaN/Inf values are allowed
  /// and read as ambiguous (never as satisfied).
  Decision adjudicate(const Candidate& candidate) const;

  const SafetyStack& stack() const { return stack_; }
  const AdjudicatorOptions& options() const { return options_; }

  nlohmann::json options_json() const;
  static AdjudicatorOptions options_from_json(const nlohmann::json& j);

 private:
  SafetyStack stack_;
  AdjudicatorOptions options_;
};

}  // namespace galt::memory
