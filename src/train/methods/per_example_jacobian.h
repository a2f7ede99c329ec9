// Internal: Jacobians of k constraint values that each depend only on their
// own rows of one batch, from ONE backward pass (DESIGN §2.3): for a tapped
// linear map y = x Wᵀ + b, J_e(W) = δ[rows_e]ᵀ x[rows_e], J_e(b) = Σ δ[rows_e].
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

#include "galt/graph/linear_tap.h"

namespace galt::train::detail {

/// jac[e][p]: Jacobian of values[e] w.r.t. params[p] (shaped like params[p]).
/// Uses the per-example trick when every param is the weight or bias of a
/// tap whose batch is the whole Σ rows; otherwise k autograd passes.
/// `backward_passes` receives the number of passes taken.
std::vector<std::vector<at::Tensor>> constraint_jacobians(const at::Tensor& values,
                                                          const std::vector<int64_t>& rows,
                                                          const std::vector<LinearTap>& taps,
                                                          const std::vector<at::Tensor>& params,
                                                          int64_t* backward_passes);

}  // namespace galt::train::detail
