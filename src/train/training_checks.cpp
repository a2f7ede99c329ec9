#include "train/training_checks.h"

#include <torch/torch.h>

#include <cmath>

#include "galt/error.h"

namespace galt::train {

void check_finite_loss(const at::Tensor& loss, const std::string& what) {
  const double v = loss.item<double>();
  if (!std::isfinite(v))
    throw InputError(what + " is " + std::to_string(v) +
                     " (NaN/Inf): training diverged or the data hold NaN/Inf values; check the "
                     "input data and lower the learning rate");
}

void check_finite_loss(const at::Tensor& loss, const std::string& what, uint64_t seed, int task,
                       int64_t iteration) {
  try {
    check_finite_loss(loss, what);
  } catch (const InputError& e) {
    throw InputError("seed " + std::to_string(seed) + ", task " + std::to_string(task) +
                     ", iteration " + std::to_string(iteration) + ": " + e.what());
  }
}

void check_finite_parameters(models::ClassifierImpl& model, const std::string& method,
                             uint64_t seed, int task, int64_t iteration) {
  torch::NoGradGuard no_grad;
  for (const auto& np : model.named_parameters()) {
    if (!torch::isfinite(np.value()).all().item<bool>())
      throw InputError("method '" + method + "', seed " + std::to_string(seed) + ", task " +
                       std::to_string(task) + ", iteration " + std::to_string(iteration) +
                       ": parameter '" + np.key() +
                       "' holds NaN/Inf (training diverged; lower the learning rate or check the "
                       "data)");
  }
}

}  // namespace galt::train
