// Internal: clear errors when training diverges (DESIGN §8 and the standards: "NaN in training
// produces a clear error").
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

#include "galt/models/classifier.h"

namespace galt::train {

/// Throws galt::InputError naming where the loss became NaN/Inf.
void check_finite_loss(const at::Tensor& loss, const std::string& what, uint64_t seed, int task,
                       int64_t iteration);
/// Same, for a loss inside a method (the runner adds method/seed/task).
void check_finite_loss(const at::Tensor& loss, const std::string& what);
/// Throws galt::InputError if any parameter of the model is NaN/Inf.
void check_finite_parameters(models::ClassifierImpl& model, const std::string& method,
                             uint64_t seed, int task, int64_t iteration);

}  // namespace galt::train
