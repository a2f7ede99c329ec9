// The readers of one Fashion-MNIST IDX file (gzip or plain), exposed so that
// fuzz/data/idx_fuzz.cpp can drive them one file at a time;
// load_fashion_mnist (galt/data/dataset.h) is the public entry point.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

namespace galt::data::detail {

/// An IDX unsigned-byte image file of 28×28 images: [N, 784] float32 in
/// [0, 1]. Throws galt::InputError naming `path` for any defect.
at::Tensor read_idx_images(const std::string& path);
/// An IDX unsigned-byte label file: [N] int64 in [0, num_classes). Throws
/// galt::InputError naming `path` for any defect.
at::Tensor read_idx_labels(const std::string& path, int64_t num_classes);

}  // namespace galt::data::detail
