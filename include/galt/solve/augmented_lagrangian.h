// Multipliers and penalties of the external edges, and their updates
// (DESIGN §3).
#pragma once

#include <string>
#include <vector>

#include "galt/graph/constraint_edge.h"
#include "galt/graph/edge_id.h"

namespace galt {

/// How ρ grows.
enum class PenaltyRule {
  /// Classical: after each outer step ρ ← min(ρ_max, g·ρ) for every edge whose
  /// violation did not shrink by the factor τ since the previous outer step.
  kClassical,
  /// AVBD: after each inner iteration ρ ← min(ρ_max, ρ + β·|C|) for violated
  /// edges.
  kAVBD,
};

/// Options of the outer loop. Defaults are documented in docs/SOLVER.md.
struct AugmentedLagrangianOptions {
  PenaltyRule rule = PenaltyRule::kClassical;
  int inner_steps = 10;      ///< K_in: inner iterations per outer (dual) step
  double rho_init = 1.0;     ///< ρ of an edge that sets none
  double rho_min = 1e-3;     ///< floor of the warm-start decay
  double rho_max = 100.0;    ///< ceiling of every growth rule
  double growth = 2.0;       ///< g (classical)
  double shrink = 0.5;       ///< τ (classical): required violation ratio
  double avbd_alpha = 0.95;  ///< α (AVBD warm start)
  double avbd_beta = 10.0;   ///< β (AVBD penalty ramp)
  double avbd_gamma = 0.99;  ///< γ (AVBD warm start)
};

/// State of one edge.
struct EdgeDual {
  double lambda = 0.0;           ///< λ_e (≥ 0 for inequalities)
  double rho = 1.0;              ///< ρ_e > 0
  double rho_max = 100.0;        ///< ceiling of ρ_e (the edge's, else the options')
  double last_violation = -1.0;  ///< violation at the previous outer step (−1: none yet)
  double violation_ema = 0.0;    ///< exponential average of the violation
  int outer_updates = 0;
};

/// What one dual update did to one edge, for the per-step log.
struct DualUpdate {
  double value = 0.0;  ///< C_e measured after the inner phase (the proxy's, for a proxy edge)
  /// The surrogate's C_e at the same θ (= value unless the edge has a
  /// ConstraintEdge::dual_value).
  double surrogate = 0.0;
  double lambda_before = 0.0, lambda_after = 0.0;
  double rho_before = 0.0, rho_after = 0.0;
  bool rho_grew = false;
};

class AugmentedLagrangian {
 public:
  explicit AugmentedLagrangian(AugmentedLagrangianOptions options = {});

  const AugmentedLagrangianOptions& options() const { return options_; }
  AugmentedLagrangianOptions& options() { return options_; }

  /// Adds the state of a new edge (initial λ, ρ from the edge or the
  /// options), kept in the order edges are added (the graph's index order)
  /// and keyed by `id` (default: the next unused id).
  EdgeId add_edge(const ConstraintEdge& edge, EdgeId id = {});
  /// Throws InputError for an unknown id.
  void remove_edge(EdgeId id);
  /// Throws InputError when `edge`'s initial ρ exceeds its ceiling.
  static void validate(const ConstraintEdge& edge, const AugmentedLagrangianOptions& options);
  size_t size() const { return duals_.size(); }
  /// By position (the graph's edge index).
  const EdgeDual& dual(int index) const { return duals_.at(index); }
  EdgeDual& dual(int index) { return duals_.at(index); }
  /// By stable id; throws InputError for an unknown id.
  const EdgeDual& dual(EdgeId id) const;
  EdgeDual& dual(EdgeId id);
  const std::vector<EdgeId>& ids() const { return ids_; }

  /// Violation of a value: max(0, C) for an inequality, |C| for an equality.
  static double violation(Sense sense, double c);
  /// Force f = λ + ρC, and whether the edge is active. An inequality is active
  /// iff λ + ρC > 0 (the PHR form of §2.1's rule: C < 0 with λ = 0 is never
  /// active, and an edge whose multiplier has run out stops pulling).
  /// Equalities are always active.
  static bool active(Sense sense, double lambda, double rho, double c);

  /// Outer step: λ ← max(0, λ + ρC) (no clamp for equalities), then the
  /// classical ρ rule. `values` are C_e measured after the inner phase.
  std::vector<DualUpdate> outer_update(const std::vector<Sense>& senses,
                                       const std::vector<double>& values);
  /// Per inner iteration: the AVBD ρ ramp (no-op under the classical rule).
  void inner_update(const std::vector<Sense>& senses, const std::vector<double>& values);
  /// Warm start at a new task: λ ← α·γ·λ, ρ ← max(ρ_min, γ·ρ) (both rules).
  void warm_start();

 private:
  int index_of(EdgeId id) const;

  AugmentedLagrangianOptions options_;
  std::vector<EdgeDual> duals_;
  std::vector<EdgeId> ids_;
  int64_t next_id_ = 0;
};

}  // namespace galt
