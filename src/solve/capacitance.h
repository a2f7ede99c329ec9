// Internal: the k×k capacitance solve of the local solve (DESIGN §2.2) on
// plain double arrays: S = G + R⁻¹ (symmetrised), its condition number from
// a cyclic Jacobi eigenvalue sweep, the damped fallback of
// galt::solve_capacitance, a Cholesky factorisation and two triangular
// solves. k is small (≤ a few dozen), so this is a few microseconds where
// the same steps on tiny LibTorch tensors (eigvalsh, cholesky_ex, ~30 ops and
// host reads) cost tens (docs/PERFORMANCE.md).
#pragma once

#include <vector>

#include "galt/solve/local_solve.h"

namespace galt::detail {

struct Capacitance {
  std::vector<double> mu;         ///< μ = S⁻¹ (U s0 + R⁻¹ f)
  std::vector<double> gram_mu;    ///< G μ
  std::vector<double> predicted;  ///< U s0 − G μ
  double condition = 1.0;
  bool damped = false;
};

/// `gram` k×k row-major; `u_s0`, `force`, `rho` k entries (ρ > 0). Throws
/// std::runtime_error when S cannot be factorised even when damped.
void solve_capacitance(int k, const double* gram, const double* u_s0, const double* force,
                       const double* rho, const LocalSolveOptions& o, Capacitance& out);

/// Eigenvalues of the symmetric k×k matrix `a` (row-major; overwritten) by
/// cyclic Jacobi rotations, ascending.
std::vector<double> symmetric_eigenvalues(int k, std::vector<double>& a);

}  // namespace galt::detail
