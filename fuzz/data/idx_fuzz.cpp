// Fashion-MNIST IDX files (src/data/fashion_mnist.cpp): the input is one
// file, gzip or plain, read both as an image file and as a label file.
// Anything but galt::InputError escaping is a finding.
#include <galt/error.h>

#include "data/idx_reader.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto path = (galt::fuzz::scratch_dir() / "input-idx-ubyte.gz").string();
  galt::fuzz::write_file(path, galt::fuzz::as_text(data, size));
  try {
    galt::data::detail::read_idx_images(path);
  } catch (const galt::InputError&) {
  }
  try {
    galt::data::detail::read_idx_labels(path, 10);
  } catch (const galt::InputError&) {
  }
  return 0;
}
