// Constraint quantities shared by GALT and the baselines (DESIGN §8).
#include "galt/train/constraints.h"

#include <torch/torch.h>

#include "galt/train/continual_method.h"

namespace galt::train {

namespace {
// Not −inf: 0·(log 0 − log q) must stay 0 in the KL, and a masked class must
// still have a finite log-probability.
constexpr double kMaskedLogit = -1e9;
}  // namespace

at::Tensor masked_logits(const at::Tensor& logits, const at::Tensor& mask) {
  return logits.masked_fill(mask.logical_not(), kMaskedLogit);
}

at::Tensor masked_cross_entropy(const at::Tensor& logits, const at::Tensor& labels,
                                const at::Tensor& mask) {
  const auto logp = torch::log_softmax(masked_logits(logits, mask), 1);
  return torch::nll_loss(logp, labels);
}

at::Tensor retention_kl(const at::Tensor& logits, const at::Tensor& target,
                        const at::Tensor& current_mask) {
  const auto logq = torch::log_softmax(masked_logits(logits, current_mask), 1);
  const auto logp = target.clamp_min(1e-12).log();
  return (target * (logp - logq)).sum(1).mean();
}

at::Tensor forbidden_mass(const at::Tensor& logits, int64_t forbidden) {
  return torch::softmax(logits, 1).select(1, forbidden).mean();
}

double violation_rate(const at::Tensor& logits, int64_t forbidden) {
  if (logits.size(0) == 0) return 0.0;
  return logits.argmax(1).eq(forbidden).to(torch::kDouble).mean().item<double>();
}

at::Tensor TrainingContext::loss_mask(const at::Tensor& y) const {
  const int64_t n = y.size(0);
  if (protocol->scenario == Scenario::kClassIncremental)
    return seen_mask.unsqueeze(0).expand({n, num_classes});
  // Task-incremental: each row's own task's classes (consecutive groups).
  const auto cls = torch::arange(num_classes, y.options()).unsqueeze(0);
  // Integer floor division: `/` on an integer tensor is true division in
  // LibTorch, which put every odd label's row in the next group.
  const auto first =
      y.div(protocol->classes_per_task, "floor").mul(protocol->classes_per_task).unsqueeze(1);
  return cls.ge(first).logical_and(cls.lt(first + protocol->classes_per_task));
}

at::Tensor TrainingContext::retention_mask(const AnchorSet& a) const {
  return protocol->scenario == Scenario::kClassIncremental ? seen_mask : a.mask;
}

}  // namespace galt::train
