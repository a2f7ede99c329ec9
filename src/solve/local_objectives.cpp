#include "galt/solve/local_objectives.h"

#include <torch/torch.h>

#include "galt/error.h"

namespace galt {

LocalObjectives::LocalObjectives(BlockChain chain, int64_t num_outputs) : chain_(std::move(chain)) {
  if (chain_.empty()) throw InputError("local objectives: the block chain is empty");
  if (chain_.out_dim.size() != chain_.size())
    throw InputError("local objectives: the chain has no output width for every stage");
  if (num_outputs < 1) throw InputError("local objectives: need ≥ 1 output");
  for (size_t v = 0; v + 1 < chain_.size(); ++v)
    heads_.emplace_back(torch::nn::Linear(chain_.out_dim[v], num_outputs));
}

at::Tensor LocalObjectives::head(size_t v, const at::Tensor& z) const {
  // What torch::nn::Linear::forward computes (F::linear), on a const head.
  return torch::nn::functional::linear(z, heads_[v]->weight, heads_[v]->bias);
}

std::vector<at::Tensor> LocalObjectives::head_parameters(size_t v) const {
  return heads_.at(v)->parameters();
}

LocalObjectives::Losses LocalObjectives::global(const at::Tensor& x, const at::Tensor& y,
                                                const OutputLoss& loss) const {
  std::vector<at::Tensor> z{x};
  for (const auto& f : chain_.stages) z.push_back(f(z.back()));
  Losses out;
  out.task = loss(z.back(), y);
  out.total = out.task;
  for (size_t v = 0; v < heads_.size(); ++v)
    out.total = out.total + loss(head(v, z[v + 1].detach()), y);
  return out;
}

LocalObjectives::Losses LocalObjectives::local(const at::Tensor& x, const at::Tensor& y,
                                               const OutputLoss& loss) const {
  Losses out;
  at::Tensor z = x;
  for (size_t v = 0; v < chain_.size(); ++v) {
    const at::Tensor o = chain_.stages[v](z);
    const bool last = v + 1 == chain_.size();
    const at::Tensor l = last ? loss(o, y) : loss(head(v, o), y);
    if (last) out.task = l;
    out.total = out.total.defined() ? out.total + l : l;
    z = o.detach();  // the message downstream blocks train on
  }
  return out;
}

}  // namespace galt
