// AdamW fine-tuning ("none" in the continual-learning literature): the task
// loss only, no memory, no retention term — the lower bound every continual
// method must beat (DESIGN §8). In the safety track (a [safety] table) the
// safety penalty (detail::safety_penalty, DESIGN §6, §8) is added from the
// first step, as for every loss-based method.
// Options ([methods.adamw]): safety_beta 1.0 (0: no safety penalty).
#include <torch/torch.h>

#include "train/methods/method_common.h"
#include "train/methods/methods.h"
#include "train/training_checks.h"

namespace galt::train {
namespace {

class AdamWFinetune : public ContinualMethod {
 public:
  explicit AdamWFinetune(const MethodOptions& o) {
    detail::OptionReader r("adamw", o);
    safety_beta_ = r.positive("safety_beta", detail::kSafetyBeta, true);
    r.finish();
  }
  std::string name() const override { return "adamw"; }
  void begin(TrainingContext& ctx) override {
    opt_ = std::make_unique<torch::optim::AdamW>(detail::trainable_parameters(*ctx.model),
                                                 detail::adamw_options(*ctx.protocol));
  }
  void train_step(TrainingContext& ctx, const at::Tensor& x, const at::Tensor& y) override {
    opt_->zero_grad();
    auto loss = detail::task_loss(ctx, x, y);
    check_finite_loss(loss, "task loss");
    loss = detail::with_safety_penalty(ctx, loss, safety_beta_);
    detail::backward_and_step(ctx, loss, *opt_);
  }
  bool can_checkpoint() const override { return true; }
  void save_state(state::OutputArchive& a, const TrainingContext&) const override {
    detail::save_optimizer(a, "adamw", *opt_);
  }
  void load_state(state::InputArchive& a, TrainingContext&) override {
    detail::load_optimizer(a, "adamw", *opt_);
  }

 private:
  double safety_beta_;
  std::unique_ptr<torch::optim::AdamW> opt_;
};

}  // namespace

std::unique_ptr<ContinualMethod> make_adamw(const MethodOptions& o, const ProtocolConfig&) {
  return std::make_unique<AdamWFinetune>(o);
}

}  // namespace galt::train
