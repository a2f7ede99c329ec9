// Honest compute counters of a training run (DESIGN §4, §9): every method
// counts every pass it makes, with the same conventions, so the numbers can
// be compared across methods. Evaluation (accuracy, held-out safety) is not
// training work and is not counted.
#pragma once

#include <cstdint>

namespace galt::train {

struct WorkCounters {
  /// Forward passes of the whole network, on a batch of any size (a training
  /// batch, a replay batch, an anchor/probe batch).
  int64_t forward_passes = 0;
  /// Forward passes through one block only (GALT's forward-consistency probes).
  int64_t block_forward_passes = 0;
  /// Backward passes that stop at one block's input (GALT's local steps: one
  /// per block per step; the auxiliary heads' passes count here too).
  int64_t local_backward_passes = 0;
  /// Backward passes through the whole network (end-to-end backprop of a loss,
  /// an EWC per-sample gradient, an A-GEM reference gradient, ...).
  int64_t global_backward_passes = 0;
  /// Constraint Jacobians J_e formed from a pass through the network (GALT's
  /// refresh forms k per backward pass by the per-example trick). Re-using a
  /// cached, linearised Jacobian is not counted.
  int64_t jacobian_evaluations = 0;
  /// Optimiser steps, and how many of them were local / global (GALT; every
  /// step of a backprop method is global).
  int64_t steps = 0;
  int64_t local_steps = 0;
  int64_t global_steps = 0;

  double local_step_fraction() const {
    return steps > 0 ? static_cast<double>(local_steps) / static_cast<double>(steps) : 0.0;
  }
};

}  // namespace galt::train
