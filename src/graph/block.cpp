#include "galt/graph/block.h"

#include <torch/torch.h>

#include <cmath>

#include "galt/error.h"

namespace galt {

Block::Block(std::string name, std::vector<at::Tensor> params)
    : name_(std::move(name)), params_(std::move(params)), state_(params_.size()) {
  for (const auto& p : params_) numel_ += p.defined() ? p.numel() : 0;
}

std::vector<bool> Block::has_grad() const {
  std::vector<bool> out(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) out[i] = params_[i].grad().defined();
  return out;
}

// The arithmetic below mirrors torch::optim::AdamW::step (LibTorch 1.13) op
// for op: the same kernels in the same order give the same bits (DESIGN §2.4).
void Block::update_moments(const AdamWOptions& opt, const std::vector<at::Tensor>* force_gradient) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto& grad = params_[i].grad();
    if (!grad.defined()) continue;
    auto& st = state_[i];
    if (!st.exp_avg.defined()) {
      st.exp_avg = torch::zeros_like(params_[i], at::MemoryFormat::Preserve);
      st.exp_avg_sq = torch::zeros_like(params_[i], at::MemoryFormat::Preserve);
    }
    st.step += 1;
    st.exp_avg.mul_(opt.beta1).add_(grad, 1 - opt.beta1);
    if (force_gradient != nullptr && (*force_gradient)[i].defined()) {
      const auto gl = grad + (*force_gradient)[i].view_as(grad);
      st.exp_avg_sq.mul_(opt.beta2).addcmul_(gl, gl, 1 - opt.beta2);
    } else {
      st.exp_avg_sq.mul_(opt.beta2).addcmul_(grad, grad, 1 - opt.beta2);
    }
  }
}

Block::TensorState& Block::advance_state(size_t i) {
  auto& st = state_.at(i);
  if (!st.exp_avg.defined()) {
    torch::NoGradGuard no_grad;
    st.exp_avg = torch::zeros_like(params_[i], at::MemoryFormat::Preserve);
    st.exp_avg_sq = torch::zeros_like(params_[i], at::MemoryFormat::Preserve);
  }
  st.step += 1;
  return st;
}

std::vector<at::Tensor> Block::metric(const AdamWOptions& opt) const {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> out(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    const auto& st = state_[i];
    if (st.step == 0) {
      out[i] = torch::full_like(params_[i], opt.eps);
      continue;
    }
    const double bias_correction2 = 1 - std::pow(opt.beta2, st.step);
    out[i] = (st.exp_avg_sq.sqrt() / std::sqrt(bias_correction2)).add_(opt.eps);
  }
  return out;
}

double Block::step_size(size_t i, const AdamWOptions& opt) const {
  const auto& st = state_.at(i);
  if (st.step == 0) return 0.0;
  const double bias_correction1 = 1 - std::pow(opt.beta1, st.step);
  return opt.lr / bias_correction1;
}

void Block::reset_state() {
  for (auto& st : state_) st = TensorState{};
}

}  // namespace galt
