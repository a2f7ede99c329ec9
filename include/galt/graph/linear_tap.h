// Taps on linear maps, for the per-example Jacobian trick (DESIGN §2.3).
//
// For y = x Wᵀ + b, the gradient of Σ_i c(y_i) is Σ_i δ_iᵀ x_i with
// δ_i = ∂c/∂y_i. One backward pass gives every δ_i; the Jacobian of a sum over
// any subset of rows is then one small matrix product, instead of one
// backward pass per subset.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

namespace galt {

/// One recorded application of a linear map.
struct LinearTap {
  at::Tensor input;   ///< x, [N, in]
  at::Tensor output;  ///< y, [N, out]
  at::Tensor weight;  ///< W, [out, in]
  at::Tensor bias;    ///< b, [out] (may be undefined)
};

/// While alive, records every tapped_linear call made on this thread.
/// Recorders nest; the innermost one receives the taps.
class TapRecorder {
 public:
  TapRecorder();
  ~TapRecorder();
  TapRecorder(const TapRecorder&) = delete;
  TapRecorder& operator=(const TapRecorder&) = delete;
  const std::vector<LinearTap>& taps() const { return taps_; }

  /// Called by tapped_linear.
  static void record(LinearTap tap);

 private:
  std::vector<LinearTap> taps_;
  TapRecorder* previous_ = nullptr;
};

/// y = x Wᵀ + b, recorded by the active TapRecorder (if any). Models that
/// want the per-example trick use this in place of torch::nn::functional::linear.
at::Tensor tapped_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

}  // namespace galt
