// Soft penalty: task loss + β·Σ_e max(0, C_e) over the same retention and
// safety constraints GALT has, with a FIXED β (DESIGN §8) — what a practitioner
// does without multipliers. The constraints are the protocol's constraint set
// (protocol_constraints.h), the same edge family GALT linearises, evaluated
// every step by its values() on the rows drawn for the step
// (protocol.constraint_batch per anchor set / probe; one forward, and one
// backward together with the task loss), margins from its edges.
// Options ([methods.soft_penalty]): beta 1.0.
#include <torch/torch.h>

#include "galt/train/protocol_constraints.h"
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
  }
  void train_step(TrainingContext& ctx, const at::Tensor& x, const at::Tensor& y) override {
    opt_->zero_grad();
    auto loss = detail::task_loss(ctx, x, y);
    check_finite_loss(loss, "task loss");
    const auto constraints = protocol_constraint_family(ctx, ctx.protocol->constraint_batch);
    if (!constraints.edges.empty()) {
      const auto raw = constraints.values();
      ++ctx.counters->forward_passes;
      std::vector<double> m;
      for (const auto& e : constraints.edges) m.push_back(e.margin);
      const auto margins = torch::tensor(m, raw.options());
      loss = loss + beta_ * torch::relu(raw - margins).sum();
      check_finite_loss(loss, "penalised loss");
    }
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
  double beta_;
  std::unique_ptr<torch::optim::AdamW> opt_;
};

}  // namespace

std::unique_ptr<ContinualMethod> make_soft_penalty(const MethodOptions& o, const ProtocolConfig&) {
  return std::make_unique<SoftPenalty>(o);
}

}  // namespace galt::train
