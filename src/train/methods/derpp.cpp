// DER++ (Buzzega et al., 2020, "Dark Experience for General Continual
// Learning"; DESIGN §8: it distils stored outputs, as GALT's retention edges
// do): each step draws two independent batches of `replay_batch` memory rows
// (two detail::MemorySampler streams, each without replacement within an
// epoch over the memory) and
//   loss = CE(current) + alpha·MSE(z(buf1), z_stored(buf1)) + beta·CE(buf2),
// the MSE over the whole head's raw logits, as in the paper.
// Documented variant: the memory is the anchors' (the same rows as every
// memory method), filled when a task ENDS, so z_stored are the logits of the
// model at the end of the row's task (AnchorSet::logits) — not, as in the
// paper, filled by reservoir sampling during training with the logits of the
// moment a row entered the buffer. In the safety track the safety penalty
// (detail::safety_penalty, DESIGN §6, §8) is added from the first step.
// Options ([methods.derpp]): replay_batch 128, alpha 0.1, beta 0.5,
// safety_beta 1.0 (0: no safety penalty).
#include <torch/torch.h>

#include "galt/error.h"
#include "train/methods/method_common.h"
#include "train/methods/methods.h"
#include "train/training_checks.h"

namespace galt::train {
namespace {

class DERpp : public ContinualMethod {
 public:
  explicit DERpp(const MethodOptions& o) {
    detail::OptionReader r("derpp", o);
    replay_batch_ = r.count("replay_batch", 128);
    alpha_ = r.positive("alpha", 0.1, true);
    beta_ = r.positive("beta", 0.5, true);
    safety_beta_ = r.positive("safety_beta", detail::kSafetyBeta, true);
    r.finish();
  }
  std::string name() const override { return "derpp"; }
  void begin(TrainingContext& ctx) override {
    opt_ = std::make_unique<torch::optim::AdamW>(detail::trainable_parameters(*ctx.model),
                                                 detail::adamw_options(*ctx.protocol));
    logit_memory_.seed(ctx.seed * 31 + 17);
    label_memory_.seed(ctx.seed * 31 + 13);  // replay's stream
  }
  void train_step(TrainingContext& ctx, const at::Tensor& x, const at::Tensor& y) override {
    opt_->zero_grad();
    auto loss = detail::task_loss(ctx, x, y);
    check_finite_loss(loss, "task loss");
    const auto b1 = logit_memory_.next(ctx, replay_batch_);
    if (!b1.empty()) {
      if (!b1.logits.defined())
        throw InputError("derpp: the memory has no frozen logits (AnchorSet::logits)");
      const auto z = ctx.model->forward(b1.x);
      ++ctx.counters->forward_passes;
      const auto b2 = label_memory_.next(ctx, replay_batch_);
      loss = loss + alpha_ * torch::mse_loss(z, b1.logits) +
             beta_ * detail::task_loss(ctx, b2.x, b2.y);
      check_finite_loss(loss, "DER++ loss");
    }
    loss = detail::with_safety_penalty(ctx, loss, safety_beta_);
    detail::backward_and_step(ctx, loss, *opt_);
  }
  bool can_checkpoint() const override { return true; }
  void save_state(state::OutputArchive& a, const TrainingContext&) const override {
    detail::save_optimizer(a, "adamw", *opt_);
    logit_memory_.save(a, "logit_memory");
    label_memory_.save(a, "label_memory");
  }
  void load_state(state::InputArchive& a, TrainingContext& ctx) override {
    detail::load_optimizer(a, "adamw", *opt_);
    logit_memory_.load(a, "logit_memory", ctx);
    label_memory_.load(a, "label_memory", ctx);
  }

 private:
  int64_t replay_batch_;
  double alpha_, beta_, safety_beta_;
  detail::MemorySampler logit_memory_, label_memory_;
  std::unique_ptr<torch::optim::AdamW> opt_;
};

}  // namespace

std::unique_ptr<ContinualMethod> make_derpp(const MethodOptions& o, const ProtocolConfig&) {
  return std::make_unique<DERpp>(o);
}

}  // namespace galt::train
