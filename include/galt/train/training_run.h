// One graph-parallel GALT training run (DESIGN §4) from a run config
// (run_config.h): what `galt train` runs.
//
//   galt::train::RunConfig c = galt::train::load_run_config("configs/train-fortunes.toml");
//   galt::train::TrainingRunResult r = galt::train::run_training(c);
//   galt::train::write_run_report(r, "runs/lm");      // run.json + report.html
//
// The model is cut into its blocks (an MLP: a block per layer; the
// transformer: embed, layer groups, head), each a parameter group of one
// galt::Optimizer. With [galt] local_steps, a step is either
//  - a refresh (every refresh_period steps, on the first step, and when a
//    forward-consistency value passes refresh_trigger): the end-to-end task
//    loss by backprop, the inner blocks' auxiliary heads on detached
//    messages, and new forward references on the probe rows; or
//  - a local step: every block on its upstream block's detached message
//    (one step stale), inner blocks on their auxiliary head's loss, the last
//    on the task loss (LocalObjectives);
// and the forward-consistency edges C_fwd(v) (ForwardEdges) keep an
// upstream block's update from invalidating what downstream learned, their
// λ growing while violated. Without local_steps every step is end to end
// (the control). The block phase runs on the configured executor: serial,
// threads (ThreadExecutor), or processes (the caller's RunHooks::configure
// puts the optimizer on a process group: galt::dist::distribute).
//
// Everything is seeded (RunConfig::seed: model, heads, batches;
// split_seed: the data split), so the same config gives the same run: bit
// for bit across serial, threads and processes under the same block order
// (each block's step does the same arithmetic wherever it runs).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "galt/solve/callbacks.h"
#include "galt/solve/compute_counters.h"
#include "galt/train/run_config.h"

namespace galt {
class Optimizer;
}

namespace galt::train {

struct RunHooks {
  /// Called once, after the optimizer and its edges exist and before the
  /// first step: the place to choose an executor the library does not
  /// build itself (processes). Required for executor "processes".
  std::function<void(Optimizer&)> configure;
  /// After every training step (1-based count of steps done).
  std::function<void(int64_t done, int64_t steps)> step_taken;
};

/// A model's quality on a split: the mean task loss (nats per target) and
/// the metric — accuracy for images, bits per character for text.
struct RunEvaluation {
  double loss = 0.0;
  double metric = 0.0;
  int64_t rows = 0;  ///< images, or windows of text
};

struct TrainingRunResult {
  RunConfig config;
  std::string metric;  ///< "accuracy" | "bits_per_char"
  std::vector<std::string> blocks;
  std::vector<int64_t> block_parameters;
  int64_t data_rows = 0;  ///< training images, or training characters

  /// Every trace_every steps: the step (1-based), its training loss (the
  /// task loss of the step's batch on the chain's output) and whether the
  /// step was a refresh.
  std::vector<int64_t> trace_steps;
  std::vector<double> train_loss;
  std::vector<bool> refresh_step;
  /// The forward-consistency edges' C, λ, ρ every trace_every steps.
  std::vector<EdgeTrace> forward_edges;

  /// The validation curve (every eval_every steps and at the last, on the
  /// first eval_rows rows) and the final evaluations (every row).
  std::vector<int64_t> eval_steps;
  std::vector<RunEvaluation> validation_curve;
  RunEvaluation validation, test;

  ComputeCounters counters;
  int64_t refreshes = 0;
  double train_seconds = 0.0;  ///< the steps only
  double eval_seconds = 0.0;
  /// FNV-1a over every parameter's bytes, block by block, after the last
  /// step (16 hex digits): equal runs have equal fingerprints.
  std::string fingerprint;
};

/// Runs the config. Throws galt::InputError for a bad config, missing data,
/// a NaN/Inf loss (nothing more is updated), or executor "processes"
/// without RunHooks::configure.
TrainingRunResult run_training(const RunConfig& config, const RunHooks& hooks = {});

}  // namespace galt::train
