// Internal helpers shared by the methods: AdamW over the trainable blocks,
// the task loss, option parsing, and the constraint batch (anchors + safety
// probe in one forward pass).
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/optim/adamw.h>

#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "galt/train/continual_method.h"

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

/// Anchors of the finished tasks and the safety probe as one batch: rows of
/// edge i are rows[i] consecutive rows of x.
struct ConstraintBatch {
  std::vector<std::string> names;   ///< "retain_task<k>" ..., then "safety"
  std::vector<int> channels;        ///< 0 = memory, 1 = safety
  std::vector<double> margins;      ///< anchor_margin or epsilon
  std::vector<int64_t> rows;
  at::Tensor x;                     ///< [Σ rows, 784]
  /// Raw values (before the margin) [k] from the logits of x.
  std::function<at::Tensor(const at::Tensor& logits)> raw_values;
  size_t size() const { return names.size(); }
};

/// `rows_per_set` rows of each anchor set and of the probe (0: all), drawn
/// with `gen` when fewer than all. With groups > 1 each anchor set is cut
/// into that many consecutive groups, each its own constraint
/// ("retain_task<k>/<g>"): more rows of U for the local solve.
ConstraintBatch constraint_batch(const TrainingContext& ctx, int64_t rows_per_set,
                                 std::mt19937_64* gen, int groups = 1);

/// Name of anchor group g of task t ("retain_task<t>" when groups == 1).
std::string retention_name(int task, int group, int groups);

/// A uniform sample of `n` rows from the memory (all anchor sets together);
/// returns {x, y}; empty tensors when the memory is empty.
std::pair<at::Tensor, at::Tensor> sample_memory(const TrainingContext& ctx, int64_t n,
                                                std::mt19937_64& gen);

}  // namespace galt::train::detail
