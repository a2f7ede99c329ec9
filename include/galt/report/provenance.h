// Provenance of a result file: which commit, command and config produced it,
// when, and on how many cores — so every number can be traced and re-run.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>

namespace galt::report {

struct Provenance {
  std::string commit = "unknown";  ///< the commit the binary was built from
  bool dirty = false;              ///< the tree it was built from had uncommitted changes
  std::string command;             ///< the command line, as typed
  std::string config;              ///< the config file it read ("" if none)
  std::string date;                ///< UTC, ISO 8601
  int hardware_threads = 0;
};

/// The provenance of a run now: the commit and dirty flag are those of the
/// tree the binary was BUILT from (cmake/build_commit.cmake writes them at
/// every build), so a binary copied away for a long run stamps its own commit
/// however the tree moves on; "unknown" when it was built outside git.
Provenance provenance(std::string command, std::string config = "");

/// {"commit", "dirty", "command", "config", "date", "hardware_threads"}.
nlohmann::json to_json(const Provenance& p);

}  // namespace galt::report
