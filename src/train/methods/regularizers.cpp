#include "train/methods/regularizers.h"

#include <torch/torch.h>

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

}  // namespace galt::train::detail
