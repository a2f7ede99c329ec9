#include "galt/solve/optimizer.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>
#include <unordered_map>

#include "galt/error.h"
#include "galt/graph/linear_tap.h"
#include "solve/edge_jacobians.h"
#include "solve/fused_step.h"

namespace galt {

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}
bool fusable_tensor(const at::Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat32 &&
         t.is_contiguous();
}

// Whether block b can take the fused path for the edges `touching` (docs in
// SolverOptions::fused).
bool fusable_block(const Block& block, const EdgeJacobians& ev, int b,
                   const std::vector<int>& touching) {
  const auto& params = block.params();
  for (size_t t = 0; t < params.size(); ++t) {
    const auto& p = params[t];
    if (!fusable_tensor(p) || !fusable_tensor(p.grad()) || p.grad().numel() != p.numel())
      return false;
    const auto& st = block.state()[t];
    if (st.exp_avg.defined() && (!fusable_tensor(st.exp_avg) || !fusable_tensor(st.exp_avg_sq)))
      return false;
    for (int e : touching) {
      const JacobianRow& r = ev.row(e, b, t);
      if (!r.matrix.defined()) continue;
      const auto& j = r.matrix;
      if (!j.device().is_cpu() || j.scalar_type() != torch::kFloat32 || j.dim() != 2 ||
          j.stride(1) != 1 || j.size(1) != p.numel())
        return false;
    }
  }
  return true;
}

// The fused path of one block's solve (SolverOptions::fused): the same
// mathematics as the general path below, in three passes (solve/fused_step.h).
void fused_solve(Block& block, int b, const AdamWOptions& hp, const SolverOptions& solver,
                 double trust, const std::vector<int>& acting, const std::vector<int>& touching,
                 const std::vector<double>& f, const std::vector<double>& rho,
                 const EdgeJacobians& ev, std::vector<double>& predicted, BlockStepStats& bs) {
  torch::NoGradGuard no_grad;
  std::vector<int> order = acting;  // acting edges first, then the inactive ones
  for (int e : touching)
    if (std::find(acting.begin(), acting.end(), e) == acting.end()) order.push_back(e);
  const int k = static_cast<int>(acting.size()), m = static_cast<int>(order.size());
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
    for (int e : order) {
      const JacobianRow& r = ev.row(e, b, t);
      v.jac.push_back(r.matrix.defined() ? r.matrix.data_ptr<float>() + r.row * r.matrix.stride(0)
                                         : nullptr);
    }
    sq += fused::moments(v, h, solver.lagrangian_metric ? f.data() : nullptr, k);
  }
  const double floor =
      solver.metric_floor > 0
          ? solver.metric_floor * std::sqrt(sq / static_cast<double>(block.numel()))
          : 0.0;
  std::vector<double> G(static_cast<size_t>(m * m), 0.0), G2(static_cast<size_t>(k * k), 0.0),
      us0(static_cast<size_t>(m), 0.0);
  for (auto& v : views) fused::gram(v, h, floor, m, k, G.data(), G2.data(), us0.data());
  for (int i = 0; i < m; ++i)
    for (int j = i + 1; j < m; ++j) G[i * m + j] = G[j * m + i];
  for (int i = 0; i < k; ++i)
    for (int j = i + 1; j < k; ++j) G2[i * k + j] = G2[j * k + i];

  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  auto gram = torch::empty({k, k}, f64);
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j) gram[i][j] = G[i * m + j];
  const auto u_s0 = torch::tensor(std::vector<double>(us0.begin(), us0.begin() + k), f64);
  const auto cap =
      solve_capacitance(gram, u_s0, torch::tensor(f, f64), torch::tensor(rho, f64), solver.local);
  bs.condition = cap.condition;
  bs.damped = cap.damped;
  bs.trust_radius = trust;
  const double* mu = cap.mu.data_ptr<double>();
  double norm_sq = 0.0;  // ‖A⁻¹Uᵀμ‖² = μᵀ (U A⁻² Uᵀ) μ
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j) norm_sq += mu[i] * G2[i * k + j] * mu[j];
  const double norm = std::sqrt(std::max(0.0, norm_sq));
  double scale = 1.0;
  const double radius = trust * hp.lr * std::sqrt(static_cast<double>(block.numel()));
  if (trust > 0 && norm > radius) {
    scale = radius / norm;
    bs.clipped = true;
  }
  std::vector<double> c(static_cast<size_t>(k));
  for (int i = 0; i < k; ++i) c[i] = scale * mu[i];
  for (auto& v : views) fused::apply(v, h, floor, k, c.data());
  // U s = U s0 − G c for every touching edge (acting and inactive alike).
  for (int i = 0; i < m; ++i) {
    double us = us0[i];
    for (int j = 0; j < k; ++j) us -= G[i * m + j] * c[j];
    predicted[order[i]] = us;
  }
}

}  // namespace

