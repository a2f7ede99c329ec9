// Synaptic Intelligence (Zenke et al., 2017): during a task, the path
// integral ω_i += −g_i·Δθ_i with g the gradient of the task loss alone and
// Δθ the step actually taken; at the task's end Ω += ω / ((θ − θ_start)² + xi),
// θ* ← θ, ω ← 0. Loss: task + c·Σ Ω (θ − θ*)². In the safety track (a
// [safety] table) the safety penalty (detail::safety_penalty, DESIGN §6, §8)
// is added from the first step, with the SI penalty: it steers the step but,
// like the SI penalty, does not enter ω — the importance measures the
// parameters' share of the TASK loss's decrease; the safety edge keeps
// penalising every later step anyway.
// Options ([methods.si]): c 1.0, xi 0.1, safety_beta 1.0 (0: no safety
// penalty).
#include <torch/torch.h>

#include "train/methods/method_common.h"
#include "train/methods/methods.h"
#include "train/methods/regularizers.h"
#include "train/training_checks.h"

namespace galt::train {
namespace {

class SI : public ContinualMethod {
 public:
  explicit SI(const MethodOptions& o) {
    detail::OptionReader r("si", o);
    c_ = r.positive("c", 1.0, true);
    xi_ = r.positive("xi", 0.1);
    safety_beta_ = r.positive("safety_beta", detail::kSafetyBeta, true);
    r.finish();
  }
  std::string name() const override { return "si"; }
  void begin(TrainingContext& ctx) override {
    params_ = detail::trainable_parameters(*ctx.model);
    opt_ = std::make_unique<torch::optim::AdamW>(params_, detail::adamw_options(*ctx.protocol));
    for (const auto& p : params_) {
      omega_.push_back(torch::zeros_like(p));
      start_.push_back(p.detach().clone());
    }
  }
  void train_step(TrainingContext& ctx, const at::Tensor& x, const at::Tensor& y) override {
    opt_->zero_grad();
    auto task = detail::task_loss(ctx, x, y);
    check_finite_loss(task, "task loss");
    // The task gradient alone drives ω; the penalty's gradient is added after.
    auto g = torch::autograd::grad({task}, params_, {}, false, false, true);
    ++ctx.counters->global_backward_passes;
    auto pen = c_ * detail::quadratic_penalty(params_, anchor_, importance_);
    if (const auto s = detail::safety_penalty(ctx, safety_beta_); s.defined()) {
      pen = pen + s;
      check_finite_loss(pen, "safety penalty");
      ++ctx.counters->global_backward_passes;  // its gradient is a network pass
    }
    std::vector<at::Tensor> gp;
    if (pen.requires_grad()) gp = torch::autograd::grad({pen}, params_, {}, false, false, true);
    std::vector<at::Tensor> before;
    for (size_t i = 0; i < params_.size(); ++i) {
      at::Tensor gi = g[i].defined() ? g[i].detach() : torch::zeros_like(params_[i]);
      at::Tensor total = gi.clone();
      if (!gp.empty() && gp[i].defined()) total.add_(gp[i]);
      params_[i].mutable_grad() = total;
      g[i] = gi;
      before.push_back(params_[i].detach().clone());
    }
    opt_->step();
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params_.size(); ++i)
      omega_[i].sub_(g[i] * (params_[i].detach() - before[i]));
    ++ctx.counters->steps;
    ++ctx.counters->global_steps;
  }
  void end_task(TrainingContext&) override {
    torch::NoGradGuard no_grad;
    if (importance_.empty())
      for (const auto& p : params_) importance_.push_back(torch::zeros_like(p));
    anchor_.clear();
    for (size_t i = 0; i < params_.size(); ++i) {
      const auto delta = params_[i].detach() - start_[i];
      importance_[i].add_(omega_[i] / (delta.pow(2) + xi_));
      importance_[i].clamp_min_(0);  // ω can go negative on noisy steps
      omega_[i].zero_();
      start_[i] = params_[i].detach().clone();
      anchor_.push_back(start_[i].clone());
    }
  }

  bool can_checkpoint() const override { return true; }
  void save_state(state::OutputArchive& a, const TrainingContext&) const override {
    detail::save_optimizer(a, "adamw", *opt_);
    state::put_tensors(a, "omega", omega_);
    state::put_tensors(a, "start", start_);
    state::put_tensors(a, "anchor", anchor_);
    state::put_tensors(a, "importance", importance_);
  }
  void load_state(state::InputArchive& a, TrainingContext&) override {
    detail::load_optimizer(a, "adamw", *opt_);
    auto omega = state::get_tensors(a, "omega"), start = state::get_tensors(a, "start");
    auto anchor = state::get_tensors(a, "anchor"), importance = state::get_tensors(a, "importance");
    detail::check_like(omega, params_, "si: ω");
    detail::check_like(start, params_, "si: θ at the task's start");
    detail::check_like(anchor, params_, "si: θ*");
    detail::check_like(importance, params_, "si: Ω");
    omega_ = std::move(omega);
    start_ = std::move(start);
    anchor_ = std::move(anchor);
    importance_ = std::move(importance);
  }

 private:
  double c_, xi_, safety_beta_;
  std::vector<at::Tensor> params_, omega_, start_, anchor_, importance_;
  std::unique_ptr<torch::optim::AdamW> opt_;
};

}  // namespace

std::unique_ptr<ContinualMethod> make_si(const MethodOptions& o, const ProtocolConfig&) {
  return std::make_unique<SI>(o);
}

}  // namespace galt::train
