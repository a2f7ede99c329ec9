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
// frozen output distribution). Evaluation uses only the test split.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "galt/data/dataset.h"
#include "galt/train/continual_method.h"
#include "galt/train/metrics.h"
#include "galt/report/provenance.h"
#include "galt/train/protocol.h"
#include "galt/solve/compute_counters.h"

namespace galt::train {

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
  /// Held-out safety violation rate over training (steps: training steps done).
  std::vector<int64_t> safety_steps;
  std::vector<double> safety_rate;
  std::vector<EdgeTrace> duals;
  ComputeCounters counters;
  double wall_seconds = 0.0;  ///< training only (begin/train_step/end_task)
  double eval_seconds = 0.0;  ///< evaluation, not counted in wall_seconds
  double pretrain_accuracy = std::numeric_limits<double>::quiet_NaN();  ///< reference protocol

  /// The matrix of the protocol's scenario.
  const AccuracyMatrix& headline(Scenario s) const {
    return s == Scenario::kTaskIncremental ? acc_task_il : acc_class_il;
  }
  /// Time-average of the held-out violation rate (NaN without safety).
  double mean_safety_violation() const;
  double final_safety_violation() const;
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
};

class ContinualRunner {
 public:
  explicit ContinualRunner(ProtocolConfig protocol);

  /// Uses these data instead of loading protocol.dataset (tests, tiny runs).
  void set_data(data::TrainTest data);
  /// Hooks called during run() (progress output, logging).
  void add_callback(std::shared_ptr<RunCallback> callback);

  /// Runs every method × seed. Throws galt::InputError for a bad protocol
  /// (unknown method or option, bad safety classes, missing data) before any
  /// training, and for a run whose loss or parameters become NaN/Inf (naming
  /// the method, seed, task and step).
  BenchResult run();

  /// Steps one (method, seed) run takes: tasks × iterations.
  int64_t steps_per_run() const;

 private:
  void validate() const;
  ProtocolConfig protocol_;
  std::optional<data::TrainTest> data_;
  std::vector<std::shared_ptr<RunCallback>> callbacks_;
};

}  // namespace galt::train
