// The exact local block solve (DESIGN §2.1–2.2).
//
// For block v with neighbours fixed, the step s (parameter units) minimises
//
//   Q(s) = ½ (s − s0)ᵀ A (s − s0) + Σ_e f_e (J_e s) + ½ Σ_e ρ_e (J_e s)²,
//
// A = D/η (Adam's diagonal metric), s0 = η·d (the AdamW step), f_e = λ_e +
// ρ_e C_e over the k active edges. With U the k×d stack of Jacobians and
// R = diag(ρ), the normal equations (A + UᵀRU) s = A s0 − Uᵀf are solved by
// Woodbury:
//
//   S = R⁻¹ + U A⁻¹ Uᵀ  (k×k, SPD, Cholesky in double)
//   μ = S⁻¹ (U s0 + R⁻¹ f)
//   s = s0 − A⁻¹ Uᵀ μ
//
// in O(d·k² + k³). k = 1 is Sherman–Morrison through the same code: the scope
// (every tensor of the block) never changes with k. The predicted constraint
// change is U s = U s0 − (U A⁻¹ Uᵀ) μ.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

namespace galt {

struct LocalSolveOptions {
  /// Above this condition number of S the solve is damped (S + δI) and the
  /// result says so.
  double max_condition = 1e12;
  /// δ = damping · trace(S)/k for a damped solve.
  double damping = 1e-10;
};

/// One block's problem. Every per-tensor entry is flattened to 1-dim
/// (inv_metric, base_step: [n_t]; jacobian: [k, n_t]). All tensors of a block
/// share one dtype.
struct LocalSolveProblem {
  std::vector<at::Tensor> inv_metric;  ///< A⁻¹ = η/D, per tensor
  std::vector<at::Tensor> base_step;   ///< s0, per tensor
  std::vector<at::Tensor> jacobian;    ///< rows of U restricted to each tensor
  at::Tensor force;                    ///< f, [k] double
  at::Tensor rho;                      ///< ρ, [k] double, > 0
};

struct LocalSolveResult {
  std::vector<at::Tensor> step;  ///< s, per tensor (same shapes as base_step)
  /// The constraint correction A⁻¹Uᵀμ = s0 − s per tensor (empty for k = 0),
  /// and its L2 norm over the block.
  std::vector<at::Tensor> correction;
  double correction_norm = 0.0;
  at::Tensor mu;                ///< μ, [k] double
  at::Tensor predicted_change;  ///< U s, [k] double
  at::Tensor gram_mu;           ///< (U A⁻¹ Uᵀ) μ, [k] double: U s = U s0 − gram_mu
  double condition = 1.0;       ///< condition number of S (1 for k = 0)
  bool damped = false;          ///< S was damped (ill-conditioned or not PD)
};

/// The k×k part of the solve, for callers that form G = U A⁻¹ Uᵀ and U s0
/// themselves (galt::Optimizer's fused path): μ = (R⁻¹ + G)⁻¹ (U s0 + R⁻¹ f),
/// with the same conditioning guard and damped fallback as solve_local.
struct CapacitanceSolution {
  at::Tensor mu;                ///< μ, [k] double
  at::Tensor gram_mu;           ///< G μ, [k] double
  at::Tensor predicted_change;  ///< U s0 − G μ, [k] double
  double condition = 1.0;
  bool damped = false;
};
/// `gram` [k,k] and `u_s0` [k] in double; `force`, `rho` [k] (ρ > 0).
CapacitanceSolution solve_capacitance(const at::Tensor& gram, const at::Tensor& u_s0,
                                      const at::Tensor& force, const at::Tensor& rho,
                                      const LocalSolveOptions& options = {});

/// Solves one block exactly. With k = 0 the step is s0 itself (no arithmetic
/// on it). Thread-safe: touches nothing but its arguments.
LocalSolveResult solve_local(const LocalSolveProblem& problem,
                             const LocalSolveOptions& options = {});

}  // namespace galt
