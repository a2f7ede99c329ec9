// AdamW fine-tuning: the task loss only, no memory, no constraints — the
// lower bound every continual method must beat (DESIGN §8).
// Options: none.
#include <torch/torch.h>

#include "train/methods/method_common.h"
#include "train/methods/methods.h"
#include "train/training_checks.h"

namespace galt::train {
namespace {

class AdamWFinetune : public ContinualMethod {
 public:
  explicit AdamWFinetune(const MethodOptions& o) { detail::OptionReader("adamw", o).finish(); }
  std::string name() const override { return "adamw"; }
  void begin(TrainingContext& ctx) override {
    opt_ = std::make_unique<torch::optim::AdamW>(detail::trainable_parameters(*ctx.model),
                                                 detail::adamw_options(*ctx.protocol));
  }
  void train_step(TrainingContext& ctx, const at::Tensor& x, const at::Tensor& y) override {
    opt_->zero_grad();
    auto loss = detail::task_loss(ctx, x, y);
    check_finite_loss(loss, "task loss");
    detail::backward_and_step(ctx, loss, *opt_);
  }

 private:
  std::unique_ptr<torch::optim::AdamW> opt_;
};

}  // namespace

std::unique_ptr<ContinualMethod> make_adamw(const MethodOptions& o, const ProtocolConfig&) {
  return std::make_unique<AdamWFinetune>(o);
}

}  // namespace galt::train
