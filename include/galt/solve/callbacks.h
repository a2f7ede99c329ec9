// Callbacks: reporting, tracing and early stopping live here, not inside the
// optimizer (ensmallen's shape: the optimizer calls named hooks).
//
//   auto trace = std::make_shared<galt::DualTrace>(/*every=*/50);
//   opt.add_callback(trace);
//   opt.add_callback(std::make_shared<galt::ProgressCallback>(100));
//   ... training ...
//   for (const auto& series : trace->traces()) ...   // λ/ρ of every edge
//
// Hooks, in the order they fire: begin_task (Optimizer::begin_task), then per
// step outer_update (only on a step that ran the dual update) and
// step_taken. A step_taken that returns true asks the caller to stop
// (Optimizer::stop_requested()); the optimizer itself never stops a loop.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "galt/graph/edge_id.h"
#include "galt/solve/step_stats.h"

namespace torch::serialize {
class OutputArchive;
class InputArchive;
}  // namespace torch::serialize

namespace galt {

class Optimizer;

class OptimizerCallback {
 public:
  virtual ~OptimizerCallback() = default;
  /// A new task begins (after the multipliers' warm start); task is 0-based.
  virtual void begin_task(const Optimizer& opt, int task) {}
  /// After a step whose dual update ran (stats.dual_updates).
  virtual void outer_update(const Optimizer& opt, const StepStats& stats) {}
  /// After every step. Return true to ask the caller to stop.
  virtual bool step_taken(const Optimizer& opt, const StepStats& stats) { return false; }
};

/// step_taken as a function (for a lambda).
class StepCallback final : public OptimizerCallback {
 public:
  explicit StepCallback(std::function<bool(const StepStats&)> f) : f_(std::move(f)) {}
  bool step_taken(const Optimizer&, const StepStats& stats) override { return f_(stats); }

 private:
  std::function<bool(const StepStats&)> f_;
};

/// One line every `every` steps: step, active edges, worst violation, solve
/// time. Writes to `out` (default stderr).
class ProgressCallback final : public OptimizerCallback {
 public:
  explicit ProgressCallback(int64_t every = 100, std::FILE* out = stderr)
      : every_(every), out_(out) {}
  bool step_taken(const Optimizer& opt, const StepStats& stats) override;

 private:
  int64_t every_;
  std::FILE* out_;
};

/// The optimizer's brief report (brief_report) every `every` steps and at
/// every outer update.
class BriefReportCallback final : public OptimizerCallback {
 public:
  explicit BriefReportCallback(int64_t every = 1000, std::FILE* out = stderr)
      : every_(every), out_(out) {}
  void outer_update(const Optimizer& opt, const StepStats& stats) override;
  bool step_taken(const Optimizer& opt, const StepStats& stats) override;

 private:
  int64_t every_;
  std::FILE* out_;
  int64_t last_ = -1;
};

/// λ/ρ trace of one edge, sampled at steps.
struct EdgeTrace {
  std::string name;
  std::vector<int64_t> step;
  std::vector<double> value;   ///< C_e
  std::vector<double> lambda;  ///< λ_e
  std::vector<double> rho;     ///< ρ_e (NaN for methods without a penalty)
};

/// Records (step, C, λ, ρ) of every edge every `every` steps, keyed by the
/// edge's stable id (an edge removed and re-added under the same name is a
/// new series).
class DualTrace final : public OptimizerCallback {
 public:
  explicit DualTrace(int64_t every = 50) : every_(every) {}
  bool step_taken(const Optimizer& opt, const StepStats& stats) override;
  /// One series per edge ever seen, in order of first appearance.
  std::vector<EdgeTrace> traces() const;
  /// Checkpoints: every series with its edge id (`every` is the constructor's).
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  int64_t every_;
  std::map<EdgeId, EdgeTrace> series_;
  std::vector<EdgeId> order_;
};

}  // namespace galt
