#include "train/methods/regularizers.h"

#include <torch/torch.h>

#include "galt/train/constraints.h"

namespace galt::train::detail {

at::Tensor quadratic_penalty(const std::vector<at::Tensor>& params,
                             const std::vector<at::Tensor>& anchor,
                             const std::vector<at::Tensor>& importance) {
  at::Tensor s = torch::zeros({});
  if (importance.empty()) return s;
  for (size_t i = 0; i < params.size(); ++i)
    s = s + (importance[i] * (params[i] - anchor[i]).pow(2)).sum();
  return s;
}

at::Tensor agem_project_update(const at::Tensor& delta, const at::Tensor& g_ref) {
  const auto dot = torch::dot(delta, g_ref);
  const auto nn = torch::dot(g_ref, g_ref);
  if (dot.item<double>() <= 0 || nn.item<double>() <= 0) return delta;
  return delta - (dot / nn) * g_ref;
}

at::Tensor distillation_kl(const at::Tensor& logits, const at::Tensor& stored_logits,
                           const at::Tensor& mask, double temperature) {
  const auto logp = torch::log_softmax(masked_logits(stored_logits / temperature, mask), 1);
  const auto logq = torch::log_softmax(masked_logits(logits / temperature, mask), 1);
  // Outside the mask p = exp(−1e9…) = 0 exactly and logp − logq stays finite.
  return (logp.exp() * (logp - logq)).sum(1).mean() * (temperature * temperature);
}

}  // namespace galt::train::detail
