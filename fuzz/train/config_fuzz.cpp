// Benchmark configs (src/train/config.cpp): the input is the TOML text of a
// config; a tuned file it names may exist (tuned.toml, a valid one) or not.
// Anything but galt::InputError escaping is a finding.
#include <galt/error.h>

#include <filesystem>

#include "fuzz/fuzz_support.h"
#include "galt/train/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  static const fs::path dir = [] {
    const fs::path d = galt::fuzz::scratch_dir();
    galt::fuzz::write_file(d / "tuned.toml", "[methods.galt]\nlr = 0.001\n");
    return d;
  }();
  const std::string text(galt::fuzz::as_text(data, size));
  const std::string source = (dir / "config.toml").string();
  for (bool allow_missing : {false, true}) {
    try {
      galt::train::parse_bench_config(text, source, {.allow_missing_tuned = allow_missing});
    } catch (const galt::InputError&) {
    }
  }
  return 0;
}
