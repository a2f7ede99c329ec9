// ContinualRunner: runs one protocol (protocol.h) for a list of methods ×
// seeds with, for every method, the same model initialisation, the same data
// order and the same memory (anchor) rows (DESIGN §8).
//
//   galt::train::ContinualRunner runner(config);
//   galt::train::BenchResult r = runner.run();          // loads the data by name
//   galt::train::write_bench_json(r, "out.json");         // bench_report.h
//
// Per seed s: torch::manual_seed(s) draws the model initialisation (and,
// for the reference protocol, the pretraining batches) once; every method
// trains a deep copy. Task t's batches come from a BatchSampler seeded with
// (s, t); its anchors are a seeded subset of its training rows, chosen by
// (s, t) — identical for every method (each method's own model supplies the
// frozen output distribution). A fixed, stratified validation split
// (protocol.validation_fraction of every class's training rows) is removed
// from training; evaluation uses the test split, or that validation split
// when protocol.evaluate_on says so (tuning, DESIGN §8.1).
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "galt/data/dataset.h"
#include "galt/report/provenance.h"
#include "galt/solve/compute_counters.h"
#include "galt/train/continual_method.h"
#include "galt/train/metrics.h"
#include "galt/train/protocol.h"

namespace galt::train {

/// The rows a protocol trains and evaluates on: data.train is the training
/// split without the validation rows (everything a method may train on,
/// store in memory or use as a probe); data.test is the evaluation split —
/// the test split, or the validation rows when p.evaluate_on says so.
struct ProtocolSplits {
  data::TrainTest data;
  data::Dataset validation;  ///< empty when p.validation_fraction is 0
};
ProtocolSplits protocol_splits(const data::TrainTest& data, const ProtocolConfig& p);

/// The anchor rows of every task for one seed: a seeded subset of
/// `anchors_per_task` rows of each task's TRAINING split (the runner's own
/// choice, exposed so tests can check it never touches evaluation data).
std::vector<data::Dataset> select_anchor_rows(const std::vector<data::Dataset>& task_train,
                                              int64_t anchors_per_task, uint64_t seed);

/// One method, one seed.
struct SeedRun {
  uint64_t seed = 0;
  AccuracyMatrix acc_task_il;   ///< R[i][j], task-incremental evaluation
  AccuracyMatrix acc_class_il;  ///< R[i][j], class-incremental evaluation
  /// Held-out safety violation rate over training (steps: training steps
  /// done): share of the evaluation split's critical items whose argmax over
  /// the classes seen at that step is the forbidden class.
  std::vector<int64_t> safety_steps;
  std::vector<double> safety_rate;
  /// Per measurement: had training on the forbidden class begun? Before it,
  /// the seen-class argmax cannot answer it and the rate is a structural 0.
  std::vector<bool> safety_forbidden_seen;
  /// The final model (after the last task), argmax over the classes seen:
  double final_probe_violation = std::numeric_limits<double>::quiet_NaN();  ///< on the probe rows
  double final_forbidden_recall =
      std::numeric_limits<double>::quiet_NaN();  ///< forbidden items answered as such
  /// The safety constraint's raw value (mean whole-head probability of the
  /// forbidden class) of the final model on the probe rows and on the held-out items.
  double final_probe_mass = std::numeric_limits<double>::quiet_NaN();
  double final_heldout_mass = std::numeric_limits<double>::quiet_NaN();
  /// The commit the run was made with (the run store records it; empty for a
  /// run made in this process).
  std::string commit;
  std::vector<EdgeTrace> duals;
  ComputeCounters counters;
  double wall_seconds = 0.0;  ///< training only (begin/train_step/end_task)
  double eval_seconds = 0.0;  ///< evaluation, not counted in wall_seconds
  double pretrain_accuracy = std::numeric_limits<double>::quiet_NaN();  ///< reference protocol

