// Run checkpoints (src/train/run_checkpoint.cpp,
// results/runs/<method>/<fp>/seed<k>.checkpoint): the input is the file a
// resumed benchmark finds for (default protocol, "galt", seed 100), read and
// checked as the runner reads it. read_checkpoint never throws: anything
// escaping is a finding, and so is a "usable" verdict on a file whose payload
// does not have the size and checksum its header gives.
#include <cstdlib>

#include "fuzz/fuzz_support.h"
#include "galt/train/run_checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = (galt::fuzz::scratch_dir() / "seed100.checkpoint").string();
  static const galt::train::CheckpointIdentity id{"0123456789abcdef", "galt", 100, "fuzz",
                                                  "intra-op 1, BLAS 1"};
  galt::fuzz::write_file(path, galt::fuzz::as_text(data, size));
  const auto r = galt::train::read_checkpoint(path, id);
  if (r.status == galt::train::CheckpointStatus::kUsable && r.payload.size() > size) std::abort();
  return 0;
}
