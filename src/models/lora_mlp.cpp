// LoRA-MLP: frozen base, rank-r adapters, trainable head (the public
// prototype's reference protocol, docs/RESULTS.md).
#include <galt/error.h>
#include <galt/graph/linear_tap.h>
#include <galt/models/lora_mlp.h>
#include <torch/torch.h>

#include <cmath>

#include "models/input_check.h"

namespace galt::models {
namespace {
std::string param_name(const char* kind, size_t i, const char* part) {
  return std::string(kind) + std::to_string(i + 1) + "_" + part;
}
}  // namespace

LoRAMLPImpl::LoRAMLPImpl(const MLPImpl& base, int64_t rank, double alpha)
    : rank_(rank), alpha_(alpha) {
  if (base.num_layers() < 2) {
    throw InputError("LoRA-MLP: the base MLP has " + std::to_string(base.num_layers()) +
                     " layer(s), expected at least two (a hidden layer to adapt and a head)");
  }
  if (rank < 1) throw InputError("LoRA-MLP: rank " + std::to_string(rank) + ", expected >= 1");
  if (!(alpha > 0.0) || !std::isfinite(alpha)) {
    throw InputError("LoRA-MLP: alpha " + std::to_string(alpha) + ", expected a finite value > 0");
  }
  torch::NoGradGuard no_grad;
  const size_t hidden = static_cast<size_t>(base.num_layers() - 1);
  for (size_t i = 0; i < hidden; ++i) {
    const auto& layer = base.layer(static_cast<int64_t>(i));
    const auto& w = layer->weight;
    base_w_.push_back(
        register_parameter(param_name("base", i, "weight"), w.detach().clone(), false));
    base_b_.push_back(
        register_parameter(param_name("base", i, "bias"), layer->bias.detach().clone(), false));
    // A: kaiming-uniform like a Linear's weight; B: zero, so the adapted model
    // starts as the base model.
    auto a = torch::empty({rank, w.size(1)}, w.options());
    torch::nn::init::kaiming_uniform_(a, std::sqrt(5.0));
    lora_a_.push_back(register_parameter(param_name("lora", i, "A"), a, true));
    lora_b_.push_back(register_parameter(param_name("lora", i, "B"),
                                         torch::zeros({w.size(0), rank}, w.options()), true));
  }
  const auto& head = base.layer(static_cast<int64_t>(hidden));
  head_w_ = register_parameter("head_weight", head->weight.detach().clone(), true);
  head_b_ = register_parameter("head_bias", head->bias.detach().clone(), true);
}

LoRAMLPImpl::LoRAMLPImpl(CloneTag, const LoRAMLPImpl& other)
    : rank_(other.rank_), alpha_(other.alpha_), base_frozen_(other.base_frozen_) {
  torch::NoGradGuard no_grad;
  auto copy = [&](const std::string& n, const at::Tensor& t) {
    return register_parameter(n, t.detach().clone(), t.requires_grad());
  };
  for (size_t i = 0; i < other.base_w_.size(); ++i) {
    base_w_.push_back(copy(param_name("base", i, "weight"), other.base_w_[i]));
    base_b_.push_back(copy(param_name("base", i, "bias"), other.base_b_[i]));
    lora_a_.push_back(copy(param_name("lora", i, "A"), other.lora_a_[i]));
    lora_b_.push_back(copy(param_name("lora", i, "B"), other.lora_b_[i]));
  }
  head_w_ = copy("head_weight", other.head_w_);
  head_b_ = copy("head_bias", other.head_b_);
  train(other.is_training());
}

at::Tensor LoRAMLPImpl::forward(const at::Tensor& x) {
  detail::check_input(x, base_w_.front().size(1), "LoRA-MLP");
  const double scale = alpha_ / static_cast<double>(rank_);
  const at::Tensor none;
  at::Tensor h = x;
  for (size_t i = 0; i < base_w_.size(); ++i) {
    // A frozen base is not a block: a plain linear keeps it out of the taps.
    at::Tensor base = base_frozen_ ? torch::nn::functional::linear(h, base_w_[i], base_b_[i])
                                   : tapped_linear(h, base_w_[i], base_b_[i]);
    at::Tensor down = tapped_linear(h, lora_a_[i], none);
    at::Tensor up = tapped_linear(down, lora_b_[i], none);
    h = torch::relu(base + scale * up);
  }
  return tapped_linear(h, head_w_, head_b_);
}

std::vector<ParamBlock> LoRAMLPImpl::blocks() {
  std::vector<ParamBlock> out;
  auto add = [&](std::string n, std::vector<at::Tensor> ps) {
    ParamBlock b{std::move(n), {}};
    for (auto& p : ps) {
      if (p.requires_grad()) b.params.push_back(p);
    }
    if (!b.params.empty()) out.push_back(std::move(b));
  };
  for (size_t i = 0; i < base_w_.size(); ++i) {
    if (!base_frozen_) add("base" + std::to_string(i + 1), {base_w_[i], base_b_[i]});
    add("lora" + std::to_string(i + 1), {lora_a_[i], lora_b_[i]});
  }
  add("head", {head_w_, head_b_});
  return out;
}

std::optional<BlockChain> LoRAMLPImpl::chain() {
  // With the base unfrozen, a layer is two blocks (base<i>, lora<i>): no chain.
  if (!base_frozen_) return std::nullopt;
  BlockChain c;
  const double scale = alpha_ / static_cast<double>(rank_);
  for (size_t i = 0; i < base_w_.size(); ++i) {
    const at::Tensor W = base_w_[i], B0 = base_b_[i], A = lora_a_[i], B = lora_b_[i];
    c.stages.push_back([W, B0, A, B, scale](const at::Tensor& z) {
      const at::Tensor none;
      auto up = tapped_linear(tapped_linear(z, A, none), B, none);
      return torch::relu(torch::nn::functional::linear(z, W, B0) + scale * up);
    });
    c.out_dim.push_back(W.size(0));
  }
  const at::Tensor HW = head_w_, HB = head_b_;
  c.stages.push_back([HW, HB](const at::Tensor& z) { return tapped_linear(z, HW, HB); });
  c.out_dim.push_back(HW.size(0));
  return c;
}

std::shared_ptr<ClassifierImpl> LoRAMLPImpl::clone_model() const {
  return std::shared_ptr<LoRAMLPImpl>(new LoRAMLPImpl(CloneTag{}, *this));
}

void LoRAMLPImpl::set_base_requires_grad(bool on) {
  for (auto& t : base_w_) t.set_requires_grad(on);
  for (auto& t : base_b_) t.set_requires_grad(on);
}

void LoRAMLPImpl::freeze_base() {
  base_frozen_ = true;
  set_base_requires_grad(false);
}

void LoRAMLPImpl::unfreeze_base() {
  base_frozen_ = false;
  set_base_requires_grad(true);
}

}  // namespace galt::models
