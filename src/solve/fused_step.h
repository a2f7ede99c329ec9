// Internal: the element-wise part of one block's GALT step (DESIGN §2.1–2.2)
// in three fused passes over float32 CPU tensors, instead of the ~25 + 4k
// tensor-library passes of the general path (docs/PERFORMANCE.md):
//
//   1. moments:  m ← β1 m + (1−β1) g;  s ← β2 s + (1−β2)(g + Σ f_e J_e)²
//                (the force term only with the Lagrangian metric);
//                returns Σ D² with D = sqrt(s)/sqrt(1−β2^t) + ε
//   2. gram:     with w = η / max(D, floor) and s0 = −η·wd·θ − η_t·m/D:
//                G = U W Uᵀ (the pairs with one acting edge), U s0; at k ≤ 2
//                also G2 = U W² Uᵀ (the norm of the correction before pass 3)
//   3. apply:    θ ← θ + s0 − w · Σ_e c_e J_e, and returns ‖w · Σ_e c_e J_e‖²
//                (the correction's norm for the trust clip, measured while
//                applying it instead of forming U W² Uᵀ in pass 2)
//   3b. (k > 2, only when the trust region clips) rescale: θ ← θ + α · w · Σ_e c_e J_e
//
// The k×k solve between passes 2 and 3 is galt::solve_capacitance.
#pragma once

#include <cstdint>
#include <vector>

namespace galt::fused {

/// One tensor of a block, as raw float pointers (all of n entries, contiguous).
struct TensorView {
  float* param = nullptr;
  const float* grad = nullptr;
  float* exp_avg = nullptr;
  float* exp_avg_sq = nullptr;
  int64_t n = 0;
  double step_size = 0.0;     ///< η / (1 − β1^t)
  double inv_sqrt_bc2 = 1.0;  ///< 1 / sqrt(1 − β2^t)
  /// Jacobian rows, one per edge (acting edges first); nullptr: zero row.
  std::vector<const float*> jac;
};

struct Hyper {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
};

/// Pass 1. `force` (k entries, the acting edges) may be null: plain Adam
/// second moment. Returns Σ D² over the tensor.
double moments(TensorView& t, const Hyper& h, const double* force, int k);

/// Pass 2. Accumulates into G [m×m] the entries G[i][j] with j ≤ i and j < k
/// (every pair with an acting edge j; the rest is left alone), into us0 [m],
/// and, when G2 is not null, into G2 [k×k] the lower triangle of U W² Uᵀ over
/// the acting rows (‖A⁻¹Uᵀμ‖² = μᵀ G2 μ before applying; worth its k²/2 extra
/// dot products only at small k). Row-major, double; the caller zeroes them
/// once per block. floor ≤ ε: no floor.
void gram(const TensorView& t, const Hyper& h, double floor, int m, int k, double* G, double* G2,
          double* us0);

/// Pass 3. `c` has k entries (the acting edges). Returns Σ (w·Σ c_e J_e)².
double apply(TensorView& t, const Hyper& h, double floor, int k, const double* c);

/// Pass 3b: θ ← θ + alpha · w · Σ_e c_e J_e (w from the unchanged moments).
void rescale(TensorView& t, const Hyper& h, double floor, int k, const double* c, double alpha);

}  // namespace galt::fused
