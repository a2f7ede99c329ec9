// Experience replay with the same memory as GALT's anchors (the same rows,
// with their labels): each step adds a batch of `replay_batch` memory rows,
// drawn without replacement within an epoch over the memory
// (detail::MemorySampler); loss = (1/t)·L_current + (1 − 1/t)·L_replay with t
// the number of tasks seen (van de Ven et al., 2022), so every task weighs the
// same. In the safety track (a [safety] table) the safety penalty
// (detail::safety_penalty, DESIGN §6, §8) is added from the first step.
// Options ([methods.replay]): replay_batch 128, safety_beta 1.0 (0: no
// safety penalty).
#include <torch/torch.h>

#include "train/methods/method_common.h"
#include "train/methods/methods.h"
#include "train/training_checks.h"

namespace galt::train {
namespace {

class Replay : public ContinualMethod {
 public:
  explicit Replay(const MethodOptions& o) {
    detail::OptionReader r("replay", o);
    replay_batch_ = r.count("replay_batch", 128);
    safety_beta_ = r.positive("safety_beta", detail::kSafetyBeta, true);
    r.finish();
  }
  std::string name() const override { return "replay"; }
  void begin(TrainingContext& ctx) override {
    opt_ = std::make_unique<torch::optim::AdamW>(detail::trainable_parameters(*ctx.model),
                                                 detail::adamw_options(*ctx.protocol));
    memory_.seed(ctx.seed * 31 + 13);
  }
  void train_step(TrainingContext& ctx, const at::Tensor& x, const at::Tensor& y) override {
    opt_->zero_grad();
    auto loss = detail::task_loss(ctx, x, y);
    check_finite_loss(loss, "task loss");
    const auto m = memory_.next(ctx, replay_batch_);
    if (!m.empty()) {
      loss = detail::replay_mix(ctx, loss, detail::task_loss(ctx, m.x, m.y));
      check_finite_loss(loss, "replay loss");
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
  double safety_beta_;
  detail::MemorySampler memory_;
  std::unique_ptr<torch::optim::AdamW> opt_;
};

}  // namespace

std::unique_ptr<ContinualMethod> make_replay(const MethodOptions& o, const ProtocolConfig&) {
  return std::make_unique<Replay>(o);
}

}  // namespace galt::train
