// BlockChain: a model cut into stages, one per block (DESIGN §4). Stage v
// maps the activation message z_v to z_{v+1} with block v's tensors only, so
// a block can train on a (detached, one-step-stale) message from upstream,
// and a forward-consistency edge can be evaluated through one block.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace galt {

struct BlockChain {
  /// stages[v](z_v) = z_{v+1}; the last stage returns the model's output.
  std::vector<std::function<at::Tensor(const at::Tensor&)>> stages;
  /// Width of each stage's output (the last: the number of outputs).
  std::vector<int64_t> out_dim;

  size_t size() const { return stages.size(); }
  bool empty() const { return stages.empty(); }
  /// The whole chain: stages[n−1](…stages[0](x)).
  at::Tensor forward(const at::Tensor& x) const {
    at::Tensor z = x;
    for (const auto& f : stages) z = f(z);
    return z;
  }
};

}  // namespace galt
