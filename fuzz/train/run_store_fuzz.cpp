// Stored runs (src/train/run_store.cpp, results/runs/<method>/<fp>/seed<k>.json):
// the input is the stored file of (default protocol, "galt", seed 100),
// loaded as a resumed benchmark would. Anything but galt::InputError
// escaping is a finding.
#include <galt/error.h>

#include <filesystem>

#include "fuzz/fuzz_support.h"
#include "galt/train/run_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  static galt::train::DirectoryRunStore store((galt::fuzz::scratch_dir() / "runs").string(),
                                              "fuzz");
  static const galt::train::ProtocolConfig protocol;
  static const fs::path path = [] {
    const fs::path p = store.path_of(protocol, "galt", 100);
    fs::create_directories(p.parent_path());
    return p;
  }();
  galt::fuzz::write_file(path, galt::fuzz::as_text(data, size));
  try {
    store.load(protocol, "galt", 100);
  } catch (const galt::InputError&) {
  }
  return 0;
}
