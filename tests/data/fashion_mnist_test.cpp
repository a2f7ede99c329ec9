// Fashion-MNIST loader: the real Debian files, and corrupted synthetic copies.
#include <galt/data/dataset.h>
#include <galt/error.h>
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "data/temp_dir.h"

namespace galt::data {
namespace {

const std::string kDebianDir = "/usr/share/datasets/fashion-mnist";

bool have_fashion() { return std::filesystem::exists(kDebianDir + "/train-images-idx3-ubyte.gz"); }

TEST(FashionMnist, LoadsTheRealDebianFiles) {
  if (!have_fashion()) {
    GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed at " << kDebianDir
                 << " (scripts/setup.sh installs it)";
  }
  const auto tt = load_fashion_mnist(kDebianDir);
  ASSERT_EQ(tt.train.size(), 60000);
  ASSERT_EQ(tt.test.size(), 10000);
  for (const auto* d : {&tt.train, &tt.test}) {
    EXPECT_EQ(d->images.sizes(), (std::vector<int64_t>{d->size(), 784}));
    EXPECT_EQ(d->images.scalar_type(), torch::kFloat32);
    EXPECT_EQ(d->labels.scalar_type(), torch::kInt64);
    EXPECT_TRUE(d->images.is_contiguous());
    EXPECT_EQ(d->num_classes, 10);
    EXPECT_GE(d->images.min().item<float>(), 0.0f);
    EXPECT_FLOAT_EQ(d->images.max().item<float>(), 1.0f);
    // Pixels are k/255: scaling back gives integers.
    auto back = d->images.slice(0, 0, 100) * 255.0f;
    EXPECT_LT((back - back.round()).abs().max().item<float>(), 1e-3f);
    // Fashion-MNIST is balanced: 6,000 / 1,000 of each class.
    auto counts = torch::bincount(d->labels, {}, 10);
    const int64_t per = d->size() / 10;
    for (int c = 0; c < 10; ++c) EXPECT_EQ(counts[c].item<int64_t>(), per) << "class " << c;
  }
  EXPECT_EQ(tt.train.name, "fashion-mnist/train");
  EXPECT_EQ(tt.test.name, "fashion-mnist/test");
  // The first training image is an ankle boot (class 9) in the published set.
  EXPECT_EQ(tt.train.labels[0].item<int64_t>(), 9);
}

// ---- synthetic IDX files -------------------------------------------------

void put_be32(std::vector<uint8_t>& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<uint8_t>(v >> s));
}

std::vector<uint8_t> idx_images(uint32_t n, uint32_t rows = 28, uint32_t cols = 28,
                                uint32_t magic = 0x803) {
  std::vector<uint8_t> b;
  put_be32(b, magic);
  put_be32(b, n);
  put_be32(b, rows);
  put_be32(b, cols);
  for (uint32_t i = 0; i < n * rows * cols; ++i) b.push_back(static_cast<uint8_t>((i * 7) % 256));
  return b;
}

std::vector<uint8_t> idx_labels(const std::vector<uint8_t>& labels, uint32_t magic = 0x801) {
  std::vector<uint8_t> b;
  put_be32(b, magic);
  put_be32(b, static_cast<uint32_t>(labels.size()));
  b.insert(b.end(), labels.begin(), labels.end());
  return b;
}

void write_gz(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  gzclose(f);
}

void write_raw(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

std::vector<uint8_t> read_raw(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A valid little Fashion-MNIST: 3 train and 2 test images.
void write_valid(const test::TempDir& dir) {
  write_gz(dir / "train-images-idx3-ubyte.gz", idx_images(3));
  write_gz(dir / "train-labels-idx1-ubyte.gz", idx_labels({0, 9, 4}));
  write_gz(dir / "t10k-images-idx3-ubyte.gz", idx_images(2));
  write_gz(dir / "t10k-labels-idx1-ubyte.gz", idx_labels({1, 2}));
}

// Runs the loader and returns the InputError message ("" if none was thrown).
std::string load_error(const std::string& dir) {
  try {
    load_fashion_mnist(dir);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(FashionMnist, ReadsASyntheticSetExactly) {
  test::TempDir dir;
  write_valid(dir);
  const auto tt = load_fashion_mnist(dir.str());
  ASSERT_EQ(tt.train.size(), 3);
  ASSERT_EQ(tt.test.size(), 2);
  EXPECT_EQ(tt.train.labels[1].item<int64_t>(), 9);
  // Pixel i of the file is (7 i mod 256) / 255.
  EXPECT_FLOAT_EQ(tt.train.images[0][1].item<float>(), 7.0f / 255.0f);
  EXPECT_FLOAT_EQ(tt.train.images[1][0].item<float>(), static_cast<float>((784 * 7) % 256) / 255);
}

TEST(FashionMnist, MissingDirectoryIsAnInputError) {
  test::TempDir dir;
  const auto msg = load_error(dir / "nope");
  EXPECT_NE(msg.find("directory not found"), std::string::npos) << msg;
  EXPECT_NE(msg.find(dir / "nope"), std::string::npos) << msg;
}

TEST(FashionMnist, MissingFileIsAnInputError) {
  test::TempDir dir;
  write_valid(dir);
  std::filesystem::remove(dir / "t10k-labels-idx1-ubyte.gz");
  const auto msg = load_error(dir.str());
  EXPECT_NE(msg.find("not found"), std::string::npos) << msg;
  EXPECT_NE(msg.find("t10k-labels-idx1-ubyte.gz"), std::string::npos) << msg;
}

TEST(FashionMnist, TruncatedGzipStreamIsAnInputError) {
  test::TempDir dir;
  write_valid(dir);
  const std::string p = dir / "train-images-idx3-ubyte.gz";
  auto bytes = read_raw(p);
  bytes.resize(bytes.size() / 2);
  write_raw(p, bytes);
  const auto msg = load_error(dir.str());
  EXPECT_NE(msg.find(p), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
}

TEST(FashionMnist, TruncatedCopyOfTheRealFileIsAnInputError) {
  if (!have_fashion()) GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed";
  test::TempDir dir;
  for (const char* f :
       {"train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    std::filesystem::copy_file(kDebianDir + "/" + f, dir / f);
  }
  // The first megabyte of the real 26 MB training images.
  std::ifstream in(kDebianDir + "/train-images-idx3-ubyte.gz", std::ios::binary);
  std::vector<char> head(1 << 20);
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  std::ofstream(dir / "train-images-idx3-ubyte.gz", std::ios::binary)
      .write(head.data(), static_cast<std::streamsize>(head.size()));
  const auto msg = load_error(dir.str());
  EXPECT_NE(msg.find("train-images-idx3-ubyte.gz"), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;
}

TEST(FashionMnist, CorruptGzipDataIsAnInputError) {
  test::TempDir dir;
  write_valid(dir);
  const std::string p = dir / "t10k-images-idx3-ubyte.gz";
  auto bytes = read_raw(p);
  for (size_t i = 20; i < bytes.size() - 8; ++i) bytes[i] ^= 0x5a;  // keep the gzip header
  write_raw(p, bytes);
  const auto msg = load_error(dir.str());
  EXPECT_NE(msg.find(p), std::string::npos) << msg;
}

TEST(FashionMnist, TruncatedIdxContentIsAnInputError) {
  test::TempDir dir;
  write_valid(dir);
  auto img = idx_images(3);
  img.resize(img.size() - 100);  // valid gzip, short payload
  write_gz(dir / "train-images-idx3-ubyte.gz", img);
  auto msg = load_error(dir.str());
  EXPECT_NE(msg.find("truncated IDX image file"), std::string::npos) << msg;

  write_gz(dir / "train-images-idx3-ubyte.gz", idx_images(3));
  write_gz(dir / "train-labels-idx1-ubyte.gz", {0, 0, 8, 1});  // half a header
  msg = load_error(dir.str());
  EXPECT_NE(msg.find("truncated IDX label file"), std::string::npos) << msg;
}

TEST(FashionMnist, BadMagicIsAnInputError) {
  test::TempDir dir;
  write_valid(dir);
  write_gz(dir / "t10k-labels-idx1-ubyte.gz", idx_labels({1, 2}, 0x803));
  const auto msg = load_error(dir.str());
  EXPECT_NE(msg.find("bad magic number 0x00000803"), std::string::npos) << msg;
  EXPECT_NE(msg.find("t10k-labels-idx1-ubyte.gz"), std::string::npos) << msg;
}

TEST(FashionMnist, WrongImageSizeIsAnInputError) {
  test::TempDir dir;
  write_valid(dir);
  write_gz(dir / "train-images-idx3-ubyte.gz", idx_images(3, 27, 28));
  const auto msg = load_error(dir.str());
  EXPECT_NE(msg.find("27x28, expected 28x28"), std::string::npos) << msg;
}

TEST(FashionMnist, CountMismatchIsAnInputError) {
  test::TempDir dir;
  write_valid(dir);
  write_gz(dir / "train-labels-idx1-ubyte.gz", idx_labels({0, 9}));
  const auto msg = load_error(dir.str());
  EXPECT_NE(msg.find("count mismatch"), std::string::npos) << msg;
  EXPECT_NE(msg.find("3 images"), std::string::npos) << msg;
}

TEST(FashionMnist, LabelOutOfRangeIsAnInputError) {
  test::TempDir dir;
  write_valid(dir);
  write_gz(dir / "train-labels-idx1-ubyte.gz", idx_labels({0, 10, 4}));
  const auto msg = load_error(dir.str());
  EXPECT_NE(msg.find("label 10 at index 1"), std::string::npos) << msg;
}

TEST(FashionMnist, TrailingBytesAreAnInputError) {
  test::TempDir dir;
  write_valid(dir);
  auto lab = idx_labels({0, 9, 4});
  lab.push_back(3);
  write_gz(dir / "train-labels-idx1-ubyte.gz", lab);
  const auto msg = load_error(dir.str());
  EXPECT_NE(msg.find("trailing bytes"), std::string::npos) << msg;
}

TEST(LoadByName, UnknownNameIsAnInputError) {
  try {
    load_by_name("cifar");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("\"cifar\""), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("\"fashion\""), std::string::npos);
  }
}

}  // namespace
}  // namespace galt::data
