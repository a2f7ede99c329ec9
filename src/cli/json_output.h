// A benchmark's JSON result file: checked before the work, written whole
// after it. Every `galt bench ... --json OUT` command uses these two calls so
// that an unwritable output fails in the first second (exit 2), not after
// minutes of work, and a run that fails or is killed while writing leaves the
// previous file, not half a new one ("bad input loses nothing",
// DEVELOPERS.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace galt::cli {

/// Throws galt::InputError ("--json: ...") unless `path` can be written:
/// its folder exists and a file can be created in it (tried: a probe file is
/// created and removed), and `path` is not a folder or a read-only file.
/// Leaves nothing behind.
void check_json_output(const std::string& path);

/// Adds "command" (e.g. "galt bench constrained") and "provenance" (commit,
/// command line, machine: report/provenance.h) to `j`, then writes it to
/// `path` through a temporary file in the same folder renamed over `path`
/// (atomic on POSIX), and says so on stderr. Throws InputError when the
/// file cannot be written.
void write_json_output(nlohmann::json j, const std::string& path, const std::string& command);

}  // namespace galt::cli
