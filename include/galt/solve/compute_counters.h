// Honest compute counters (DESIGN §4, §9): every closure call and every
// backward pass the optimizer makes itself.
#pragma once

#include <cstdint>

namespace galt {

struct ComputeCounters {
  int64_t edge_evaluations = 0;       ///< edge/family closure calls (forward passes)
  int64_t backward_passes = 0;        ///< autograd passes taken for Jacobians
  int64_t jacobian_rows = 0;          ///< per-edge Jacobians formed
  int64_t per_example_jacobians = 0;  ///< of which by the per-example trick
  int64_t local_solves = 0;           ///< block solves with k ≥ 1
  int64_t adamw_steps = 0;            ///< block steps with k = 0
};

}  // namespace galt