OptimizerOptions::OptimizerOptions(double lr) : lr_(lr) {}

AdamWOptions OptimizerOptions::adamw() const {
  return AdamWOptions{lr(), beta1(), beta2(), eps(), weight_decay()};
}

Optimizer::Optimizer(std::vector<torch::optim::OptimizerParamGroup> groups,
                     OptimizerOptions defaults, SolverOptions solver)
    : torch::optim::Optimizer(std::move(groups),
                              std::make_unique<OptimizerOptions>(std::move(defaults))),
      al_(solver.dual),
      solver_(solver) {
  sync_blocks();
}

Optimizer::Optimizer(std::vector<torch::Tensor> params, OptimizerOptions defaults,
                     SolverOptions solver)
    : Optimizer({torch::optim::OptimizerParamGroup(std::move(params))}, std::move(defaults),
                solver) {}

void Optimizer::sync_blocks() {
  // Param groups added through add_param_group() become new blocks.
  for (size_t g = graph_.blocks().size(); g < param_groups_.size(); ++g) {
    auto& opts = static_cast<OptimizerOptions&>(param_groups_[g].options());
    std::string name = opts.name().empty() ? "block" + std::to_string(g) : opts.name();
    graph_.add_block(Block(name, param_groups_[g].params()));
  }
}

EdgeId Optimizer::add_constraint(ConstraintEdge edge) {
  sync_blocks();
  AugmentedLagrangian::validate(edge, al_.options());  // before the graph changes
  const EdgeId id = graph_.add_edge(std::move(edge));
  al_.add_edge(graph_.edges()[graph_.index_of(id)], id);
  return id;
}

std::vector<EdgeId> Optimizer::add_constraint_family(EdgeFamily family) {
  sync_blocks();
  for (const auto& e : family.edges) AugmentedLagrangian::validate(e, al_.options());
  const std::vector<EdgeId> ids = graph_.add_family(std::move(family));
  for (EdgeId id : ids) al_.add_edge(graph_.edges()[graph_.index_of(id)], id);
  return ids;
}

DualValue Optimizer::remove_constraint(EdgeId id) {
  if (graph_.index_of(id) < 0)
    throw InputError("remove constraint: no edge with id " + std::to_string(id.value));
  const DualValue out = dual_value(id);
  graph_.remove_edge(id);
  al_.remove_edge(id);
  previous_.erase(id);
  return out;
}

DualValue Optimizer::remove_constraint(const std::string& name) {
  const auto id = graph_.find_edge(name);
  if (!id) throw InputError("remove constraint: no edge named '" + name + "'");
  return remove_constraint(*id);
}

std::optional<EdgeId> Optimizer::find_constraint(const std::string& name) const {
  return graph_.find_edge(name);
}

DualValue Optimizer::dual_value(EdgeId id) const {
  const auto& d = al_.dual(id);
  return {d.lambda, d.rho};
}

void Optimizer::begin_task() { al_.warm_start(); }

void Optimizer::add_callback(std::function<void(const StepStats&)> callback) {
  callbacks_.push_back(std::move(callback));
}

