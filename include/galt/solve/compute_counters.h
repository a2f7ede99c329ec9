// Honest compute counters (DESIGN §4, §9): one set for the optimizer, the
// library's refresh and pipeline pieces, and every method of the continual
// benchmark, with the same conventions, so numbers compare across methods.
// Evaluation (accuracy, held-out safety) is not training work and is not
// counted.
#pragma once

#include <cstdint>

namespace galt {

struct ComputeCounters {
  /// Forward passes of the whole network, on a batch of any size (a training
  /// batch, a replay batch, an anchor/probe batch at a refresh).
  int64_t forward_passes = 0;
  /// Forward passes through one block only (forward-consistency probes).
  int64_t block_forward_passes = 0;
  /// Backward passes that stop at one block's input (local steps: one per
  /// block per step; the auxiliary heads' passes count here too).
  int64_t local_backward_passes = 0;
  /// Backward passes through the whole network (end-to-end backprop of a
  /// loss, an EWC per-sample gradient, an A-GEM reference gradient, ...).
  int64_t global_backward_passes = 0;

  /// Edge or family closures the optimizer called (each runs whatever the
  /// closure runs: usually a forward pass).
  int64_t edge_evaluations = 0;
  /// Autograd passes the optimizer took for edge Jacobians.
  int64_t backward_passes = 0;
  /// Per-edge Jacobians formed by the optimizer (autograd or per-example).
  int64_t jacobian_rows = 0;
  /// ... of which by the per-example trick (DESIGN §2.3).
  int64_t per_example_jacobians = 0;
  /// Constraint Jacobians J_e formed from a pass through the network outside
  /// the optimizer (a refresh of linearised edges). Re-using a cached,
  /// linearised Jacobian is not counted.
  int64_t jacobian_evaluations = 0;
  /// Edge messages received (value + Jacobian delivered, no pass).
  int64_t edge_messages = 0;

  /// Block steps with a local solve (k ≥ 1) and plain AdamW block steps.
  int64_t local_solves = 0;
  int64_t adamw_steps = 0;

  /// Training steps, and how many of them were local / global (a backprop
  /// method's steps are all global).
  int64_t steps = 0;
  int64_t local_steps = 0;
  int64_t global_steps = 0;

  double local_step_fraction() const {
    return steps > 0 ? static_cast<double>(local_steps) / static_cast<double>(steps) : 0.0;
  }
};

}  // namespace galt
