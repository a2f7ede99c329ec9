// Internal: the element-wise part of one block's GALT step (DESIGN §2.1–2.2)
// in three fused passes over float32 CPU tensors, instead of the ~25 + 4k
// tensor-library passes of the general path (docs/PERFORMANCE.md):
//
//   1. moments:  m ← β1 m + (1−β1) g;  s ← β2 s + (1−β2)(g + Σ f_e J_e)²
//                (the force term only with the Lagrangian metric);
//                returns Σ D² with D = sqrt(s)/sqrt(1−β2^t) + ε
//   2. gram:     with w = η / max(D, floor) and s0 = −η·wd·θ − η_t·m/D:
//                G = U W Uᵀ over all m touching edges, G2 = U W² Uᵀ over the
//                first k (the acting ones: ‖A⁻¹Uᵀμ‖² = μᵀ G2 μ), U s0
//   3. apply:    θ ← θ + s0 − w · Σ_e c_e J_e   (c = scale·μ)
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

/// Pass 2. Accumulates into G [m×m], G2 [k×k] and us0 [m] (row-major, double;
/// the caller zeroes them once per block). floor ≤ ε: no floor.
void gram(const TensorView& t, const Hyper& h, double floor, int m, int k, double* G, double* G2,
          double* us0);

/// Pass 3. `c` has k entries (the acting edges).
void apply(TensorView& t, const Hyper& h, double floor, int k, const double* c);

}  // namespace galt::fused
