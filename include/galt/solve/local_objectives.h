// Local objectives of a block chain (DESIGN §4, as in decoupled greedy
// learning): the last block trains on the task loss, every inner block on a
// small auxiliary head — a linear map from its output to the model's outputs
// — so that between global refreshes each block can take a local step on the
// detached activation message of its upstream block.
//
//   galt::LocalObjectives local(*model->chain(), num_classes);
//   // the heads train with their block: add local.head_parameters(v) to
//   // block v's parameter group
//   auto l = refresh ? local.global(x, y, loss) : local.local(x, y, loss);
//   l.total.backward();                         // then opt.step()
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "galt/graph/block_chain.h"

namespace galt {

/// The task loss of an output batch against its targets (a 0-dim tensor).
using OutputLoss = std::function<at::Tensor(const at::Tensor& output, const at::Tensor& target)>;

class LocalObjectives {
 public:
  /// Creates one head per inner block (LibTorch's Linear initialisation,
  /// drawn from torch's global generator, in block order).
  LocalObjectives(BlockChain chain, int64_t num_outputs);

  /// Inner blocks with a head (the chain's length − 1).
  size_t size() const { return heads_.size(); }
  /// The head's tensors of inner block v.
  std::vector<at::Tensor> head_parameters(size_t v) const;

  struct Losses {
    at::Tensor total;  ///< what to backpropagate
    at::Tensor task;   ///< the task loss on the chain's output
  };
  /// A global step: the end-to-end task loss, plus each head's loss on the
  /// detached output of its block (the heads learn, the blocks get the
  /// end-to-end gradient only). One forward, one global backward pass.
  Losses global(const at::Tensor& x, const at::Tensor& target, const OutputLoss& loss) const;
  /// A local step: each block on the detached message of its upstream block
  /// (computed with that block's parameters before this step's update: one
  /// step stale), with its local objective. The graphs are disjoint, so one
  /// backward() leaves each gradient in its block: one local backward pass
  /// per block.
  Losses local(const at::Tensor& x, const at::Tensor& target, const OutputLoss& loss) const;

 private:
  at::Tensor head(size_t v, const at::Tensor& z) const;
  BlockChain chain_;
  std::vector<torch::nn::Linear> heads_;
};

}  // namespace galt
