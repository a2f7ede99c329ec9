// One block's step (DESIGN §2, §4); see include/galt/solve/block_step.h.
//
// Two paths with the same mathematics: the general path in tensor-library
// operations (any dtype and device), and the fused path for float32 CPU
// blocks (solve/fused_step.h: three passes over the block). Both share the
// metric floor, the k×k capacitance solve and the trust clip below.
#include "galt/solve/block_step.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "galt/error.h"
#include "solve/capacitance.h"
#include "solve/fused_step.h"

namespace galt {

namespace {

using Clock = std::chrono::steady_clock;

bool fusable_tensor(const at::Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat32 &&
         t.is_contiguous();
}

void check_messages(const Block& block, const std::vector<BlockEdgeMessage>& messages) {
  const auto& params = block.params();
  for (const auto& m : messages) {
    if (m.jacobian.size() != params.size())
      throw InputError("block '" + block.name() + "': a message of edge " +
                       std::to_string(m.edge.value) + " has " + std::to_string(m.jacobian.size()) +
                       " Jacobian tensors, the block has " + std::to_string(params.size()));
    for (size_t t = 0; t < params.size(); ++t) {
      const auto& r = m.jacobian[t];
      if (r.matrix.defined() && (r.matrix.dim() != 2 || r.matrix.size(1) != params[t].numel() ||
                                 r.row < 0 || r.row >= r.matrix.size(0)))
        throw InputError("block '" + block.name() + "', tensor " + std::to_string(t) +
                         ": a Jacobian row of edge " + std::to_string(m.edge.value) +
                         " does not match the tensor's " + std::to_string(params[t].numel()) +
                         " entries");
    }
  }
}

// Whether the block can take the fused path (BlockStepOptions::fused).
bool fusable_block(const Block& block, const std::vector<BlockEdgeMessage>& messages) {
  const auto& params = block.params();
  for (size_t t = 0; t < params.size(); ++t) {
    const auto& p = params[t];
    if (!fusable_tensor(p) || !fusable_tensor(p.grad()) || p.grad().numel() != p.numel())
      return false;
    const auto& st = block.state()[t];
    if (st.exp_avg.defined() && (!fusable_tensor(st.exp_avg) || !fusable_tensor(st.exp_avg_sq)))
      return false;
    for (const auto& m : messages) {
      const auto& j = m.jacobian[t].matrix;
      if (!j.defined()) continue;
      if (!j.device().is_cpu() || j.scalar_type() != torch::kFloat32 || j.stride(1) != 1)
        return false;
    }
  }
  return true;
}

// The acting edges' forces f and stiffnesses ρ·share (§2.1, block-Jacobi
// scaling), in the order of `acting`.
void forces_and_stiffness(const std::vector<BlockEdgeMessage>& messages,
                          const std::vector<int>& acting, std::vector<double>& f,
                          std::vector<double>& r) {
  for (int i : acting) {
    f.push_back(messages[i].force());
    r.push_back(messages[i].rho * messages[i].stiffness_share);
  }
}

// U restricted to tensor t for the messages `rows`: [|rows|, numel]; a view
// when they are consecutive rows of one matrix.
at::Tensor stacked(const std::vector<BlockEdgeMessage>& messages, const std::vector<int>& rows,
                   size_t t, const at::Tensor& param) {
  const JacobianRow& first = messages[rows[0]].jacobian[t];
  bool consecutive = first.matrix.defined();
  for (size_t i = 1; i < rows.size() && consecutive; ++i) {
    const JacobianRow& r = messages[rows[i]].jacobian[t];
    consecutive = r.matrix.defined() && r.matrix.is_same(first.matrix) &&
                  r.row == first.row + static_cast<int64_t>(i);
  }
  if (consecutive) return first.matrix.narrow(0, first.row, static_cast<int64_t>(rows.size()));
  auto out = torch::zeros({static_cast<int64_t>(rows.size()), param.numel()}, param.options());
  for (size_t i = 0; i < rows.size(); ++i) {
    const JacobianRow& r = messages[rows[i]].jacobian[t];
    if (r.matrix.defined()) out[static_cast<int64_t>(i)].copy_(r.matrix[r.row]);
  }
  return out;
}

double row_dot(const JacobianRow& r, const at::Tensor& s) {
  if (!r.matrix.defined()) return 0.0;
  return torch::dot(r.matrix[r.row], s).item<double>();
}

// The fused path (solve/fused_step.h): moments, weighted Grams and U s0 in
// two passes, the k×k solve, the clip, then one apply pass.
void fused_path(Block& block, const AdamWOptions& hp, const std::vector<BlockEdgeMessage>& messages,
                const std::vector<int>& acting, const TrustRegion& trust,
                const BlockStepOptions& o, BlockStepResult& out) {
  torch::NoGradGuard no_grad;
  std::vector<int> order = acting;  // acting edges first, then the inactive ones
  for (int i = 0; i < static_cast<int>(messages.size()); ++i)
    if (std::find(acting.begin(), acting.end(), i) == acting.end()) order.push_back(i);
  const int k = static_cast<int>(acting.size()), m = static_cast<int>(order.size());
  std::vector<double> f, rho;
  forces_and_stiffness(messages, acting, f, rho);
  const fused::Hyper h{hp.lr, hp.beta1, hp.beta2, hp.eps, hp.weight_decay};
  const auto& params = block.params();
  std::vector<fused::TensorView> views(params.size());
  double sq = 0.0;
  for (size_t t = 0; t < params.size(); ++t) {
    auto& st = block.advance_state(t);
    auto& v = views[t];
    v.param = params[t].data_ptr<float>();
    v.grad = params[t].grad().data_ptr<float>();
    v.exp_avg = st.exp_avg.data_ptr<float>();
    v.exp_avg_sq = st.exp_avg_sq.data_ptr<float>();
    v.n = params[t].numel();
    v.step_size = hp.lr / (1 - std::pow(hp.beta1, static_cast<double>(st.step)));
    v.inv_sqrt_bc2 = 1.0 / std::sqrt(1 - std::pow(hp.beta2, static_cast<double>(st.step)));
    for (int i : order) {
      const JacobianRow& r = messages[i].jacobian[t];
      v.jac.push_back(r.matrix.defined() ? r.matrix.data_ptr<float>() + r.row * r.matrix.stride(0)
                                         : nullptr);
    }
    sq += fused::moments(v, h, o.lagrangian_metric ? f.data() : nullptr, k);
  }
  const double floor = metric_floor_value(sq, block.numel(), o.metric_floor);
  // At small k the trust-radius norm comes from G2 = U W² Uᵀ (a few dot
  // products in pass 2); at larger k it is measured while applying, with a
  // rescaling pass when the trust region clips (rare), instead of doubling
  // the Gram work.
  const bool norm_first = k <= 2;
  std::vector<double> G(static_cast<size_t>(m * m), 0.0), us0(static_cast<size_t>(m), 0.0),
      G2(norm_first ? static_cast<size_t>(k * k) : 0, 0.0);
  for (auto& v : views)
    fused::gram(v, h, floor, m, k, G.data(), norm_first ? G2.data() : nullptr, us0.data());
  for (int i = 0; i < k; ++i)
    for (int j = i + 1; j < k; ++j) {
      G[i * m + j] = G[j * m + i];
      if (norm_first) G2[i * k + j] = G2[j * k + i];
    }

  std::vector<double> gram(static_cast<size_t>(k * k));
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j) gram[i * k + j] = G[i * m + j];
  detail::Capacitance cap;
  detail::solve_capacitance(k, gram.data(), us0.data(), f.data(), rho.data(), o.local, cap);
  out.stats.condition = cap.condition;
  out.stats.damped = cap.damped;
  double scale = 1.0;
  if (norm_first) {
    double norm_sq = 0.0;  // ‖A⁻¹Uᵀμ‖² = μᵀ (U A⁻² Uᵀ) μ
    for (int i = 0; i < k; ++i)
      for (int j = 0; j < k; ++j) norm_sq += cap.mu[i] * G2[i * k + j] * cap.mu[j];
    out.stats.correction_norm = std::sqrt(std::max(0.0, norm_sq));
    scale = trust.clip_scale(out.stats.correction_norm, hp.lr, block.numel());
    std::vector<double> c(static_cast<size_t>(k));
    for (int i = 0; i < k; ++i) c[i] = scale * cap.mu[i];
    for (auto& v : views) fused::apply(v, h, floor, k, c.data());
  } else {
    double norm_sq = 0.0;
    for (auto& v : views) norm_sq += fused::apply(v, h, floor, k, cap.mu.data());
    out.stats.correction_norm = std::sqrt(std::max(0.0, norm_sq));
    scale = trust.clip_scale(out.stats.correction_norm, hp.lr, block.numel());
    if (scale < 1.0)
      for (auto& v : views) fused::rescale(v, h, floor, k, cap.mu.data(), 1.0 - scale);
  }
  out.stats.clipped = scale < 1.0;
  // U s = U s0 − G c for every message (acting and inactive alike), c = scale·μ.
  for (int i = 0; i < m; ++i) {
    double us = us0[i];
    for (int j = 0; j < k; ++j) us -= G[i * m + j] * scale * cap.mu[j];
    out.predicted_change[order[i]] = us;
  }
}

// The general path: the same step in tensor-library operations.
void general_path(Block& block, const AdamWOptions& hp,
                  const std::vector<BlockEdgeMessage>& messages, const std::vector<int>& acting,
                  const TrustRegion& trust, const BlockStepOptions& o, BlockStepResult& out) {
  std::vector<double> f, r;
  forces_and_stiffness(messages, acting, f, r);
  const auto& params = block.params();
  std::vector<at::Tensor> force_grad;
  if (o.lagrangian_metric && !acting.empty()) {
    torch::NoGradGuard no_grad;
    for (size_t t = 0; t < params.size(); ++t) {
      at::Tensor acc;
      for (size_t i = 0; i < acting.size(); ++i) {
        const JacobianRow& row = messages[acting[i]].jacobian[t];
        if (!row.matrix.defined()) continue;
        const auto term = row.matrix[row.row] * f[i];
        acc = acc.defined() ? acc.add_(term) : term;
      }
      force_grad.push_back(acc);
    }
  }
  const auto has_grad = block.has_grad();
  block.update_moments(hp, force_grad.empty() ? nullptr : &force_grad);
  const auto denom = block.metric(hp);

  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> steps(params.size());
  if (acting.empty()) {
    // Exactly torch::optim::AdamW's update (§2.4); the step is recovered as
    // a difference only when an (inactive) edge needs its prediction.
    for (size_t t = 0; t < params.size(); ++t) {
      if (!has_grad[t]) continue;
      auto p = params[t];
      const at::Tensor before = messages.empty() ? at::Tensor() : p.detach().clone();
      if (hp.weight_decay != 0) p.mul_(1 - hp.lr * hp.weight_decay);
      p.addcdiv_(block.state()[t].exp_avg, denom[t], -block.step_size(t, hp));
      if (before.defined()) steps[t] = (p.detach() - before).reshape({-1});
    }
  } else {
    LocalSolveProblem prob;
    prob.force = torch::tensor(f, torch::kFloat64);
    prob.rho = torch::tensor(r, torch::kFloat64);
    double sq = 0;
    if (o.metric_floor > 0)
      for (const auto& d : denom) sq += torch::dot(d.reshape({-1}), d.reshape({-1})).item<double>();
    const double floor = metric_floor_value(sq, block.numel(), o.metric_floor);
    for (size_t t = 0; t < params.size(); ++t) {
      const auto& p = params[t];
      const auto d = floor > hp.eps ? denom[t].clamp_min(floor) : denom[t];
      prob.inv_metric.push_back((hp.lr / d).reshape({-1}));
      at::Tensor s0;
      if (has_grad[t]) {
        // s0 = η·d plus the decoupled decay: AdamW's own step (§2.1).
        const auto decay =
            hp.weight_decay != 0 ? p.detach() * (-hp.lr * hp.weight_decay) : torch::zeros_like(p);
        s0 = torch::addcdiv(decay, block.state()[t].exp_avg, denom[t], -block.step_size(t, hp))
                 .reshape({-1});
      } else {
        s0 = torch::zeros({p.numel()}, p.options());
      }
      prob.base_step.push_back(s0);
      prob.jacobian.push_back(stacked(messages, acting, t, p));
    }
    LocalSolveResult res = solve_local(prob, o.local);
    out.stats.condition = res.condition;
    out.stats.damped = res.damped;
    out.stats.correction_norm = res.correction_norm;
    // U s = U s0 − G μ is the solve's own prediction; clipping the
    // correction by a factor scales the G μ part alike.
    at::Tensor us = res.predicted_change;
    const double scale = trust.clip_scale(res.correction_norm, hp.lr, block.numel());
    if (scale < 1.0) {
      for (size_t t = 0; t < params.size(); ++t)
        res.step[t] = prob.base_step[t] - res.correction[t] * scale;
      us = res.predicted_change + res.gram_mu * (1.0 - scale);
      out.stats.clipped = true;
    }
    steps = std::move(res.step);
    for (size_t t = 0; t < params.size(); ++t) params[t].add_(steps[t].view_as(params[t]));
    const double* host = us.data_ptr<double>();
    for (size_t i = 0; i < acting.size(); ++i) out.predicted_change[acting[i]] = host[i];
  }
  // Inactive edges: J_e·s one by one (rare, cheap).
  for (size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].active && !acting.empty()) continue;
    double acc = 0;
    for (size_t t = 0; t < params.size(); ++t)
      if (steps[t].defined()) acc += row_dot(messages[i].jacobian[t], steps[t]);
    out.predicted_change[i] = acc;
  }
}

}  // namespace

