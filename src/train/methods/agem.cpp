// A-GEM (Chaudhry et al., 2019): the memory (the same rows as the anchors)
// supplies a reference gradient g_ref on a batch of `ref_batch` rows (drawn
// without replacement within an epoch over the memory, detail::MemorySampler);
// when the task gradient g points against it (g·g_ref < 0) it is projected,
// g ← g − (g·g_ref / g_ref·g_ref)·g_ref, then the benchmark's AdamW steps.
// Two forward and two backward passes per step once the memory is non-empty.
// Options ([methods.agem]): ref_batch 256.
#include <torch/torch.h>

#include "train/methods/method_common.h"
#include "train/methods/methods.h"
#include "train/methods/regularizers.h"
#include "train/training_checks.h"

namespace galt::train {
namespace {

at::Tensor flat_grad(const std::vector<at::Tensor>& grads, const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> parts;
  for (size_t i = 0; i < params.size(); ++i)
    parts.push_back(grads[i].defined() ? grads[i].detach().reshape({-1})
                                       : torch::zeros({params[i].numel()}, params[i].options()));
  return torch::cat(parts);
}

class AGEM : public ContinualMethod {
 public:
  explicit AGEM(const MethodOptions& o) {
    detail::OptionReader r("agem", o);
    ref_batch_ = r.count("ref_batch", 256);
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
    auto g = flat_grad(torch::autograd::grad({loss}, params_, {}, false, false, true), params_);
    ++ctx.counters->global_backward_passes;
    const auto m = memory_.next(ctx, ref_batch_);
    if (!m.empty()) {
      auto ref = detail::task_loss(ctx, m.x, m.y);
      auto g_ref =
          flat_grad(torch::autograd::grad({ref}, params_, {}, false, false, true), params_);
      ++ctx.counters->global_backward_passes;
      g = detail::agem_project(g, g_ref);
    }
    int64_t off = 0;
    for (auto& p : params_) {
      p.mutable_grad() = g.narrow(0, off, p.numel()).view_as(p).clone();
      off += p.numel();
    }
    opt_->step();
    ++ctx.counters->steps;
    ++ctx.counters->global_steps;
  }

 private:
  int64_t ref_batch_;
  detail::MemorySampler memory_;
  std::vector<at::Tensor> params_;
  std::unique_ptr<torch::optim::AdamW> opt_;
};

}  // namespace

std::unique_ptr<ContinualMethod> make_agem(const MethodOptions& o, const ProtocolConfig&) {
  return std::make_unique<AGEM>(o);
}

}  // namespace galt::train