  /// The matrix of the protocol's scenario.
  const AccuracyMatrix& headline(Scenario s) const {
    return s == Scenario::kTaskIncremental ? acc_task_il : acc_class_il;
  }
  /// Time-average of the held-out violation rate over the measurements after
  /// the forbidden class was first trained (NaN without safety).
  double mean_safety_violation() const;
  /// The final model's held-out violation rate (NaN without safety).
  double final_safety_violation() const;
  /// final_safety_violation − final_probe_violation: how much worse the
  /// constraint holds on unseen items than on its own rows (> 0: it does not
  /// generalise).
  double safety_generalisation_gap() const {
    return final_safety_violation() - final_probe_violation;
  }
};

struct MethodResult {
  std::string method;
  std::vector<SeedRun> runs;  ///< one per seed, in the config's order
};

struct BenchResult {
  ProtocolConfig protocol;
  /// Which commit, command and config produced it (set by the caller; the
  /// runner leaves it empty).
  report::Provenance provenance;
  std::vector<MethodResult> methods;
  /// Rows of each task in the evaluation split (test or validation): the
  /// standard error of an accuracy p on n rows is √(p(1−p)/n).
  std::vector<int64_t> eval_rows_per_task;
  double total_seconds = 0.0;
};

/// Hooks of a benchmark run, in the optimizer's callback style
/// (include/galt/solve/callbacks.h): named hooks, called in order. A run is
/// never stopped early — a partial run would not follow the protocol.
class RunCallback {
 public:
  virtual ~RunCallback() = default;
  /// Before the first task of a (method, seed) run.
  virtual void begin_run(const std::string& method, uint64_t seed) {}
  /// Before each task's first step.
  virtual void begin_task(const std::string& method, uint64_t seed, int task) {}
  /// After each training step: `step` steps of `steps_per_run` are done.
  virtual void step_taken(const std::string& method, uint64_t seed, int64_t step,
                          int64_t steps_per_run) {}
  /// After a finished run, with its results.
  virtual void run_finished(const std::string& method, uint64_t seed, const SeedRun& run) {}
  /// A run continues from its checkpoint after `step` of `steps_per_run`
  /// steps (instead of begin_task for the task it stopped in).
  virtual void run_resumed(const std::string& method, uint64_t seed, int64_t step,
                           int64_t steps_per_run) {}
  /// A checkpoint of `bytes` was written after `step` steps in `seconds`.
  virtual void checkpoint_written(const std::string& method, uint64_t seed, int64_t step,
                                  int64_t bytes, double seconds) {}
  /// Something the user should know that does not stop the run (a
  /// checkpoint refused or ignored); also written to stderr.
  virtual void warning(const std::string& message) {}
};

/// Where finished (method, seed) runs are kept, so that a killed benchmark
/// resumes from them (run_store.h has the directory implementation). load()
/// returns a run only if it was made under the same protocol and options.
class RunStore {
 public:
  virtual ~RunStore() = default;
  virtual std::optional<SeedRun> load(const ProtocolConfig& p, const std::string& method,
                                      uint64_t seed) = 0;
  /// Called once per finished run, before the run_finished callbacks; may
  /// stamp the run (its commit), which the result then keeps.
  virtual void save(const ProtocolConfig& p, const std::string& method, SeedRun& run) = 0;

  /// Where a run keeps its checkpoint while it trains (run_checkpoint.h);
  /// empty: this store keeps none.
  virtual std::string checkpoint_path(const ProtocolConfig& p, const std::string& method,
                                      uint64_t seed) const {
    return {};
  }
  /// Called before a run's first checkpoint is written (make its folder).
  virtual void prepare_checkpoints(const ProtocolConfig& p, const std::string& method) {}
  /// The commit the store stamps runs with: part of a checkpoint's identity.
  virtual std::string commit() const { return {}; }
};

class ContinualRunner {
 public:
  explicit ContinualRunner(ProtocolConfig protocol);

  /// Uses these data instead of loading protocol.dataset (tests, tiny runs).
  void set_data(data::TrainTest data);
  /// Finished runs are saved to and taken from `store` (null: none).
  void set_run_store(std::shared_ptr<RunStore> store);
  /// Hooks called during run() (progress output, logging).
  void add_callback(std::shared_ptr<RunCallback> callback);
  /// Every `steps` training steps of a run, its checkpoint is written beside
  /// the run store's files (run_checkpoint.h); 0: none (the default). A run
  /// whose checkpoint the store holds continues from it either way. Writing
  /// one changes nothing in the run's arithmetic, and its time is counted in
  /// neither wall_seconds nor eval_seconds. galt::InputError for steps < 0.
  void set_checkpoint_every(int64_t steps);

  /// Runs every method × seed. Throws galt::InputError for a bad protocol
  /// (unknown method or option, bad safety classes, missing data) before any
  /// training, and for a run whose loss or parameters become NaN/Inf (naming
  /// the method, seed, task and step).
  BenchResult run();

  /// Steps one (method, seed) run takes: tasks × iterations.
  int64_t steps_per_run() const;

  /// The checks run() makes first (methods, their options, the protocol's
  /// ranges; with checkpoints, that every method can write them), without
  /// data or training: galt bench tune checks every grid point with it
  /// before the first trains.
  void validate() const;

 private:
  ProtocolConfig protocol_;
  std::optional<data::TrainTest> data_;
  std::vector<std::shared_ptr<RunCallback>> callbacks_;
  std::shared_ptr<RunStore> store_;
  int64_t checkpoint_every_ = 0;
};

}  // namespace galt::train
