// Experience replay + knowledge distillation of the stored logits (ER + KD,
// DESIGN §8: GALT's retention edges distil stored outputs too, so this is one
// of its closest relatives). The memory is the anchors' (the same rows, their
// labels and the raw logits frozen at their task's end, AnchorSet::logits);
// each step draws `replay_batch` memory rows without replacement within an
// epoch over the memory (detail::MemorySampler) and
//   loss = w·CE(current) + (1 − w)·[CE(memory) + alpha·KD(memory)],
// w = 1/(tasks seen) as for replay (experience_replay.cpp), and
//   KD = T²·mean KL(softmax(z_stored/T) ‖ softmax(z/T))
// over each row's anchor mask — the classes its frozen output covered
// (detail::distillation_kl). One forward pass on the memory serves both
// terms. It draws the same memory rows as replay (the same stream), so the
// two differ by the KD term only. In the safety track the safety penalty
// (detail::safety_penalty, DESIGN §6, §8) is added from the first step.
// Options ([methods.er_kd]): replay_batch 128, alpha 1.0, temperature 2.0,
// safety_beta 1.0 (0: no safety penalty).
#include <torch/torch.h>

#include "galt/error.h"
#include "train/methods/method_common.h"
#include "train/methods/methods.h"
#include "train/methods/regularizers.h"
#include "train/training_checks.h"

namespace galt::train {
namespace {

class ReplayDistillation : public ContinualMethod {
 public:
  explicit ReplayDistillation(const MethodOptions& o) {
    detail::OptionReader r("er_kd", o);
    replay_batch_ = r.count("replay_batch", 128);
    alpha_ = r.positive("alpha", 1.0, true);
    temperature_ = r.positive("temperature", 2.0);
    safety_beta_ = r.positive("safety_beta", detail::kSafetyBeta, true);
    r.finish();
  }
  std::string name() const override { return "er_kd"; }
  void begin(TrainingContext& ctx) override {
    opt_ = std::make_unique<torch::optim::AdamW>(detail::trainable_parameters(*ctx.model),
                                                 detail::adamw_options(*ctx.protocol));
    memory_.seed(ctx.seed * 31 + 13);  // replay's stream
  }
  void train_step(TrainingContext& ctx, const at::Tensor& x, const at::Tensor& y) override {
    opt_->zero_grad();
    auto loss = detail::task_loss(ctx, x, y);
    check_finite_loss(loss, "task loss");
    const auto m = memory_.next(ctx, replay_batch_);
    if (!m.empty()) {
      if (!m.logits.defined())
        throw InputError("er_kd: the memory has no frozen logits (AnchorSet::logits)");
      const auto z = ctx.model->forward(m.x);
      ++ctx.counters->forward_passes;
      const auto memory_loss = masked_cross_entropy(z, m.y, ctx.loss_mask(m.y)) +
                               alpha_ * detail::distillation_kl(z, m.logits, m.mask, temperature_);
      loss = detail::replay_mix(ctx, loss, memory_loss);
      check_finite_loss(loss, "replay + distillation loss");
    }
    loss = detail::with_safety_penalty(ctx, loss, safety_beta_);
    detail::backward_and_step(ctx, loss, *opt_);
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
  int64_t replay_batch_;
  double alpha_, temperature_, safety_beta_;
  detail::MemorySampler memory_;
  std::unique_ptr<torch::optim::AdamW> opt_;
};

}  // namespace

std::unique_ptr<ContinualMethod> make_er_kd(const MethodOptions& o, const ProtocolConfig&) {
  return std::make_unique<ReplayDistillation>(o);
}

}  // namespace galt::train
