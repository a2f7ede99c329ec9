// RefreshSchedule: which steps are global refreshes (DESIGN §4). A refresh —
// end-to-end backprop, fresh external Jacobians, fresh forward references —
// runs every P steps, at each task start, and on the step after any edge
// value exceeds a trigger; between refreshes the edges are linearised
// (linearised_edges.h) and blocks may take local steps (local_objectives.h).
//
// It is an optimizer callback: added to the optimizer it sees begin_task and
// every step's edge values, so the caller only asks `next(step)`:
//
//   auto refresh = std::make_shared<galt::RefreshSchedule>(galt::RefreshOptions{.period = 10});
//   opt.add_callback(refresh);
//   for (int64_t step = 0; ...; ++step) {
//     if (refresh->next(step)) { /* global step: backprop + refresh */ }
//     else                     { /* local step */ }
//     opt.step();
//   }
#pragma once

#include <cstdint>
#include <limits>

#include "galt/solve/callbacks.h"

namespace torch::serialize {
class OutputArchive;
class InputArchive;
}  // namespace torch::serialize

namespace galt {

struct RefreshOptions {
  /// P: a refresh every P steps (1: every step).
  int64_t period = 10;
  /// An edge value C_e above this makes the next step a refresh (+∞: never).
  double trigger = 0.5;
  /// Refresh on the first step of every task.
  bool at_task_start = true;
};

class RefreshSchedule final : public OptimizerCallback {
 public:
  /// Throws InputError for period < 1 or a NaN trigger.
  explicit RefreshSchedule(RefreshOptions options = {});

  /// Whether the caller's step `step` (0-based) is a refresh: step % P == 0
  /// or a refresh is pending (the first step, a task start, a trigger, a
  /// request). Consumes the pending request.
  bool next(int64_t step);
  /// Makes the next step a refresh.
  void request() { pending_ = true; }
  bool pending() const { return pending_; }
  /// Refreshes granted by next() so far.
  int64_t refreshes() const { return refreshes_; }
  const RefreshOptions& options() const { return options_; }

  void begin_task(const Optimizer&, int) override;
  bool step_taken(const Optimizer&, const StepStats& stats) override;

  /// Checkpoints: the pending request and the count (the options are the
  /// constructor's).
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  RefreshOptions options_;
  bool pending_ = true;
  int64_t refreshes_ = 0;
};

}  // namespace galt
