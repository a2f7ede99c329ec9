// Provenance of a result file: which commit, command and config produced it,
// when, and on how many cores — so every number can be traced and re-run.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace galt::report {

struct Provenance {
  std::string commit = "unknown";  ///< `git rev-parse HEAD` of the source tree
  bool dirty = false;              ///< the tree had uncommitted changes
  std::string command;             ///< the command line, as typed
  std::string config;              ///< the config file it read ("" if none)
  std::string date;                ///< UTC, ISO 8601
  int hardware_threads = 0;
};

/// The provenance of a run now: the commit and dirty flag are read with git
/// from the source tree the binary was configured from (GALT_SOURCE_DIR);
/// "unknown" when git or the tree is not there.
Provenance provenance(std::string command, std::string config = "");

/// {"commit", "dirty", "command", "config", "date", "hardware_threads"}.
nlohmann::json to_json(const Provenance& p);

}  // namespace galt::report
