// A-GEM (Chaudhry et al., 2019), acting on the update it constrains. The
// memory (the same rows as the anchors) supplies a reference gradient g_ref,
// the memory loss's gradient at the current θ on `ref_batch` rows drawn
// without replacement within an epoch over the memory (detail::MemorySampler).
// The original projects the SGD gradient, so that the step −η·g satisfies
// ⟨step, g_ref⟩ ≤ 0: to first order the memory loss does not rise. With the
// benchmark's AdamW the step is a per-coordinate rescaling of the (momentum-
// averaged) gradient, so a projected GRADIENT no longer constrains the STEP,
// which can still raise the memory loss. This variant therefore projects the
// update: the AdamW step is taken from the task gradient (Adam's moments see
// the task gradient), Δθ = θ_new − θ_old; if ⟨Δθ, g_ref⟩ > 0 (the step would
// raise the memory loss to first order), Δθ ← Δθ − (⟨Δθ, g_ref⟩/‖g_ref‖²)·g_ref
// and θ = θ_old + Δθ (detail::agem_project_update). In the safety track (a
// [safety] table) the safety penalty (detail::safety_penalty, DESIGN §6, §8)
// joins the task loss before its gradient, from the first step.
// Two forward and two backward passes per step once the memory is non-empty
// (a third forward for the safety penalty).
// Options ([methods.agem]): ref_batch 256, safety_beta 1.0 (0: no safety
// penalty).
#include <torch/torch.h>

#include "train/methods/method_common.h"
#include "train/methods/methods.h"
#include "train/methods/regularizers.h"
#include "train/training_checks.h"

namespace galt::train {
namespace {

at::Tensor flat(const std::vector<at::Tensor>& parts, const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> out;
  for (size_t i = 0; i < params.size(); ++i)
    out.push_back(parts[i].defined() ? parts[i].detach().reshape({-1})
                                     : torch::zeros({params[i].numel()}, params[i].options()));
  return torch::cat(out);
}

class AGEM : public ContinualMethod {
 public:
  explicit AGEM(const MethodOptions& o) {
    detail::OptionReader r("agem", o);
    ref_batch_ = r.count("ref_batch", 256);
    safety_beta_ = r.positive("safety_beta", detail::kSafetyBeta, true);
    r.finish();
  }
  std::string name() const override { return "agem"; }
  void begin(TrainingContext& ctx) override {
    params_ = detail::trainable_parameters(*ctx.model);
    opt_ = std::make_unique<torch::optim::AdamW>(params_, detail::adamw_options(*ctx.protocol));
    memory_.seed(ctx.seed * 31 + 11);
  }
  void train_step(TrainingContext& ctx, const at::Tensor& x, const at::Tensor& y) override {
    opt_->zero_grad();
    auto loss = detail::task_loss(ctx, x, y);
    check_finite_loss(loss, "task loss");
    loss = detail::with_safety_penalty(ctx, loss, safety_beta_);
    const auto g = torch::autograd::grad({loss}, params_, {}, false, false, true);
    ++ctx.counters->global_backward_passes;
    for (size_t i = 0; i < params_.size(); ++i)
      params_[i].mutable_grad() = g[i].defined() ? g[i].detach() : torch::zeros_like(params_[i]);

    at::Tensor g_ref;  // the memory loss's gradient at θ_old
    const auto m = memory_.next(ctx, ref_batch_);
    if (!m.empty()) {
      const auto ref = detail::task_loss(ctx, m.x, m.y);
      g_ref = flat(torch::autograd::grad({ref}, params_, {}, false, false, true), params_);
      ++ctx.counters->global_backward_passes;
    }
    std::vector<at::Tensor> before;
    if (g_ref.defined())
      for (const auto& p : params_) before.push_back(p.detach().clone());
    opt_->step();
    ++ctx.counters->steps;
    ++ctx.counters->global_steps;
    if (g_ref.defined()) project_step(before, g_ref);
  }
  bool can_checkpoint() const override { return true; }
  void save_state(state::OutputArchive& a, const TrainingContext&) const override {
    detail::save_optimizer(a, "adamw", *opt_);
    memory_.save(a, "memory");
  }
  void load_state(state::InputArchive& a, TrainingContext& ctx) override {
    detail::load_optimizer(a, "adamw", *opt_);
    memory_.load(a, "memory", ctx);
  }

 private:
  // θ = θ_old + the A-GEM projection of the step just taken.
  void project_step(const std::vector<at::Tensor>& before, const at::Tensor& g_ref) {
    torch::NoGradGuard no_grad;
    std::vector<at::Tensor> steps;
    for (size_t i = 0; i < params_.size(); ++i) steps.push_back(params_[i].detach() - before[i]);
    const auto delta = flat(steps, params_);
    const auto projected = detail::agem_project_update(delta, g_ref);
    if (projected.is_same(delta)) return;  // the step does not raise the memory loss
    int64_t off = 0;
    for (size_t i = 0; i < params_.size(); ++i) {
      const int64_t n = params_[i].numel();
      params_[i].copy_(before[i] + projected.narrow(0, off, n).view_as(params_[i]));
      off += n;
    }
  }

  int64_t ref_batch_;
  double safety_beta_;
  detail::MemorySampler memory_;
  std::vector<at::Tensor> params_;
  std::unique_ptr<torch::optim::AdamW> opt_;
};

}  // namespace

std::unique_ptr<ContinualMethod> make_agem(const MethodOptions& o, const ProtocolConfig&) {
  return std::make_unique<AGEM>(o);
}

}  // namespace galt::train
