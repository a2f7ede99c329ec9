#include "galt/solve/local_solve.h"

#include <torch/torch.h>

#include <limits>

#include "galt/error.h"
#include "solve/capacitance.h"
#include "solve/gram.h"

namespace galt {

namespace {

void check_shapes(const LocalSolveProblem& p, int64_t k) {
  if (p.inv_metric.size() != p.base_step.size())
    throw InputError("local solve: " + std::to_string(p.inv_metric.size()) +
                     " metric tensors but " + std::to_string(p.base_step.size()) + " step tensors");
  if (k == 0) return;
  if (p.jacobian.size() != p.base_step.size())
    throw InputError("local solve: " + std::to_string(p.jacobian.size()) +
                     " Jacobian tensors for a block of " + std::to_string(p.base_step.size()));
  if (!p.rho.defined() || p.rho.numel() != k)
    throw InputError("local solve: ρ must have one entry per active edge (" + std::to_string(k) +
                     ")");
  for (size_t t = 0; t < p.base_step.size(); ++t) {
    const auto n = p.base_step[t].numel();
    if (p.inv_metric[t].numel() != n)
      throw InputError("local solve: tensor " + std::to_string(t) + ": metric has " +
                       std::to_string(p.inv_metric[t].numel()) + " entries, step has " +
                       std::to_string(n));
    const auto& j = p.jacobian[t];
    if (j.dim() != 2 || j.size(0) != k || j.size(1) != n)
      throw InputError("local solve: tensor " + std::to_string(t) + ": Jacobian has shape " +
                       std::string(c10::str(j.sizes())) + ", expected [" + std::to_string(k) +
                       ", " + std::to_string(n) + "]");
  }
  if ((p.rho <= 0).any().item<bool>()) throw InputError("local solve: every ρ must be > 0");
}

}  // namespace

CapacitanceSolution solve_capacitance(const at::Tensor& gram, const at::Tensor& u_s0,
                                      const at::Tensor& force_in, const at::Tensor& rho_in,
                                      const LocalSolveOptions& o) {
  torch::NoGradGuard no_grad;
  const int64_t k = gram.size(0);
  const auto g = gram.to(torch::kFloat64).contiguous();
  const auto us = u_s0.to(torch::kFloat64).contiguous();
  const auto rho = rho_in.to(torch::kFloat64).contiguous();
  const auto force = force_in.to(torch::kFloat64).contiguous();
  detail::Capacitance c;
  detail::solve_capacitance(static_cast<int>(k), g.data_ptr<double>(), us.data_ptr<double>(),
                            force.data_ptr<double>(), rho.data_ptr<double>(), o, c);
  auto vec = [](const std::vector<double>& v) {
    return torch::from_blob(const_cast<double*>(v.data()), {static_cast<int64_t>(v.size())},
                            torch::kFloat64)
        .clone();
  };
  CapacitanceSolution r;
  r.mu = vec(c.mu);
  r.gram_mu = vec(c.gram_mu);
  r.predicted_change = vec(c.predicted);
  r.condition = c.condition;
  r.damped = c.damped;
  return r;
}

LocalSolveResult solve_local(const LocalSolveProblem& p, const LocalSolveOptions& o) {
  torch::NoGradGuard no_grad;
  const int64_t k = p.force.defined() ? p.force.numel() : 0;
  check_shapes(p, k);
  LocalSolveResult r;
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  if (k == 0) {
    r.step = p.base_step;
    r.mu = torch::zeros({0}, f64);
    r.gram_mu = torch::zeros({0}, f64);
    r.predicted_change = torch::zeros({0}, f64);
    return r;
  }

  // G = U A⁻¹ Uᵀ and U s0, accumulated over the block's tensors (§2.2). The
  // GEMMs run in the block's dtype; the k×k system is solved in double.
  auto gram = torch::zeros({k, k}, f64);
  auto u_s0 = torch::zeros({k}, f64);
  for (size_t t = 0; t < p.base_step.size(); ++t) {
    const auto& j = p.jacobian[t];
    gram += weighted_gram(j, p.inv_metric[t]);
    u_s0 += torch::mv(j, p.base_step[t]).to(torch::kFloat64);
  }
  const auto cap = solve_capacitance(gram, u_s0, p.force, p.rho, o);
  r.mu = cap.mu;
  r.gram_mu = cap.gram_mu;
  r.predicted_change = cap.predicted_change;
  r.condition = cap.condition;
  r.damped = cap.damped;

  r.step.resize(p.base_step.size());
  r.correction.resize(p.base_step.size());
  double sq = 0;
  for (size_t t = 0; t < p.base_step.size(); ++t) {
    const auto mu_t = r.mu.to(p.jacobian[t].scalar_type());
    r.correction[t] = torch::mv(p.jacobian[t].t(), mu_t).mul_(p.inv_metric[t]);
    r.step[t] = p.base_step[t] - r.correction[t];
    sq += torch::dot(r.correction[t], r.correction[t]).item<double>();
  }
  r.correction_norm = std::sqrt(sq);
  return r;
}

}  // namespace galt