torch::Tensor Optimizer::step(LossClosure closure) {
  torch::Tensor loss;
  if (closure) {
    torch::AutoGradMode enable_grad(true);
    loss = closure();
  }
  sync_blocks();
  auto& blocks = graph_.blocks();
  const auto& edges = graph_.edges();
  const size_t num_edges = edges.size();

  if (solver_.check_finite) {
    for (const auto& b : blocks)
      for (size_t t = 0; t < b.params().size(); ++t) {
        const auto& g = b.params()[t].grad();
        // A sum is a one-pass screen (NaN and Inf propagate into it).
        if (g.defined() && !std::isfinite(g.sum().item<double>()) &&
            !torch::isfinite(g).all().item<bool>())
          throw InputError("block '" + b.name() + "', tensor " + std::to_string(t) +
                           ": the task gradient has NaN/Inf entries; nothing was updated");
      }
  }

  // 1. Values and Jacobians of every edge at the current θ.
  auto t0 = Clock::now();
  const EdgeJacobians ev = evaluate_edge_jacobians(graph_, counters_);
  const double eval_seconds = seconds_since(t0);

  StepStats st;
  st.step = ++steps_;
  st.evaluate_seconds = eval_seconds;
  std::vector<Sense> senses(num_edges);
  for (size_t e = 0; e < num_edges; ++e) senses[e] = edges[e].sense;

  // 2. Dual updates with the values measured after the inner phase (§3).
  if (steps_ > 1) al_.inner_update(senses, ev.values);
  if (inner_since_outer_ >= al_.options().inner_steps) {
    st.dual_updates = al_.outer_update(senses, ev.values);
    st.outer_update = true;
    inner_since_outer_ = 0;
  }
  ++inner_since_outer_;

  // 3. Forces and the active set (§2.1).
  std::vector<double> force(num_edges);
  std::vector<bool> active(num_edges);
  for (size_t e = 0; e < num_edges; ++e) {
    const auto& d = al_.dual(static_cast<int>(e));
    active[e] = AugmentedLagrangian::active(senses[e], d.lambda, d.rho, ev.values[e]);
    force[e] = d.lambda + d.rho * ev.values[e];
  }

  // Agreement of last step's predictions with what was measured now.
  const size_t num_blocks = blocks.size();
  trust_.resize(num_blocks, solver_.trust_radius);
  solved_for_.resize(num_blocks);
  was_clipped_.resize(num_blocks, 0);
  if (solver_.adaptive_trust && solver_.trust_radius > 0) {
    std::unordered_map<std::string, double> agreement;
    for (size_t e = 0; e < num_edges; ++e) {
      auto it = previous_.find(graph_.id_at(static_cast<int>(e)));
      if (it == previous_.end()) continue;
      const double predicted_before = it->second.second;
      const double measured = ev.values[e] - it->second.first;
      if (std::abs(predicted_before) > 1e-12)
        agreement[edges[e].name] = measured / predicted_before;
    }
    for (size_t b = 0; b < num_blocks; ++b) {
      if (solved_for_[b].empty()) continue;
      double worst = std::numeric_limits<double>::infinity();
      for (const auto& name : solved_for_[b]) {
        auto it = agreement.find(name);
        if (it != agreement.end()) worst = std::min(worst, it->second);
      }
      if (!std::isfinite(worst)) continue;
      if (worst < 0.25)
        trust_[b] = std::max(solver_.trust_min, trust_[b] / 2);
      else if (worst > 0.75 && was_clipped_[b])
        trust_[b] = std::min(solver_.trust_max, trust_[b] * 2);
    }
  }

  // 4. Local solves, one per block, each with its neighbours fixed (Jacobi).
  t0 = Clock::now();
  st.blocks.resize(num_blocks);
  std::vector<std::vector<double>> predicted(num_blocks, std::vector<double>(num_edges, 0.0));
  std::vector<char> solved(num_blocks, 0);
  auto solve_block = [&](size_t b) {
    const auto tb = Clock::now();
    Block& block = blocks[b];
    const AdamWOptions hp =
        static_cast<const OptimizerOptions&>(param_groups_[b].options()).adamw();
    auto& bs = st.blocks[b];
    bs.name = block.name();
    std::vector<int> touching, acting;
    for (size_t e = 0; e < num_edges; ++e) {
      if (ev.slot_of(static_cast<int>(e), static_cast<int>(b)) < 0) continue;
      touching.push_back(static_cast<int>(e));
      if (active[e]) acting.push_back(static_cast<int>(e));
    }
    bs.active_edges = static_cast<int>(acting.size());
    const auto has_grad = block.has_grad();
    // Forces f and (Jacobi-scaled) stiffnesses ρ of the acting edges, for
    // either path.
    std::vector<double> f, r;
    for (int e : acting) {
      f.push_back(force[e]);
      const double share =
          solver_.jacobi_scaling ? static_cast<double>(graph_.touched_blocks(e).size()) : 1.0;
      r.push_back(al_.dual(e).rho * share);
    }
    const auto k_acting = static_cast<int64_t>(acting.size());
    const bool fused_pays = k_acting == 1 || block.numel() >= solver_.fused_min_per_edge * k_acting;
    if (!acting.empty() && solver_.fused && fused_pays &&
        fusable_block(block, ev, static_cast<int>(b), touching)) {
      solved[b] = 1;
      fused_solve(block, static_cast<int>(b), hp, solver_, trust_[b], acting, touching, f, r, ev,
                  predicted[b], bs);
      bs.solve_seconds = seconds_since(tb);
      return;
    }
    std::vector<at::Tensor> force_grad;
    if (solver_.lagrangian_metric && !acting.empty()) {
      torch::NoGradGuard no_grad;
      for (size_t t = 0; t < block.params().size(); ++t) {
        at::Tensor acc;
        for (int e : acting) {
          const JacobianRow& r = ev.row(e, static_cast<int>(b), t);
          if (!r.matrix.defined()) continue;
          const auto term = r.matrix[r.row] * force[e];
          acc = acc.defined() ? acc.add_(term) : term;
        }
        force_grad.push_back(acc);
      }
    }
    block.update_moments(hp, force_grad.empty() ? nullptr : &force_grad);
    const auto denom = block.metric(hp);

    torch::NoGradGuard no_grad;
    const auto& params = block.params();
    std::vector<at::Tensor> steps(params.size());
    if (acting.empty()) {
      // Exactly torch::optim::AdamW's update (§2.4); the step is recovered as
      // a difference only when an (inactive) edge needs its prediction.
      for (size_t t = 0; t < params.size(); ++t) {
        if (!has_grad[t]) continue;
        auto p = params[t];
        const at::Tensor before = touching.empty() ? at::Tensor() : p.detach().clone();
        if (hp.weight_decay != 0) p.mul_(1 - hp.lr * hp.weight_decay);
        p.addcdiv_(block.state()[t].exp_avg, denom[t], -block.step_size(t, hp));
        if (before.defined()) steps[t] = (p.detach() - before).reshape({-1});
      }
    } else {
      solved[b] = 1;
      LocalSolveProblem prob;
      prob.force = torch::tensor(f, torch::kFloat64);
      prob.rho = torch::tensor(r, torch::kFloat64);
      double floor = 0.0;
      if (solver_.metric_floor > 0) {
        double sq = 0;
        for (const auto& d : denom)
          sq += torch::dot(d.reshape({-1}), d.reshape({-1})).item<double>();
        floor = solver_.metric_floor * std::sqrt(sq / static_cast<double>(block.numel()));
      }
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
        prob.jacobian.push_back(ev.stacked(acting, static_cast<int>(b), t, p));
      }
      LocalSolveResult res = solve_local(prob, solver_.local);
      bs.condition = res.condition;
      bs.damped = res.damped;
      bs.trust_radius = trust_[b];
      // U s = U s0 − G μ is the solve's own prediction; clipping the
      // correction by a factor scales the G μ part alike.
      at::Tensor us = res.predicted_change;
      const double radius = trust_[b] * hp.lr * std::sqrt(static_cast<double>(block.numel()));
      if (trust_[b] > 0 && res.correction_norm > radius) {
        const double scale = radius / res.correction_norm;
        for (size_t t = 0; t < params.size(); ++t)
          res.step[t] = prob.base_step[t] - res.correction[t] * scale;
        us = res.predicted_change + res.gram_mu * (1.0 - scale);
        bs.clipped = true;
      }
      steps = std::move(res.step);
      for (size_t t = 0; t < params.size(); ++t) params[t].add_(steps[t].view_as(params[t]));
      const double* host = us.data_ptr<double>();
      for (size_t i = 0; i < acting.size(); ++i) predicted[b][acting[i]] = host[i];
    }
    // Inactive edges touching the block: J_e·s one by one (rare, cheap).
    for (int e : touching) {
      if (active[e] && !acting.empty()) continue;
      double acc = 0;
      for (size_t t = 0; t < params.size(); ++t)
        if (steps[t].defined()) acc += ev.dot(e, static_cast<int>(b), t, steps[t]);
      predicted[b][e] = acc;
    }
    bs.solve_seconds = seconds_since(tb);
  };
  if (solver_.parallel_blocks && num_blocks > 1) {
    at::parallel_for(0, static_cast<int64_t>(num_blocks), 1, [&](int64_t lo, int64_t hi) {
      for (int64_t b = lo; b < hi; ++b) solve_block(static_cast<size_t>(b));
    });
  } else {
    for (size_t b = 0; b < num_blocks; ++b) solve_block(b);
  }
  for (size_t b = 0; b < num_blocks; ++b) {
    if (solved[b])
      ++counters_.local_solves;
    else
      ++counters_.adamw_steps;
    solved_for_[b].clear();
    if (solved[b])
      for (size_t e = 0; e < num_edges; ++e)
        if (active[e] && ev.slot_of(static_cast<int>(e), static_cast<int>(b)) >= 0)
          solved_for_[b].push_back(edges[e].name);
    was_clipped_[b] = st.blocks[b].clipped;
  }
  st.solve_seconds = seconds_since(t0);

  // 5. Statistics.
  st.edges.resize(num_edges);
  for (size_t e = 0; e < num_edges; ++e) {
    auto& es = st.edges[e];
    const auto& d = al_.dual(static_cast<int>(e));
    es.name = edges[e].name;
    es.channel = edges[e].channel;
    es.value = ev.values[e];
    es.lambda = d.lambda;
    es.rho = d.rho;
    es.active = active[e];
    es.force = active[e] ? force[e] : 0.0;
    for (size_t b = 0; b < num_blocks; ++b) es.predicted_change += predicted[b][e];
    const EdgeId id = graph_.id_at(static_cast<int>(e));
    auto it = previous_.find(id);
    if (it != previous_.end()) {
      es.previous_predicted_change = it->second.second;
      es.measured_change = es.value - it->second.first;
    }
    previous_[id] = {es.value, es.predicted_change};
  }
  stats_ = std::move(st);
  for (auto& cb : callbacks_) cb(stats_);
  return loss;
}

