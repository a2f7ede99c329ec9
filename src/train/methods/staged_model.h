// Internal: a classifier cut into stages, one per block (DESIGN §4): stage v
// maps the activation message z_v to z_{v+1} with block v's tensors only, so
// a block can train on a (detached, one-step-stale) message from upstream.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <vector>

#include "galt/models/classifier.h"

namespace galt::train::detail {

struct Stages {
  /// fn[v](z_v) = z_{v+1}; the last stage returns the logits.
  std::vector<std::function<at::Tensor(const at::Tensor&)>> fn;
  std::vector<int64_t> out_dim;  ///< width of each stage's output
  size_t size() const { return fn.size(); }
};

/// Stages of an MLP (block fcv = stage v) or of a LoRA-MLP (block lorav =
/// stage v, block head = the last stage). Empty when the model is neither
/// (GALT then takes global steps only).
Stages stages_of(const models::ClassifierPtr& model);

}  // namespace galt::train::detail