double metric_floor_value(double sum_d_squared, int64_t numel, double relative_floor) {
  if (relative_floor <= 0 || numel <= 0) return 0.0;
  return relative_floor * std::sqrt(sum_d_squared / static_cast<double>(numel));
}

BlockStepResult block_step(Block& block, const AdamWOptions& hp,
                           const std::vector<BlockEdgeMessage>& messages, const TrustRegion& trust,
                           const BlockStepOptions& o) {
  const auto t0 = Clock::now();
  check_messages(block, messages);
  BlockStepResult out;
  out.stats.name = block.name();
  out.stats.trust_radius = trust.radius();
  out.predicted_change.assign(messages.size(), 0.0);
  std::vector<int> acting;
  for (int i = 0; i < static_cast<int>(messages.size()); ++i)
    if (messages[i].active) acting.push_back(i);
  const auto k = static_cast<int64_t>(acting.size());
  out.stats.active_edges = static_cast<int>(k);
  out.solved = k > 0;
  const bool fused_pays = k == 1 || block.numel() >= o.fused_min_per_edge * k;
  if (k > 0 && o.fused && fused_pays && fusable_block(block, messages)) {
    out.stats.fused = true;
    fused_path(block, hp, messages, acting, trust, o, out);
  } else {
    general_path(block, hp, messages, acting, trust, o, out);
  }
  out.stats.solve_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return out;
}

}  // namespace galt
