// Fashion-MNIST from Debian's dataset-fashion-mnist (IDX files, gzip).
// IDX: big-endian int32 magic (0x801 labels, 0x803 images), then one int32
// per dimension, then unsigned bytes.
#include <galt/data/dataset.h>
#include <galt/error.h>
#include <torch/torch.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "data/idx_reader.h"

namespace galt::data {
namespace {

// The whole decompressed content of a gzip file (zlib also reads an
// uncompressed file transparently). Throws InputError for a missing file or a
// corrupt or truncated stream.
std::vector<uint8_t> read_gzip(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw InputError("Fashion-MNIST file not found: " + path +
                     " (install Debian's dataset-fashion-mnist, see scripts/setup.sh)");
  }
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) throw InputError("cannot open Fashion-MNIST file " + path);
  std::vector<uint8_t> out;
  std::vector<uint8_t> buf(1 << 20);
  for (;;) {
    const int n = gzread(f, buf.data(), static_cast<unsigned>(buf.size()));
    if (n < 0) {
      int errnum = 0;
      const std::string msg = gzerror(f, &errnum);
      gzclose(f);
      throw InputError("corrupt gzip data in " + path + ": " + msg);
    }
    if (n == 0) break;
    out.insert(out.end(), buf.begin(), buf.begin() + n);
  }
  // A stream cut short reads as end-of-file; zlib flags it as Z_BUF_ERROR.
  int errnum = Z_OK;
  const std::string msg = gzerror(f, &errnum);
  gzclose(f);
  if (errnum != Z_OK && errnum != Z_STREAM_END) {
    throw InputError("truncated or corrupt gzip file " + path + ": " + msg);
  }
  return out;
}

uint32_t be32(const std::vector<uint8_t>& b, size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) |
         uint32_t{b[at + 3]};
}

std::string hex(uint32_t v) {
  char s[16];
  std::snprintf(s, sizeof s, "0x%08x", v);
  return s;
}

}  // namespace

at::Tensor detail::read_idx_images(const std::string& path) {
  const auto b = read_gzip(path);
  if (b.size() < 16) {
    throw InputError("truncated IDX image file " + path + ": " + std::to_string(b.size()) +
                     " bytes, expected a 16-byte header");
  }
  if (be32(b, 0) != 0x00000803) {
    throw InputError("bad magic number " + hex(be32(b, 0)) + " in " + path +
                     ", expected 0x00000803 (IDX unsigned-byte images)");
  }
  const uint64_t n = be32(b, 4), rows = be32(b, 8), cols = be32(b, 12);
  if (rows != 28 || cols != 28) {
    throw InputError("images in " + path + " are " + std::to_string(rows) + "x" +
                     std::to_string(cols) + ", expected 28x28");
  }
  const uint64_t want = 16 + n * rows * cols;
  if (b.size() != want) {
    throw InputError((b.size() < want ? "truncated IDX image file " : "trailing bytes in ") + path +
                     ": " + std::to_string(b.size()) + " bytes, expected " + std::to_string(want) +
                     " for " + std::to_string(n) + " images");
  }
  auto bytes = torch::from_blob(const_cast<uint8_t*>(b.data() + 16),
                                {static_cast<int64_t>(n), kImagePixels}, torch::kUInt8);
  return bytes.to(torch::kFloat32).div_(255.0f).contiguous();
}

at::Tensor detail::read_idx_labels(const std::string& path, int64_t num_classes) {
  const auto b = read_gzip(path);
  if (b.size() < 8) {
    throw InputError("truncated IDX label file " + path + ": " + std::to_string(b.size()) +
                     " bytes, expected an 8-byte header");
  }
  if (be32(b, 0) != 0x00000801) {
    throw InputError("bad magic number " + hex(be32(b, 0)) + " in " + path +
                     ", expected 0x00000801 (IDX unsigned-byte labels)");
  }
  const uint64_t n = be32(b, 4);
  if (b.size() != 8 + n) {
    throw InputError((b.size() < 8 + n ? "truncated IDX label file " : "trailing bytes in ") +
                     path + ": " + std::to_string(b.size()) + " bytes, expected " +
                     std::to_string(8 + n) + " for " + std::to_string(n) + " labels");
  }
  for (uint64_t i = 0; i < n; ++i) {
    if (b[8 + i] >= num_classes) {
      throw InputError("label " + std::to_string(b[8 + i]) + " at index " + std::to_string(i) +
                       " in " + path + " is out of range, expected 0.." +
                       std::to_string(num_classes - 1));
    }
  }
  auto bytes = torch::from_blob(const_cast<uint8_t*>(b.data() + 8), {static_cast<int64_t>(n)},
                                torch::kUInt8);
  return bytes.to(torch::kInt64).contiguous();
}

namespace {

Dataset read_pair(const std::string& dir, const std::string& prefix, const std::string& name) {
  const std::string img = dir + "/" + prefix + "-images-idx3-ubyte.gz";
  const std::string lab = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
  Dataset d;
  d.num_classes = 10;
  d.name = name;
  d.images = detail::read_idx_images(img);
  d.labels = detail::read_idx_labels(lab, d.num_classes);
  if (d.images.size(0) != d.labels.size(0)) {
    throw InputError("count mismatch: " + img + " holds " + std::to_string(d.images.size(0)) +
                     " images but " + lab + " holds " + std::to_string(d.labels.size(0)) +
                     " labels");
  }
  return d;
}

}  // namespace

TrainTest load_fashion_mnist(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw InputError("Fashion-MNIST directory not found: " + dir +
                     " (install Debian's dataset-fashion-mnist, see scripts/setup.sh)");
  }
  TrainTest tt;
  tt.train = read_pair(dir, "train", "fashion-mnist/train");
  tt.test = read_pair(dir, "t10k", "fashion-mnist/test");
  return tt;
}

}  // namespace galt::data
