// What one optimizer step did, per edge and per block: the numbers a person
// inspects to see why a run behaves as it does (DESIGN §3: "every quantity
// that drives λ and ρ is logged").
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "galt/graph/constraint_edge.h"
#include "galt/graph/edge_id.h"
#include "galt/solve/augmented_lagrangian.h"

namespace galt {

/// One edge in one step's statistics.
struct EdgeStepStats {
  EdgeId id;
  std::string name;
  Channel channel = Channel::kSafety;
  double value = 0.0;   ///< C_e at the start of the step
  double lambda = 0.0;  ///< λ_e used by the step
  double rho = 0.0;     ///< ρ_e used by the step
  bool active = false;  ///< active at the start of the step (DESIGN §2.1)
  double force = 0.0;   ///< f_e = λ_e + ρ_e·C_e (0 when inactive)
  double predicted_change = 0.0;  ///< J_e·s of this step, summed over touched blocks
  /// The previous step's prediction and the change of C_e actually measured
  /// since then (NaN on an edge's first step).
  double previous_predicted_change = std::numeric_limits<double>::quiet_NaN();
  double measured_change = std::numeric_limits<double>::quiet_NaN();
};

/// One block in one step's statistics.
struct BlockStepStats {
  std::string name;
  int active_edges = 0;       ///< k of the local solve (0: an AdamW step)
  int colour = 0;             ///< the sweep colour it ran in (0 under Jacobi)
  bool fused = false;         ///< took the fused float32 path
  double condition = 1.0;     ///< condition number of the capacitance S
  bool damped = false;        ///< S was damped (DESIGN §2.2 guard)
  bool clipped = false;       ///< the correction was clipped to the trust radius
  double trust_radius = 0.0;  ///< r_v used by this step (units of η·sqrt(d_v))
  double correction_norm = 0.0;  ///< ‖A⁻¹Uᵀμ‖ before clipping (parameter units)
  double solve_seconds = 0.0;
};

struct StepStats {
  int64_t step = 0;                      ///< 1-based index of the step
  bool outer_update = false;             ///< a dual update ran at the start of this step
  std::vector<DualUpdate> dual_updates;  ///< one per edge (graph order) when outer_update
  std::vector<EdgeStepStats> edges;      ///< graph order
  std::vector<BlockStepStats> blocks;    ///< graph order
  int colours = 1;                       ///< sweeps of the block phase (1: Jacobi)
  double evaluate_seconds = 0.0;         ///< edge values and Jacobians
  double solve_seconds = 0.0;            ///< the block phase (moments, solves, updates)
};

/// A few readable lines: step, per-edge C/λ/ρ/active, worst condition.
std::string brief_report(const StepStats& stats);

}  // namespace galt
