// The four ways `galt bench constrained` trains the recall-constrained
// classifier (recall_problem.h). Each step sees one batch of 128; r is the
// batch's recall before the step, C_s the surrogate's violation
// (surrogate_violation), g the cross-entropy gradient.
//
//   adam  unconstrained Adam.
//   gda   simultaneous Lagrangian gradient descent–ascent, the proxy-
//         Lagrangian of Cotter et al. 2019: Adam on CE + λ·C_s, then
//         λ ← max(0, λ + η(0.95 − r)) from the same iterate. Setting: η
//         (dual_lr).
//   alm   first-order augmented Lagrangian on the same proxy: Adam on
//         CE + max(0, λ + ρ(0.95 − r))·C_s (the PHR force of the proxy's
//         violation along the surrogate's gradient), then λ ← max(0, λ +
//         ρ(0.95 − r)). Setting: ρ.
//   galt  galt::Optimizer (weight decay 0: Adam while the edge is inactive)
//         with galt::recall_at_least on the batch's class-0 rows — the exact
//         local solve in Adam's metric, the dual update every inner_steps
//         steps with ρ growing to rho_max. Settings: inner_steps, rho_max.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "galt/data/dataset.h"

namespace galt::bench {

/// A method's setting: key → value (e.g. {"dual_lr", 0.1}).
using Setting = std::map<std::string, double>;

/// What one run measured.
struct ConstrainedRun {
  uint64_t seed = 0;
  double eval_accuracy = 0.0;  ///< on the evaluation set (validation or test)
  double eval_recall = 0.0;
  double train_recall_last = 0.0;    ///< the last iterate on every training row
  double recall_last_epoch = 0.0;    ///< mean batch recall over the last epoch's steps
  double seconds_per_epoch = 0.0;    ///< training steps only (no evaluation)
  std::vector<double> lambda_trace;  ///< λ after every kLambdaTraceEvery steps
};

inline constexpr int kLambdaTraceEvery = 10;

/// "adam", "gda", "alm", "galt".
const std::vector<std::string>& constrained_method_names();
/// Keys a method's setting must have (adam: none).
const std::vector<std::string>& setting_keys(const std::string& method);

/// Trains `method` with `setting` from `seed` on `train` for `epochs`
/// epochs and evaluates the last iterate on `evaluation` and on `train`.
/// Throws galt::InputError for an unknown method or a setting without its
/// keys.
ConstrainedRun run_constrained(const std::string& method, const Setting& setting, uint64_t seed,
                               const data::Dataset& train, const data::Dataset& evaluation,
                               int epochs);

}  // namespace galt::bench
