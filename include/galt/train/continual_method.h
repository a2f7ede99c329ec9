// ContinualMethod: one continual-learning method behind one interface
// (DESIGN §8). A new method is one file in src/train/methods/ and one line in
// src/train/method_registry.cpp.
//
// The runner (runner.h) owns the data order, the model initialisation, the
// memory buffer and the evaluation, so every method sees the same model init,
// the same batches in the same order and the same anchor rows; a method only
// decides how to turn a batch into a parameter update.
//
// Call order, per run: begin() once; then for each task: begin_task(),
// train_step() × iterations, [the runner freezes the task's anchors and
// appends them to ctx.anchors], end_task(). A run resumed from a checkpoint
// (run_checkpoint.h): begin() on a fresh method, then load_state() with the
// context restored to the step save_state() was called at, then the
// remaining train_step()s (no begin_task() for the task it stopped in).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "galt/data/dataset.h"
#include "galt/models/classifier.h"
#include "galt/train/constraints.h"
#include "galt/train/protocol.h"
#include "galt/solve/callbacks.h"
#include "galt/solve/compute_counters.h"

namespace torch::serialize {
class OutputArchive;
class InputArchive;
}  // namespace torch::serialize

namespace galt::train {

/// One evaluation of the protocol's constraint family
/// (protocol_constraints.h) — what a method's constraint terms were computed
/// from at a step, the same for GALT's refresh and the baselines' penalties.
struct ConstraintObservation {
  int64_t step = 0;                ///< ctx.step when the family was drawn
  std::vector<std::string> names;  ///< edge names, in family order
  std::vector<double> values;      ///< raw values (before the margins)
  std::vector<double> margins;     ///< C_e = values[e] − margins[e]
  std::vector<int64_t> rows;       ///< rows of the batch behind each edge
  /// Per edge: which rows of its set (anchor set or safety probe) it was
  /// evaluated on, ascending — draw_constraint_rows's draw, cut into the
  /// set's anchor groups. Tests compare them across methods.
  std::vector<std::vector<int64_t>> row_indices;
};

/// What a method sees while it trains.
struct TrainingContext {
  models::ClassifierPtr model;
  const ProtocolConfig* protocol = nullptr;
  int task = 0;                        ///< current task (0-based)
  std::vector<int64_t> task_classes;   ///< classes of the current task
  const data::Dataset* task_train = nullptr;  ///< current task's training rows
  /// Every task's training rows (the same rows the runner trains on; no
  /// validation or test rows). Only entries 0..task may be used: the joint
  /// upper bound trains on the union of the tasks seen so far.
  const std::vector<data::Dataset>* tasks_train = nullptr;
  /// Anchors of the finished tasks: the retention edges' data and, the same
  /// rows, the replay / A-GEM memory (the one memory budget of every method).
  const std::vector<AnchorSet>* anchors = nullptr;
  const SafetyProbe* safety = nullptr;  ///< null when the protocol has none
  ComputeCounters* counters = nullptr;
  int64_t step = 0;        ///< training steps taken so far in this run
  uint64_t seed = 0;
  at::Tensor seen_mask;    ///< bool [C]: classes seen so far (incl. the current task)
  int64_t num_classes = 10;
  /// When set, called with every evaluation of the protocol's constraint
  /// family (protocol_constraints.h), whichever method made it: logging, and
  /// tests that every constraint method sees the same values on the same rows.
  std::function<void(const ConstraintObservation&)> constraint_observer;

  /// Per-row loss mask [N, C] for rows with labels `y`: class-incremental:
  /// every class seen so far; task-incremental: the row's own task's classes.
  at::Tensor loss_mask(const at::Tensor& y) const;
  /// The answer set an anchor's current softmax is taken over (constraints.h).
  at::Tensor retention_mask(const AnchorSet& a) const;
};

/// λ/ρ trace of one dual variable (GALT, Lagrangian GDA): the library's
/// (include/galt/solve/callbacks.h), sampled at steps.
using galt::EdgeTrace;

class ContinualMethod {
 public:
  virtual ~ContinualMethod() = default;
  /// Registry name, e.g. "galt", "adamw".
  virtual std::string name() const = 0;
  /// Once, before the first task: build optimisers over ctx.model.
  virtual void begin(TrainingContext& ctx) = 0;
  virtual void begin_task(TrainingContext& ctx) {}
  /// One training iteration on the batch (x [B, 784], y [B]). Must count its
  /// passes in ctx.counters and throw galt::InputError if its loss is NaN/Inf.
  virtual void train_step(TrainingContext& ctx, const at::Tensor& x, const at::Tensor& y) = 0;
  /// After the task's anchors were appended to ctx.anchors.
  virtual void end_task(TrainingContext& ctx) {}
  /// Dual-variable traces (empty for methods without multipliers).
  virtual std::vector<EdgeTrace> dual_traces() const { return {}; }

  /// Checkpoints of a run in progress (run_checkpoint.h). Whether save_state
  /// and load_state are implemented: a runner asked to checkpoint refuses a
  /// method that cannot, before any training (never a silent restart).
  virtual bool can_checkpoint() const { return false; }
  /// Between two train_step()s: everything the rest of the run reads that
  /// begin() does not rebuild — optimiser moments, multipliers, importance
  /// weights, memory-sampler streams, traces. Not the model's parameters
  /// and not ctx (the runner saves those). The default throws InputError.
  virtual void save_state(torch::serialize::OutputArchive& archive,
                          const TrainingContext& ctx) const;
  /// On a fresh method after begin(ctx), with ctx and the model restored to
  /// the point save_state() was called at (task, step, anchors, seen
  /// classes): makes the method what it was then, so that the run continues
  /// bit for bit. Throws InputError for a state it cannot use. The default
  /// throws InputError.
  virtual void load_state(torch::serialize::InputArchive& archive, TrainingContext& ctx);
};

/// Builds a method by registry name. Throws galt::InputError for an unknown
/// name (listing the known ones) or an unknown / invalid option key.
std::unique_ptr<ContinualMethod> make_method(const std::string& name, const MethodOptions& options,
                                             const ProtocolConfig& protocol);
/// Every registered method name, in registry order.
std::vector<std::string> method_names();

}  // namespace galt::train
