// Soft penalty: task loss + β·Σ_e max(0, C_e) over the same retention and
// safety constraints GALT has, with a FIXED β (DESIGN §8) — what a practitioner
// does without multipliers. The constraints are evaluated every step on
// protocol.constraint_batch rows per anchor set / probe (one forward and one
// backward together with the task loss).
// Options ([methods.soft_penalty]): beta 1.0.
#include <torch/torch.h>

#include "train/methods/method_common.h"
#include "train/methods/methods.h"
#include "train/training_checks.h"

namespace galt::train {
namespace {

class SoftPenalty : public ContinualMethod {
 public:
  explicit SoftPenalty(const MethodOptions& o) {
    detail::OptionReader r("soft_penalty", o);
    beta_ = r.positive("beta", 1.0, true);
    r.finish();
  }
  std::string name() const override { return "soft_penalty"; }
  void begin(TrainingContext& ctx) override {
    opt_ = std::make_unique<torch::optim::AdamW>(detail::trainable_parameters(*ctx.model),
                                                 detail::adamw_options(*ctx.protocol));
    gen_.seed(ctx.seed * 31 + 5);
  }
  void train_step(TrainingContext& ctx, const at::Tensor& x, const at::Tensor& y) override {
    opt_->zero_grad();
    auto loss = detail::task_loss(ctx, x, y);
    check_finite_loss(loss, "task loss");
    auto batch = detail::constraint_batch(ctx, ctx.protocol->constraint_batch, &gen_);
    if (batch.size() > 0) {
      const auto raw = batch.raw_values(ctx.model->forward(batch.x));
      ++ctx.counters->forward_passes;
      const auto margins = torch::tensor(batch.margins, raw.options());
      loss = loss + beta_ * torch::relu(raw - margins).sum();
      check_finite_loss(loss, "penalised loss");
    }
    detail::backward_and_step(ctx, loss, *opt_);
  }

 private:
  double beta_;
  std::mt19937_64 gen_;
  std::unique_ptr<torch::optim::AdamW> opt_;
};

}  // namespace

std::unique_ptr<ContinualMethod> make_soft_penalty(const MethodOptions& o, const ProtocolConfig&) {
  return std::make_unique<SoftPenalty>(o);
}

}  // namespace galt::train
