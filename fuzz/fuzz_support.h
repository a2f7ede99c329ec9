// What every harness shares: a private scratch directory for the files a
// reader is given (readers of outside input take paths, not bytes), removed
// when the process exits.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace galt::fuzz {

/// The process's scratch directory, made on first use under
/// $GALT_FUZZ_TMPDIR, else /dev/shm (tmpfs: the ledger's fsyncs cost nothing
/// there), else $TMPDIR or /tmp.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    namespace fs = std::filesystem;
    std::string base;
    if (const char* e = std::getenv("GALT_FUZZ_TMPDIR"); e && *e) {
      base = e;
    } else if (access("/dev/shm", W_OK) == 0) {
      base = "/dev/shm";
    } else if (const char* t = std::getenv("TMPDIR"); t && *t) {
      base = t;
    } else {
      base = "/tmp";
    }
    std::string tmpl = base + "/galt-fuzz-XXXXXX";
    if (!mkdtemp(tmpl.data())) std::abort();
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(scratch_dir(), ec);
    });
    return fs::path(tmpl);
  }();
  return dir;
}

/// Writes `bytes` to `path` (replacing it).
inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) std::abort();
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace galt::fuzz
