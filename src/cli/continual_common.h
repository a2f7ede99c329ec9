// Pieces `galt bench continual` and `galt bench tune` share: method-option
// overrides from the command line, the progress output of a continual run,
// and the run store behind --runs-dir.
#pragma once

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

 private:
  report::Progress& progress_;
  int64_t per_run_;
  train::Scenario scenario_;
  int64_t steps_ = 0;
};

/// The run store of --runs-dir (null when `dir` is empty), stamping runs
/// with the source tree's commit.
std::shared_ptr<train::DirectoryRunStore> open_run_store(const std::string& dir);

}  // namespace galt::cli
