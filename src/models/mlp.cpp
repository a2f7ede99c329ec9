// MLP with ReLU whose linear maps are tapped (DESIGN §2.3).
#include <galt/error.h>
#include <galt/graph/linear_tap.h>
#include <galt/models/mlp.h>
#include <torch/torch.h>

#include "models/global_rng_guard.h"
#include "models/input_check.h"

namespace galt::models {

MLPImpl::MLPImpl(std::vector<int64_t> sizes) : sizes_(std::move(sizes)) {
  if (sizes_.size() < 2) {
    throw InputError("MLP: " + std::to_string(sizes_.size()) +
                     " layer sizes given, expected at least two ({in, ..., out})");
  }
  for (size_t i = 0; i < sizes_.size(); ++i) {
    if (sizes_[i] < 1) {
      throw InputError("MLP: layer size " + std::to_string(i) + " is " + std::to_string(sizes_[i]) +
                       ", expected >= 1");
    }
  }
  for (size_t i = 0; i + 1 < sizes_.size(); ++i) {
    layers_.push_back(
        register_module("fc" + std::to_string(i + 1), torch::nn::Linear(sizes_[i], sizes_[i + 1])));
  }
}

at::Tensor MLPImpl::forward(const at::Tensor& x) {
  detail::check_input(x, sizes_.front(), "MLP");
  at::Tensor h = x;
  for (size_t i = 0; i < layers_.size(); ++i) {
    h = tapped_linear(h, layers_[i]->weight, layers_[i]->bias);
    if (i + 1 < layers_.size()) h = torch::relu(h);
  }
  return h;
}

at::Tensor MLPImpl::forward_features(const at::Tensor& x, int layer) {
  if (layer < 0 || layer >= num_layers()) {
    throw InputError("MLP::forward_features: layer " + std::to_string(layer) + " outside [0, " +
                     std::to_string(num_layers() - 1) + "]");
  }
  detail::check_input(x, sizes_.front(), "MLP");
  at::Tensor h = x;
  for (int i = 0; i < layer; ++i) {
    h = torch::relu(tapped_linear(h, layers_[i]->weight, layers_[i]->bias));
  }
  return h;
}

std::vector<ParamBlock> MLPImpl::blocks() {
  std::vector<ParamBlock> out;
  for (size_t i = 0; i < layers_.size(); ++i) {
    ParamBlock b{"fc" + std::to_string(i + 1), {}};
    for (const auto& p : {layers_[i]->weight, layers_[i]->bias}) {
      if (p.defined() && p.requires_grad()) b.params.push_back(p);
    }
    if (!b.params.empty()) out.push_back(std::move(b));
  }
  return out;
}

std::optional<BlockChain> MLPImpl::chain() {
  if (blocks().size() != layers_.size()) return std::nullopt;  // a frozen layer is no block
  BlockChain c;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const bool last = i + 1 == layers_.size();
    const at::Tensor w = layers_[i]->weight, b = layers_[i]->bias;
    c.stages.push_back([w, b, last](const at::Tensor& z) {
      auto y = tapped_linear(z, w, b);
      return last ? y : torch::relu(y);
    });
    c.out_dim.push_back(w.size(0));
  }
  return c;
}

std::shared_ptr<ClassifierImpl> MLPImpl::clone_model() const {
  std::shared_ptr<MLPImpl> copy;
  {
    detail::GlobalRngGuard keep_rng;  // the new layers' default init is overwritten below
    copy = std::make_shared<MLPImpl>(sizes_);
  }
  const auto& w0 = layers_.front()->weight;
  copy->to(w0.device(), w0.scalar_type());
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < layers_.size(); ++i) {
    for (auto [src, dst] : {std::pair{layers_[i]->weight, copy->layers_[i]->weight},
                            std::pair{layers_[i]->bias, copy->layers_[i]->bias}}) {
      dst.copy_(src);
      dst.set_requires_grad(src.requires_grad());
    }
  }
  copy->train(is_training());
  return copy;
}

}  // namespace galt::models
