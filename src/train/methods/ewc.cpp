// EWC (Kirkpatrick et al., 2017), online form: after each task the empirical
// Fisher diagonal F = mean_x (∇ log p(y|x))² over `fisher_samples` training
// rows of the task (per-sample gradients: one backward pass per row, all
// counted) is ACCUMULATED into Ω (Ω ← gamma·Ω + F) and θ* is reset; the loss is
// task + (lambda/2)·Σ Ω (θ − θ*)². In the safety track (a [safety] table) the
// safety penalty (detail::safety_penalty, DESIGN §6, §8) is added from the
// first step; the Fisher stays the task loss's.
// Options ([methods.ewc]): lambda 100, fisher_samples 200, gamma 1.0,
// safety_beta 1.0 (0: no safety penalty).
#include <torch/torch.h>

#include "train/methods/method_common.h"
#include "train/methods/methods.h"
#include "train/methods/regularizers.h"
#include "train/training_checks.h"

namespace galt::train {
namespace {

class EWC : public ContinualMethod {
 public:
  explicit EWC(const MethodOptions& o) {
    detail::OptionReader r("ewc", o);
    lambda_ = r.positive("lambda", 100.0, true);
    samples_ = r.count("fisher_samples", 200);
    gamma_ = r.positive("gamma", 1.0, true);
    safety_beta_ = r.positive("safety_beta", detail::kSafetyBeta, true);
    r.finish();
  }
  std::string name() const override { return "ewc"; }
  void begin(TrainingContext& ctx) override {
    params_ = detail::trainable_parameters(*ctx.model);
    opt_ = std::make_unique<torch::optim::AdamW>(params_, detail::adamw_options(*ctx.protocol));
  }
  void train_step(TrainingContext& ctx, const at::Tensor& x, const at::Tensor& y) override {
    opt_->zero_grad();
    auto loss = detail::task_loss(ctx, x, y);
    check_finite_loss(loss, "task loss");
    loss = loss + 0.5 * lambda_ * detail::quadratic_penalty(params_, anchor_, fisher_);
    check_finite_loss(loss, "EWC loss");
    loss = detail::with_safety_penalty(ctx, loss, safety_beta_);
    detail::backward_and_step(ctx, loss, *opt_);
  }
  void end_task(TrainingContext& ctx) override {
    const auto& d = *ctx.task_train;
    const int64_t n = std::min<int64_t>(samples_, d.size());
    std::vector<at::Tensor> f;
    for (const auto& p : params_) f.push_back(torch::zeros_like(p));
    for (int64_t i = 0; i < n; ++i) {
      const auto x = d.images.narrow(0, i * (d.size() / n), 1);
      const auto y = d.labels.narrow(0, i * (d.size() / n), 1);
      const auto loss = detail::task_loss(ctx, x, y);
      auto g = torch::autograd::grad({loss}, params_, {}, false, false, true);
      ++ctx.counters->global_backward_passes;
      for (size_t j = 0; j < g.size(); ++j)
        if (g[j].defined()) f[j].add_(g[j].detach().pow(2) / static_cast<double>(n));
    }
    if (fisher_.empty()) {
      fisher_ = f;
    } else {
      for (size_t j = 0; j < f.size(); ++j) fisher_[j] = gamma_ * fisher_[j] + f[j];
    }
    anchor_.clear();
    for (const auto& p : params_) anchor_.push_back(p.detach().clone());
  }

  const std::vector<at::Tensor>& fisher() const { return fisher_; }

  bool can_checkpoint() const override { return true; }
  void save_state(state::OutputArchive& a, const TrainingContext&) const override {
    detail::save_optimizer(a, "adamw", *opt_);
    state::put_tensors(a, "fisher", fisher_);
    state::put_tensors(a, "anchor", anchor_);
  }
  void load_state(state::InputArchive& a, TrainingContext&) override {
    detail::load_optimizer(a, "adamw", *opt_);
    auto fisher = state::get_tensors(a, "fisher");
    auto anchor = state::get_tensors(a, "anchor");
    detail::check_like(fisher, params_, "ewc: the Fisher diagonal");
    detail::check_like(anchor, params_, "ewc: θ*");
    fisher_ = std::move(fisher);
    anchor_ = std::move(anchor);
  }

 private:
  double lambda_, gamma_, safety_beta_;
  int64_t samples_;
  std::vector<at::Tensor> params_, anchor_, fisher_;
  std::unique_ptr<torch::optim::AdamW> opt_;
};

}  // namespace

std::unique_ptr<ContinualMethod> make_ewc(const MethodOptions& o, const ProtocolConfig&) {
  return std::make_unique<EWC>(o);
}

}  // namespace galt::train