std::string Optimizer::brief_report() const {
  std::ostringstream os;
  os << "galt step " << stats_.step << (stats_.outer_update ? " (outer update)" : "") << ": "
     << stats_.edges.size() << " edges, " << stats_.blocks.size() << " blocks, eval "
     << stats_.evaluate_seconds * 1e3 << " ms, solve " << stats_.solve_seconds * 1e3 << " ms\n";
  for (const auto& e : stats_.edges) {
    os << "  " << e.name << " [" << to_string(e.channel) << "] C=" << e.value << " λ=" << e.lambda
       << " ρ=" << e.rho << (e.active ? " active" : " inactive")
       << " predicted ΔC=" << e.predicted_change << "\n";
  }
  double worst = 1.0;
  int damped = 0;
  for (const auto& b : stats_.blocks) {
    worst = std::max(worst, b.condition);
    damped += b.damped;
  }
  os << "  worst capacitance condition " << worst << ", damped solves " << damped << "\n";
  return os.str();
}

void Optimizer::save(torch::serialize::OutputArchive& archive) const {
  const auto& blocks = graph_.blocks();
  for (size_t b = 0; b < blocks.size(); ++b) {
    const auto& state = blocks[b].state();
    for (size_t t = 0; t < state.size(); ++t) {
      const std::string key = "galt/block/" + blocks[b].name() + "/" + std::to_string(t) + "/";
      archive.write(key + "step", torch::tensor(state[t].step));
      if (state[t].exp_avg.defined()) {
        archive.write(key + "exp_avg", state[t].exp_avg, /*is_buffer=*/true);
        archive.write(key + "exp_avg_sq", state[t].exp_avg_sq, /*is_buffer=*/true);
      }
    }
  }
  for (size_t e = 0; e < graph_.edges().size(); ++e) {
    const auto& d = al_.dual(static_cast<int>(e));
    const std::string key = "galt/edge/" + graph_.edges()[e].name + "/";
    archive.write(key + "lambda", torch::tensor(d.lambda, torch::kFloat64));
    archive.write(key + "rho", torch::tensor(d.rho, torch::kFloat64));
  }
  archive.write("galt/steps", torch::tensor(steps_));
  archive.write("galt/inner_since_outer", torch::tensor(inner_since_outer_));
}

