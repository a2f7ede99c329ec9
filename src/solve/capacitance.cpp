#include "solve/capacitance.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace galt::detail {

std::vector<double> symmetric_eigenvalues(int k, std::vector<double>& a) {
  auto at = [&](int i, int j) -> double& { return a[static_cast<size_t>(i) * k + j]; };
  for (int sweep = 0; sweep < 64; ++sweep) {
    double off = 0.0, diag = 0.0;
    for (int i = 0; i < k; ++i) {
      diag += at(i, i) * at(i, i);
      for (int j = i + 1; j < k; ++j) off += at(i, j) * at(i, j);
    }
    // Converged when the off-diagonal part is below rounding of the diagonal.
    if (!(off > 1e-34 * diag)) break;
    for (int p = 0; p < k; ++p)
      for (int q = p + 1; q < k; ++q) {
        const double apq = at(p, q);
        if (apq == 0.0) continue;
        // Rotation that zeroes a[p][q] (Rutishauser's formulas).
        const double theta = (at(q, q) - at(p, p)) / (2.0 * apq);
        const double t = (theta >= 0 ? 1.0 : -1.0) /
                         (std::abs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (int r = 0; r < k; ++r) {  // columns p, q
          const double arp = at(r, p), arq = at(r, q);
          at(r, p) = c * arp - s * arq;
          at(r, q) = s * arp + c * arq;
        }
        for (int r = 0; r < k; ++r) {  // rows p, q
          const double apr = at(p, r), aqr = at(q, r);
          at(p, r) = c * apr - s * aqr;
          at(q, r) = s * apr + c * aqr;
        }
        at(p, q) = at(q, p) = 0.0;
      }
  }
  std::vector<double> eig(static_cast<size_t>(k));
  for (int i = 0; i < k; ++i) eig[i] = at(i, i);
  std::sort(eig.begin(), eig.end());
  return eig;
}

namespace {

// Lower Cholesky factor of `s` (+ delta·I) into `l`; false when a pivot is
// not positive (or NaN), as LAPACK's potrf reports.
bool cholesky(int k, const std::vector<double>& s, double delta, std::vector<double>& l) {
  l.assign(static_cast<size_t>(k) * k, 0.0);
  for (int j = 0; j < k; ++j) {
    double d = s[j * k + j] + delta;
    for (int p = 0; p < j; ++p) d -= l[j * k + p] * l[j * k + p];
    if (!(d > 0.0)) return false;
    const double ljj = std::sqrt(d);
    l[j * k + j] = ljj;
    for (int i = j + 1; i < k; ++i) {
      double x = s[i * k + j];
      for (int p = 0; p < j; ++p) x -= l[i * k + p] * l[j * k + p];
      l[i * k + j] = x / ljj;
    }
  }
  return true;
}

}  // namespace

void solve_capacitance(int k, const double* gram, const double* u_s0, const double* force,
                       const double* rho, const LocalSolveOptions& o, Capacitance& r) {
  const size_t kk = static_cast<size_t>(k) * k;
  std::vector<double> s(kk);
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j)
      s[i * k + j] = 0.5 * (gram[i * k + j] + gram[j * k + i]) + (i == j ? 1.0 / rho[i] : 0.0);
  double trace = 0.0;
  bool finite = true;
  for (int i = 0; i < k; ++i) trace += s[i * k + i];
  for (double x : s) finite = finite && std::isfinite(x);

  r.condition = std::numeric_limits<double>::infinity();
  if (finite) {
    std::vector<double> a = s;
    const auto eig = symmetric_eigenvalues(k, a);
    const double lo = eig.front(), hi = eig.back();
    r.condition = lo > 0 ? hi / lo : std::numeric_limits<double>::infinity();
  }
  r.damped = !std::isfinite(r.condition) || r.condition > o.max_condition;

  // Damped fallback (§2.2 guard): S + δI with δ growing until Cholesky holds.
  double delta = r.damped ? o.damping * std::max(trace / k, 1e-300) : 0.0;
  std::vector<double> l;
  bool ok = false;
  for (int attempt = 0; attempt < 30; ++attempt) {
    if (cholesky(k, s, delta, l)) {
      ok = true;
      break;
    }
    r.damped = true;
    delta = delta > 0 ? delta * 10 : o.damping * std::max(std::abs(trace) / k, 1e-300);
  }
  if (!ok)
    throw std::runtime_error(
        "local solve: the capacitance matrix could not be factorised even when damped");

  // L Lᵀ μ = U s0 + R⁻¹ f.
  r.mu.assign(static_cast<size_t>(k), 0.0);
  for (int i = 0; i < k; ++i) {
    double x = u_s0[i] + force[i] / rho[i];
    for (int p = 0; p < i; ++p) x -= l[i * k + p] * r.mu[p];
    r.mu[i] = x / l[i * k + i];
  }
  for (int i = k - 1; i >= 0; --i) {
    double x = r.mu[i];
    for (int p = i + 1; p < k; ++p) x -= l[p * k + i] * r.mu[p];
    r.mu[i] = x / l[i * k + i];
  }
  r.gram_mu.assign(static_cast<size_t>(k), 0.0);
  r.predicted.assign(static_cast<size_t>(k), 0.0);
  for (int i = 0; i < k; ++i) {
    double x = 0.0;
    for (int j = 0; j < k; ++j) x += gram[i * k + j] * r.mu[j];
    r.gram_mu[i] = x;
    r.predicted[i] = u_s0[i] - x;
  }
}

}  // namespace galt::detail
