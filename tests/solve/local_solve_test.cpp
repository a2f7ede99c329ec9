// DESIGN §2.2: the Woodbury solve equals a dense solve of the normal
// equations, for every k, in double and in float.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "galt/error.h"
#include "galt/solve/local_solve.h"

namespace galt {
namespace {

struct Random {
  LocalSolveProblem problem;
  at::Tensor a_inv, s0, u;  // concatenated, for the dense reference
};

// A block of two tensors (sizes n1, n2) with k active edges.
Random make_problem(int64_t n1, int64_t n2, int64_t k, torch::Dtype dtype, uint64_t seed) {
  torch::manual_seed(seed);
  auto opt = torch::TensorOptions().dtype(dtype);
  Random r;
  const int64_t d = n1 + n2;
  // D spans four orders of magnitude, as Adam's metric does.
  r.a_inv = 1e-3 / (torch::pow(10.0, torch::rand({d}, opt) * 4 - 4) + 1e-8);
  r.s0 = torch::randn({d}, opt) * 1e-3;
  r.u = torch::randn({k, d}, opt);
  r.problem.inv_metric = {r.a_inv.narrow(0, 0, n1), r.a_inv.narrow(0, n1, n2)};
  r.problem.base_step = {r.s0.narrow(0, 0, n1), r.s0.narrow(0, n1, n2)};
  r.problem.jacobian = {r.u.narrow(1, 0, n1).contiguous(), r.u.narrow(1, n1, n2).contiguous()};
  r.problem.force = torch::randn({k}, torch::kFloat64);
  r.problem.rho = torch::rand({k}, torch::kFloat64) * 10 + 0.1;
  return r;
}

at::Tensor concat(const std::vector<at::Tensor>& parts) { return torch::cat(parts); }

// Dense reference: (A + UᵀRU) s = A s0 − Uᵀ f in double.
at::Tensor dense_solve(const Random& r) {
  auto a = 1.0 / r.a_inv.to(torch::kFloat64);
  auto u = r.u.to(torch::kFloat64);
  auto h = torch::diag(a) + u.t().mm(torch::diag(r.problem.rho)).mm(u);
  auto b = a * r.s0.to(torch::kFloat64) - u.t().mv(r.problem.force);
  return torch::linalg::solve(h, b.unsqueeze(1), true).squeeze(1);
}

double rel_err(const at::Tensor& x, const at::Tensor& ref) {
  return ((x.to(torch::kFloat64) - ref).norm() / ref.norm()).item<double>();
}

TEST(LocalSolve, MatchesDenseSolveInDoubleForK1To16) {
  for (int64_t k = 1; k <= 16; ++k) {
    auto r = make_problem(700, 500, k, torch::kFloat64, 100 + k);
    auto res = solve_local(r.problem);
    EXPECT_LT(rel_err(concat(res.step), dense_solve(r)), 1e-9) << "k=" << k;
    EXPECT_FALSE(res.damped);
    EXPECT_GE(res.condition, 1.0);
  }
}

TEST(LocalSolve, MatchesDenseSolveInFloat) {
  for (int64_t k : {1, 4, 16}) {
    auto r = make_problem(700, 500, k, torch::kFloat32, 200 + k);
    auto res = solve_local(r.problem);
    EXPECT_LT(rel_err(concat(res.step), dense_solve(r)), 1e-4) << "k=" << k;
  }
}

// d = 1e5 is too large for a dense matrix: check the normal equations'
// residual instead, matrix-free, in double.
TEST(LocalSolve, SatisfiesNormalEquationsAtD1e5) {
  for (int64_t k : {1, 8, 16}) {
    auto r = make_problem(60000, 40000, k, torch::kFloat64, 300 + k);
    auto res = solve_local(r.problem);
    auto s = concat(res.step);
    auto a = 1.0 / r.a_inv;
    auto lhs = a * s + r.u.t().mv(r.problem.rho * r.u.mv(s));
    auto rhs = a * r.s0 - r.u.t().mv(r.problem.force);
    EXPECT_LT(((lhs - rhs).norm() / rhs.norm()).item<double>(), 1e-9) << "k=" << k;
  }
}

TEST(LocalSolve, ShermanMorrisonIsTheSameFormula) {
  // k = 1 closed form: s = s0 − A⁻¹uᵀ (u·s0 + f/ρ) / (1/ρ + u A⁻¹ uᵀ).
  auto r = make_problem(300, 200, 1, torch::kFloat64, 7);
  auto res = solve_local(r.problem);
  auto u = r.u[0];
  const double rho = r.problem.rho[0].item<double>(), f = r.problem.force[0].item<double>();
  const double mu = ((u * r.s0).sum().item<double>() + f / rho) / (1 / rho + (u * r.a_inv * u).sum().item<double>());
  auto expected = r.s0 - r.a_inv * u * mu;
  EXPECT_LT(rel_err(concat(res.step), expected), 1e-12);
}

TEST(LocalSolve, PredictedChangeIsJacobianTimesStep) {
  auto r = make_problem(400, 100, 5, torch::kFloat64, 11);
  auto res = solve_local(r.problem);
  auto us = r.u.mv(concat(res.step));
  EXPECT_LT((res.predicted_change - us).abs().max().item<double>(), 1e-10);
}

TEST(LocalSolve, NoActiveEdgeReturnsBaseStepUntouched) {
  auto r = make_problem(10, 10, 1, torch::kFloat32, 1);
  r.problem.force = at::Tensor();
  auto res = solve_local(r.problem);
  ASSERT_EQ(res.step.size(), 2u);
  EXPECT_TRUE(res.step[0].is_same(r.problem.base_step[0]));
  EXPECT_EQ(res.condition, 1.0);
}

TEST(LocalSolve, DegenerateMetricStaysFinite) {
  // Zero second moment: D = ε, A⁻¹ = η/ε, while the Jacobian is non-zero.
  auto r = make_problem(50, 50, 3, torch::kFloat64, 5);
  r.problem.inv_metric = {torch::full({50}, 1e-3 / 1e-8, torch::kFloat64),
                          torch::full({50}, 1e-3 / 1e-8, torch::kFloat64)};
  auto res = solve_local(r.problem);
  for (const auto& s : res.step) EXPECT_TRUE(torch::isfinite(s).all().item<bool>());
  EXPECT_TRUE(std::isfinite(res.condition));
}

TEST(LocalSolve, RankDeficientJacobiansAreDampedAndReported) {
  auto r = make_problem(50, 50, 2, torch::kFloat64, 9);
  // Two identical rows and enormous ρ: S = R⁻¹ + G is numerically singular.
  r.problem.jacobian[0][1] = r.problem.jacobian[0][0];
  r.problem.jacobian[1][1] = r.problem.jacobian[1][0];
  r.problem.rho = torch::full({2}, 1e20, torch::kFloat64);
  auto res = solve_local(r.problem);
  EXPECT_TRUE(res.damped);
  EXPECT_GT(res.condition, 1e12);
  for (const auto& s : res.step) EXPECT_TRUE(torch::isfinite(s).all().item<bool>());
}

TEST(LocalSolve, MismatchedJacobianShapeIsAClearError) {
  auto r = make_problem(30, 20, 2, torch::kFloat64, 3);
  r.problem.jacobian[1] = torch::zeros({2, 19}, torch::kFloat64);
  try {
    solve_local(r.problem);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("expected [2, 20]"), std::string::npos) << e.what();
  }
}

TEST(LocalSolve, NonPositiveRhoIsRejected) {
  auto r = make_problem(30, 20, 2, torch::kFloat64, 3);
  r.problem.rho[0] = 0.0;
  EXPECT_THROW(solve_local(r.problem), InputError);
}

}  // namespace
}  // namespace galt