void Optimizer::load(torch::serialize::InputArchive& archive) {
  torch::NoGradGuard no_grad;
  auto read = [&](const std::string& key, at::Tensor& out) { return archive.try_read(key, out); };
  auto& blocks = graph_.blocks();
  for (auto& block : blocks) {
    for (size_t t = 0; t < block.params().size(); ++t) {
      const std::string key = "galt/block/" + block.name() + "/" + std::to_string(t) + "/";
      at::Tensor step, m, v;
      if (!read(key + "step", step)) continue;
      Block::TensorState s;
      s.step = step.item<int64_t>();
      if (read(key + "exp_avg", m) && read(key + "exp_avg_sq", v)) {
        s.exp_avg = m.clone();
        s.exp_avg_sq = v.clone();
      }
      block.set_state(t, s);
    }
  }
  for (size_t e = 0; e < graph_.edges().size(); ++e) {
    at::Tensor l, r;
    const std::string key = "galt/edge/" + graph_.edges()[e].name + "/";
    if (read(key + "lambda", l) && read(key + "rho", r)) {
      al_.dual(static_cast<int>(e)).lambda = l.item<double>();
      al_.dual(static_cast<int>(e)).rho = r.item<double>();
    }
  }
  at::Tensor s, i;
  if (read("galt/steps", s)) steps_ = s.item<int64_t>();
  if (read("galt/inner_since_outer", i)) inner_since_outer_ = i.item<int64_t>();
}

}  // namespace galt
