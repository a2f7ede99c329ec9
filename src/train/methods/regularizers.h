// Internal: the pieces of the regularisation baselines, exposed for tests.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

namespace galt::train::detail {

/// Σ_i Ω_i ⊙ (θ_i − θ*_i)², the quadratic anchor of EWC (Ω = Fisher) and SI
/// (Ω = path-integral importance). Zero at θ = θ*; 0-dim tensor with grad.
/// Empty importance (no finished task yet): 0.
at::Tensor quadratic_penalty(const std::vector<at::Tensor>& params,
                             const std::vector<at::Tensor>& anchor,
                             const std::vector<at::Tensor>& importance);

/// A-GEM (Chaudhry et al., 2019) on the update Δθ (agem.cpp): if the step
/// would raise the memory loss to first order, ⟨Δθ, g_ref⟩ > 0, it becomes
/// Δθ − (⟨Δθ, g_ref⟩ / ‖g_ref‖²)·g_ref; else Δθ unchanged. Flat 1-dim
/// tensors. Afterwards ⟨Δθ, g_ref⟩ ≤ 0 (up to rounding).
at::Tensor agem_project_update(const at::Tensor& delta, const at::Tensor& g_ref);

/// Distillation of stored logits (Hinton et al., 2015; ER + KD):
/// T² · mean_rows KL(softmax(stored/T) ‖ softmax(logits/T)), both softmaxes
/// over `mask` (bool [C] or [n, C]: for a memory row, the classes its anchor
/// set's frozen output covers). 0-dim, gradient through `logits`; zero when
/// logits = stored. The T² keeps the gradient's scale independent of T.
at::Tensor distillation_kl(const at::Tensor& logits, const at::Tensor& stored_logits,
                           const at::Tensor& mask, double temperature);

}  // namespace galt::train::detail
