// Tuned files (written by `galt bench tune`, read by src/train/config.cpp
// when a config names them): the input is the tuned file; the config naming
// it is fixed. Anything but galt::InputError escaping is a finding.
#include <galt/error.h>

#include <filesystem>

#include "fuzz/fuzz_support.h"
#include "galt/train/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  static const fs::path dir = galt::fuzz::scratch_dir();
  galt::fuzz::write_file(dir / "tuned.toml", galt::fuzz::as_text(data, size));
  static const std::string config =
      "[benchmark]\n"
      "tasks = 2\n"
      "seeds = [0]\n"
      "methods = [\"galt\", \"replay\"]\n"
      "tuned = \"tuned.toml\"\n"
      "[methods.replay]\n"
      "rehearsal_batch = 8\n";
  try {
    galt::train::parse_bench_config(config, (dir / "config.toml").string());
  } catch (const galt::InputError&) {
  }
  return 0;
}
