// Internal helpers shared by the methods: AdamW over the trainable blocks,
// the task loss, option parsing, memory sampling. The constraints themselves
// (anchors + safety probe in one forward pass) are the protocol's constraint
// set, galt/train/protocol_constraints.h.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/optim/adamw.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "galt/train/continual_method.h"
#include "galt/train/protocol_constraints.h"

namespace galt::train::detail {

/// Reads [methods.<name>] keys with defaults; finish() rejects unknown keys.
class OptionReader {
 public:
  OptionReader(std::string method, const MethodOptions& options)
      : method_(std::move(method)), options_(options) {}
  double get(const std::string& key, double def);
  /// get() that must be > 0 (or ≥ 0 with allow_zero).
  double positive(const std::string& key, double def, bool allow_zero = false);
  void finish() const;

 private:
  std::string method_;
  const MethodOptions& options_;
  std::set<std::string> used_;
};

/// Every trainable tensor of the model (the union of its blocks).
std::vector<at::Tensor> trainable_parameters(models::ClassifierImpl& model);

/// The benchmark's AdamW (bias-corrected, decoupled weight decay), the same
/// for every method: lr and weight_decay from the protocol.
torch::optim::AdamWOptions adamw_options(const ProtocolConfig& p);

/// One global step of a loss-based method: backward, AdamW step, and the
/// counters (one global backward pass, one global step).
void backward_and_step(TrainingContext& ctx, const at::Tensor& loss, torch::optim::Optimizer& opt);

/// Forward pass + masked cross-entropy (loss mask of the scenario); counts
/// one forward pass.
at::Tensor task_loss(TrainingContext& ctx, const at::Tensor& x, const at::Tensor& y);

/// A uniform sample of `n` rows from the memory (all anchor sets together);
/// returns {x, y}; empty tensors when the memory is empty.
std::pair<at::Tensor, at::Tensor> sample_memory(const TrainingContext& ctx, int64_t n,
                                                std::mt19937_64& gen);

}  // namespace galt::train::detail
