// Pieces `galt bench continual` and `galt bench tune` share: method-option
// overrides from the command line, the progress output of a continual run,
// and the run store behind --runs-dir.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "galt/report/progress.h"
#include "galt/train/run_store.h"
#include "galt/train/runner.h"

namespace galt::cli {

/// --option METHOD.KEY=VALUE: the same as `KEY = VALUE` in the config's
/// [methods.METHOD] table (overrides it). Throws galt::InputError when
/// malformed.
void apply_option(train::ProtocolConfig& p, const std::string& option);

/// A bar every 50 steps and a line per finished run ("(stored)" for a run
/// taken from the run store).
class RunProgress final : public train::RunCallback {
 public:
  RunProgress(report::Progress& progress, int64_t steps_per_run, train::Scenario scenario)
      : progress_(progress), per_run_(steps_per_run), scenario_(scenario) {}
  void begin_run(const std::string&, uint64_t) override { steps_ = 0; }
  void step_taken(const std::string& m, uint64_t seed, int64_t step, int64_t) override;
  void run_finished(const std::string& m, uint64_t seed, const train::SeedRun& r) override;
  void run_resumed(const std::string& m, uint64_t seed, int64_t step, int64_t) override;
  void checkpoint_written(const std::string&, uint64_t, int64_t, int64_t bytes,
                          double seconds) override;
  /// Runs continued from a checkpoint so far.
  int64_t resumed() const { return resumed_; }
  /// Checkpoints written so far, their largest size and their total time.
  int64_t checkpoints() const { return checkpoints_; }
  int64_t checkpoint_bytes() const { return checkpoint_bytes_; }
  double checkpoint_seconds() const { return checkpoint_seconds_; }

 private:
  report::Progress& progress_;
  int64_t per_run_;
  train::Scenario scenario_;
  int64_t steps_ = 0;
  int64_t resumed_ = 0;
  int64_t checkpoints_ = 0;
  int64_t checkpoint_bytes_ = 0;
  double checkpoint_seconds_ = 0.0;
};

/// The run store of --runs-dir (null when `dir` is empty), stamping runs
/// with the source tree's commit.
std::shared_ptr<train::DirectoryRunStore> open_run_store(const std::string& dir);

/// --checkpoint-every N: each unfinished run's checkpoint in --runs-dir
/// every N training steps (train/run_checkpoint.h). The default: at most
/// 500 steps of a run are lost to a kill, for a cost measured in
/// docs/RELIABILITY.md ("Run checkpoints").
inline constexpr int64_t kDefaultCheckpointEvery = 500;
struct CheckpointOption {
  int64_t every = kDefaultCheckpointEvery;
  CLI::Option* option = nullptr;
  /// Adds the option to `cmd`.
  void add_to(CLI::App* cmd);
  /// The steps to pass to ContinualRunner::set_checkpoint_every; throws
  /// galt::InputError when N > 0 was given without a --runs-dir to keep them.
  int64_t steps(const std::string& runs_dir) const;
};

}  // namespace galt::cli
