// A directory of finished (method, seed) runs, so that a benchmark killed
// after hours resumes from what it finished (issue "results that survive
// review", §7) and one result set can be assembled from several sessions.
//
//   DIR/<method>/<fingerprint>/protocol.json     the settings the runs share
//   DIR/<method>/<fingerprint>/seed<k>.json      one run (bench_report.h's per-seed JSON)
//   DIR/<method>/<fingerprint>/seed<k>.checkpoint  the run while it trains
//                                                (run_checkpoint.h; removed when it is done)
//
// The fingerprint is a hash of every protocol setting that can change a run
// (protocol_json without the name, the seed and method lists and the other
// methods' options) plus this method's options: a run made under other
// settings is never taken for this one, and tuning's grid points
// (different options) sit side by side. Files are written to a temporary
// name and renamed, so a killed process leaves no half-written run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "galt/train/runner.h"

namespace galt::train {

/// The fingerprint of (protocol, method): 16 hex digits (FNV-1a 64 of the
/// settings' JSON text).
std::string run_fingerprint(const ProtocolConfig& p, const std::string& method);

class DirectoryRunStore final : public RunStore {
 public:
  /// Creates `dir` if needed (galt::InputError if it cannot). `commit` is
  /// recorded in every run saved (SeedRun::commit).
  DirectoryRunStore(std::string dir, std::string commit);

  /// The stored run, or nothing. Throws galt::InputError naming the file if
  /// it exists but cannot be parsed (it is never silently re-run over).
  std::optional<SeedRun> load(const ProtocolConfig& p, const std::string& method,
                              uint64_t seed) override;
  /// Stamps run.commit (when empty) and writes the run.
  void save(const ProtocolConfig& p, const std::string& method, SeedRun& run) override;

  /// Runs taken from the store and runs saved to it so far.
  int64_t loaded() const { return loaded_; }
  int64_t saved() const { return saved_; }
  /// The path a run is (or would be) stored at.
  std::string path_of(const ProtocolConfig& p, const std::string& method, uint64_t seed) const;

  /// Beside path_of: seed<k>.checkpoint.
  std::string checkpoint_path(const ProtocolConfig& p, const std::string& method,
                              uint64_t seed) const override;
  /// Makes the run's folder (and its protocol.json). galt::InputError if it cannot.
  void prepare_checkpoints(const ProtocolConfig& p, const std::string& method) override;
  std::string commit() const override { return commit_; }

 private:
  /// DIR/<method>/<fingerprint>/ and its protocol.json.
  void make_run_folder(const ProtocolConfig& p, const std::string& method);
  std::string dir_;
  std::string commit_;
  int64_t loaded_ = 0;
  int64_t saved_ = 0;
};

}  // namespace galt::train
