// block_step: what one block v does in one inner iteration with the messages
// it received (DESIGN §4, Algorithm 1's inner loop body):
//
//   receive (C_e, λ_e, ρ_e, J_e|v) for the edges touching v
//   advance Adam's moments → the metric D_v (with a floor, §2.1)
//   form the k active edges' U, f = λ + ρC, R = diag(ρ·share); solve exactly
//       (Woodbury, §2.2): s = s0 − A⁻¹Uᵀμ
//   clip the correction A⁻¹Uᵀμ to the trusted region (trust_region.h)
//   θ_v ← θ_v + s; send back J_e·s (the predicted ΔC_e) and the statistics
//
// It touches nothing but the block and its arguments, so any executor may run
// blocks concurrently — on threads, or on other processes given the same
// messages (executor.h). With no active edge the step is exactly
// torch::optim::AdamW's (§2.4).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "galt/graph/block.h"
#include "galt/graph/edge_id.h"
#include "galt/solve/local_solve.h"
#include "galt/solve/step_stats.h"
#include "galt/solve/trust_region.h"

namespace galt {

/// Where one edge's Jacobian w.r.t. one tensor lives: row `row` of `matrix`
/// ([m, numel]); an undefined matrix means the Jacobian is zero. Edge
/// families store all their edges' rows in one matrix, so a block's U is
/// usually a view, not a copy.
struct JacobianRow {
  at::Tensor matrix;
  int64_t row = 0;
};

/// One edge's message to one block.
struct BlockEdgeMessage {
  EdgeId edge;
  double value = 0.0;   ///< C_e (after the margin)
  double lambda = 0.0;  ///< λ_e
  double rho = 1.0;     ///< ρ_e
  /// Stiffness multiplier: the number of blocks that correct e concurrently
  /// with this one (block-Jacobi stiffness scaling; 1 under Gauss–Seidel).
  double stiffness_share = 1.0;
  bool active = false;  ///< AugmentedLagrangian::active(sense, λ, ρ, C)
  /// J_e restricted to each tensor of the block (the block's tensor order).
  std::vector<JacobianRow> jacobian;

  double force() const { return lambda + rho * value; }  ///< f_e (§2.1)
};

struct BlockStepOptions {
  LocalSolveOptions local;
  /// Floor of the metric in the local solve, relative to the block's RMS:
  /// D_solve = max(D, metric_floor · rms(D)). A coordinate the task has never
  /// moved has D = ε, so without a floor A⁻¹ = η/ε ≈ 1e5·η makes it the
  /// cheapest place for every constraint correction (measured: class-
  /// incremental heads of unseen classes grew until the logits overflowed).
  /// The AdamW part of the step (s0) keeps AdamW's own D. 0 = no floor.
  double metric_floor = 0.1;
  /// Lagrangian metric: Adam's second moment tracks (g + Σ f_e J_e)² over the
  /// active edges instead of g², so coordinates the constraints push hard get
  /// a metric that reflects it (off: the metric is the task's, DESIGN §2.1).
  bool lagrangian_metric = false;
  /// Blocks whose tensors are contiguous float32 on the CPU (and whose
  /// Jacobian rows are too) take the fused path for a step with active edges:
  /// hand-written passes over the block (moments, weighted Gram, apply)
  /// instead of ~25 + 4k tensor-library passes — the same mathematics with
  /// float32 rounding in a different order (docs/PERFORMANCE.md). Steps
  /// without active edges are torch::optim::AdamW's either way. Off: always
  /// the general path.
  bool fused = true;
  /// ... but only where it measured faster: k = 1, or d_v / k ≥ this many
  /// parameters per active edge (docs/PERFORMANCE.md). 0: whenever `fused`
  /// is on.
  int64_t fused_min_per_edge = 65536;
};

struct BlockStepResult {
  BlockStepStats stats;
  bool solved = false;  ///< a local solve ran (k ≥ 1); false: an AdamW step
  /// J_e·s of this step for every message, in the messages' order.
  std::vector<double> predicted_change;
};

/// One block's step. `messages` are the edges touching the block (active or
/// not; an inactive edge only receives its predicted change). Updates the
/// block's tensors and Adam state in place. Throws InputError when a
/// message's Jacobian has the wrong number of tensors or entries.
BlockStepResult block_step(Block& block, const AdamWOptions& hyper,
                           const std::vector<BlockEdgeMessage>& messages, const TrustRegion& trust,
                           const BlockStepOptions& options = {});

/// The metric floor of a block from Σ D² over its numel coordinates
/// (BlockStepOptions::metric_floor); 0 when off.
double metric_floor_value(double sum_d_squared, int64_t numel, double relative_floor);

}  // namespace galt
