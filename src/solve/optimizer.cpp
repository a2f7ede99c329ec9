#include "galt/solve/optimizer.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>

#include "galt/error.h"
#include "galt/solve/state_archive.h"
#include "solve/edge_jacobians.h"

namespace galt {

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A block step's result as float64 scalars, for executors that send it to
// other processes (BlockState). `messages`: the block's message count this
// step, which fixes the length whatever the result holds.
constexpr int64_t kResultScalars = 9;

at::Tensor encode_result(const BlockStepResult& r, size_t messages) {
  auto out = torch::zeros({kResultScalars + static_cast<int64_t>(messages)}, torch::kFloat64);
  double* p = out.data_ptr<double>();
  const auto& s = r.stats;
  p[0] = r.solved;
  p[1] = s.active_edges;
  p[2] = s.fused;
  p[3] = s.condition;
  p[4] = s.damped;
  p[5] = s.clipped;
  p[6] = s.trust_radius;
  p[7] = s.correction_norm;
  p[8] = s.solve_seconds;
  if (r.predicted_change.size() == messages)
    for (size_t i = 0; i < messages; ++i) p[kResultScalars + i] = r.predicted_change[i];
  return out;
}

BlockStepResult decode_result(const at::Tensor& t, const std::string& name) {
  const auto c = t.contiguous();
  const double* p = c.data_ptr<double>();
  BlockStepResult r;
  r.solved = p[0] != 0;
  r.stats.name = name;
  r.stats.active_edges = static_cast<int>(p[1]);
  r.stats.fused = p[2] != 0;
  r.stats.condition = p[3];
  r.stats.damped = p[4] != 0;
  r.stats.clipped = p[5] != 0;
  r.stats.trust_radius = p[6];
  r.stats.correction_norm = p[7];
  r.stats.solve_seconds = p[8];
  r.predicted_change.assign(p + kResultScalars, p + c.numel());
  return r;
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
      solver_(solver),
      executor_(std::make_shared<SerialExecutor>()) {
  TrustRegion check(solver_.trust);  // throws InputError on bad options
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
  proxy_phase_.erase(id);
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

void Optimizer::begin_task() {
  al_.warm_start();
  const int task = tasks_begun_++;
  for (auto& cb : callbacks_) cb->begin_task(*this, task);
}

void Optimizer::set_executor(std::shared_ptr<Executor> executor) {
  if (!executor) throw InputError("galt::Optimizer: the executor is null");
  executor_ = std::move(executor);
}

void Optimizer::add_callback(std::shared_ptr<OptimizerCallback> callback) {
  if (!callback) throw InputError("galt::Optimizer: the callback is null");
  callbacks_.push_back(std::move(callback));
}

void Optimizer::check_finite_gradients() const {
  for (const auto& b : graph_.blocks())
    for (size_t t = 0; t < b.params().size(); ++t) {
      const auto& g = b.params()[t].grad();
      // A sum is a one-pass screen (NaN and Inf propagate into it).
      if (g.defined() && !std::isfinite(g.sum().item<double>()) &&
          !torch::isfinite(g).all().item<bool>())
        throw InputError("block '" + b.name() + "', tensor " + std::to_string(t) +
                         ": the task gradient has NaN/Inf entries; nothing was updated");
    }
}

std::vector<double> Optimizer::proxy_values(const std::vector<double>& values) const {
  std::vector<double> out = values;
  const auto& edges = graph_.edges();
  torch::NoGradGuard no_grad;
  for (size_t e = 0; e < edges.size(); ++e) {
    if (!edges[e].dual_value) continue;
    const double v = edges[e].dual_value() - edges[e].margin;
    if (!std::isfinite(v))
      throw InputError("constraint '" + edges[e].name +
                       "': the proxy value (dual_value) is NaN/Inf; nothing was updated");
    out[e] = v;
  }
  return out;
}

torch::Tensor Optimizer::step(LossClosure closure) {
  torch::Tensor loss;
  if (closure) {
    torch::AutoGradMode enable_grad(true);
    loss = closure();
  }
  sync_blocks();
  // A refused step (NaN, a bad edge value) changes nothing, its counts
  // included: checkpoints and state_dict() must read as before it.
  struct CountersOnFailure {
    ComputeCounters& live;
    const ComputeCounters saved;
    const int unwinding = std::uncaught_exceptions();
    ~CountersOnFailure() {
      if (std::uncaught_exceptions() > unwinding) live = saved;
    }
  } keep_counters{counters_, counters_};
  auto& blocks = graph_.blocks();
  const auto& edges = graph_.edges();
  const size_t num_edges = edges.size();
  const size_t num_blocks = blocks.size();
  if (solver_.check_finite) check_finite_gradients();

  // 1. Values and Jacobians of every edge at the current θ.
  auto t0 = Clock::now();
  const EdgeJacobians ev = evaluate_edge_jacobians(graph_, counters_);
  StepStats st;
  st.step = steps_ + 1;
  st.evaluate_seconds = seconds_since(t0);
  std::vector<Sense> senses(num_edges);
  for (size_t e = 0; e < num_edges; ++e) senses[e] = edges[e].sense;

  // 2. Dual updates with the values measured after the inner phase (§3);
  // a proxy edge's dual update uses its proxy value (ConstraintEdge::dual_value).
  const bool outer = inner_since_outer_ >= al_.options().inner_steps;
  const bool inner = st.step > 1 && al_.options().rule == PenaltyRule::kAVBD;
  bool proxy_each_step = false;
  for (const auto& e : edges) proxy_each_step = proxy_each_step || (e.dual_value && e.batch_proxy);
  std::vector<double> dual_values;
  if (outer || inner || proxy_each_step) dual_values = proxy_values(ev.values);
  // A batch proxy (ConstraintEdge::batch_proxy): the solve corrects the
  // proxy's C_e, and the dual update sees its mean over the inner phase.
  std::vector<double> solve_values = ev.values;
  for (size_t e = 0; e < num_edges; ++e) {
    if (!edges[e].dual_value || !edges[e].batch_proxy) continue;
    solve_values[e] = dual_values[e];
    auto& [sum, count] = proxy_phase_[graph_.id_at(static_cast<int>(e))];
    sum += dual_values[e];
    ++count;
    if (outer) {
      dual_values[e] = sum / count;
      sum = 0.0;
      count = 0;
    }
  }
  steps_ = st.step;  // after the last check that may refuse the step
  if (inner) al_.inner_update(senses, dual_values);
  if (outer) {
    st.dual_updates = al_.outer_update(senses, dual_values);
    for (size_t e = 0; e < num_edges; ++e) st.dual_updates[e].surrogate = ev.values[e];
    st.outer_update = true;
    inner_since_outer_ = 0;
  }
  ++inner_since_outer_;

  // 3. Trust regions, from the agreement of last step's predictions with
  // what is measured now.
  trust_.resize(num_blocks, TrustRegion(solver_.trust));
  std::unordered_map<EdgeId, double> agreement;
  for (size_t e = 0; e < num_edges; ++e) {
    const EdgeId id = graph_.id_at(static_cast<int>(e));
    auto it = previous_.find(id);
    if (it == previous_.end() || std::abs(it->second.second) <= 1e-12) continue;
    agreement[id] = (ev.values[e] - it->second.first) / it->second.second;
  }
  for (auto& tr : trust_)
    tr.adapt([&](EdgeId id) -> std::optional<double> {
      auto it = agreement.find(id);
      if (it == agreement.end()) return std::nullopt;
      return it->second;
    });

  // 4. The block phase (§4). Messages are prepared colour by colour: under
  // Gauss–Seidel a colour receives the edge values moved by the colours
  // before it (C_e + Σ J_e·s, the linearised update).
  t0 = Clock::now();
  const BlockSchedule schedule = make_schedule(graph_, solver_.order);
  std::vector<AdamWOptions> hyper(num_blocks);
  for (size_t b = 0; b < num_blocks; ++b)
    hyper[b] = static_cast<const OptimizerOptions&>(param_groups_[b].options()).adamw();
  std::vector<double> values = solve_values;
  std::vector<std::vector<BlockEdgeMessage>> inbox(num_blocks);
  std::vector<std::vector<int>> inbox_edge(num_blocks);  // edge index of each message
  std::vector<BlockStepResult> results(num_blocks);
  std::vector<int> colour_of(num_blocks, 0);
  for (int c = 0; c < schedule.num_colours(); ++c)
    for (int b : schedule.colours[c]) colour_of[b] = c;
  auto prepare = [&](int c) {
    if (c > 0)
      for (int u : schedule.colours[c - 1])
        for (size_t i = 0; i < inbox_edge[u].size(); ++i)
          values[inbox_edge[u][i]] += results[u].predicted_change[i];
    const auto& colour = schedule.colours[c];
    for (int b : colour) {
      auto& in = inbox[b];
      for (size_t e = 0; e < num_edges; ++e) {
        if (ev.slot_of(static_cast<int>(e), b) < 0) continue;
        const auto& d = al_.dual(static_cast<int>(e));
        BlockEdgeMessage m;
        m.edge = graph_.id_at(static_cast<int>(e));
        m.value = values[e];
        m.lambda = d.lambda;
        m.rho = d.rho;
        m.active = AugmentedLagrangian::active(senses[e], d.lambda, d.rho, values[e]);
        if (solver_.jacobi_scaling) {
          int share = 0;
          for (int v : graph_.touched_blocks(static_cast<int>(e))) share += colour_of[v] == c;
          m.stiffness_share = std::max(1, share);
        }
        const size_t nt = blocks[b].params().size();
        m.jacobian.reserve(nt);
        for (size_t t = 0; t < nt; ++t) m.jacobian.push_back(ev.row(static_cast<int>(e), b, t));
        in.push_back(std::move(m));
        inbox_edge[b].push_back(static_cast<int>(e));
      }
    }
  };
  // What a step writes, for an executor that runs blocks in other processes:
  // per tensor θ, m, s and (t, m defined), then the result.
  BlockState state;
  state.save = [&](int b) {
    const Block& block = blocks[b];
    const size_t nt = block.params().size();
    std::vector<at::Tensor> out;
    auto steps = torch::zeros({2 * static_cast<int64_t>(nt)}, torch::kInt64);
    for (size_t t = 0; t < nt; ++t) {
      const auto& p = block.params()[t];
      const auto& s = block.state()[t];
      out.push_back(p.detach());
      out.push_back(s.exp_avg.defined() ? s.exp_avg : torch::zeros_like(p.detach()));
      out.push_back(s.exp_avg_sq.defined() ? s.exp_avg_sq : torch::zeros_like(p.detach()));
      steps[2 * t] = s.step;
      steps[2 * t + 1] = static_cast<int64_t>(s.exp_avg.defined());
    }
    out.push_back(steps);
    out.push_back(encode_result(results[b], inbox[b].size()));
    return out;
  };
  state.load = [&](int b, const std::vector<at::Tensor>& in) {
    torch::NoGradGuard no_grad;
    Block& block = blocks[b];
    const size_t nt = block.params().size();
    if (in.size() != 3 * nt + 2)
      throw std::logic_error("block state of '" + block.name() + "': " + std::to_string(in.size()) +
                             " tensors, expected " + std::to_string(3 * nt + 2));
    const auto steps = in[3 * nt].contiguous();
    const int64_t* st = steps.data_ptr<int64_t>();
    for (size_t t = 0; t < nt; ++t) {
      block.params()[t].detach().copy_(in[3 * t]);
      Block::TensorState s;
      s.step = st[2 * t];
      if (st[2 * t + 1] != 0) {
        s.exp_avg = in[3 * t + 1].clone();
        s.exp_avg_sq = in[3 * t + 2].clone();
      }
      block.set_state(t, std::move(s));
    }
    results[b] = decode_result(in[3 * nt + 1], block.name());
  };
  executor_->run(
      schedule, prepare,
      [&](int b) {
        results[b] = block_step(blocks[b], hyper[b], inbox[b], trust_[b], solver_.block);
      },
      state);
  st.solve_seconds = seconds_since(t0);
  st.colours = schedule.num_colours();

  // 5. Statistics, counters, and what the trust regions remember.
  std::vector<double> predicted(num_edges, 0.0);
  st.blocks.resize(num_blocks);
  for (size_t b = 0; b < num_blocks; ++b) {
    auto& r = results[b];
    r.stats.colour = colour_of[b];
    st.blocks[b] = r.stats;
    ++(r.solved ? counters_.local_solves : counters_.adamw_steps);
    std::vector<EdgeId> solved_for;
    for (size_t i = 0; i < inbox[b].size(); ++i) {
      predicted[inbox_edge[b][i]] += r.predicted_change[i];
      if (r.solved && inbox[b][i].active) solved_for.push_back(inbox[b][i].edge);
    }
    trust_[b].record(std::move(solved_for), r.stats.clipped);
  }
  st.edges.resize(num_edges);
  for (size_t e = 0; e < num_edges; ++e) {
    auto& es = st.edges[e];
    const auto& d = al_.dual(static_cast<int>(e));
    es.id = graph_.id_at(static_cast<int>(e));
    es.name = edges[e].name;
    es.channel = edges[e].channel;
    es.value = ev.values[e];
    es.lambda = d.lambda;
    es.rho = d.rho;
    es.active = AugmentedLagrangian::active(senses[e], d.lambda, d.rho, solve_values[e]);
    es.force = es.active ? d.lambda + d.rho * solve_values[e] : 0.0;
    es.predicted_change = predicted[e];
    auto it = previous_.find(es.id);
    if (it != previous_.end()) {
      es.previous_predicted_change = it->second.second;
      es.measured_change = es.value - it->second.first;
    }
    previous_[es.id] = {es.value, es.predicted_change};
  }
  stats_ = std::move(st);
  for (auto& cb : callbacks_) {
    if (stats_.outer_update) cb->outer_update(*this, stats_);
    if (cb->step_taken(*this, stats_)) stop_requested_ = true;
  }
  return loss;
}

std::string Optimizer::brief_report() const { return galt::brief_report(stats_); }

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
  // Beyond r_v and λ, ρ: what the next step reads from the last one — the
  // ρ rule's previous violation, each edge's value and prediction (trust
  // agreement, measured ΔC), the edges each block solved for — so a restored
  // optimizer takes the steps the saved one would have taken.
  for (size_t b = 0; b < trust_.size() && b < blocks.size(); ++b) {
    const std::string key = "galt/block/" + blocks[b].name() + "/";
    archive.write(key + "trust_radius", torch::tensor(trust_[b].radius(), torch::kFloat64));
    archive.write(key + "trust_clipped", torch::tensor(int64_t{trust_[b].was_clipped()}));
  }
  for (size_t e = 0; e < graph_.edges().size(); ++e) {
    const auto& d = al_.dual(static_cast<int>(e));
    const EdgeId id = graph_.id_at(static_cast<int>(e));
    const std::string key = "galt/edge/" + graph_.edges()[e].name + "/";
    archive.write(key + "lambda", torch::tensor(d.lambda, torch::kFloat64));
    archive.write(key + "rho", torch::tensor(d.rho, torch::kFloat64));
    archive.write(key + "rho_max", torch::tensor(d.rho_max, torch::kFloat64));
    archive.write(key + "dual_history", torch::tensor({d.last_violation, d.violation_ema,
                                                       static_cast<double>(d.outer_updates)},
                                                      torch::kFloat64));
    if (auto it = previous_.find(id); it != previous_.end())
      archive.write(key + "previous",
                    torch::tensor({it->second.first, it->second.second}, torch::kFloat64));
    if (auto it = proxy_phase_.find(id); it != proxy_phase_.end())
      archive.write(key + "proxy_phase",
                    torch::tensor({it->second.first, static_cast<double>(it->second.second)},
                                  torch::kFloat64));
    std::vector<int64_t> solved_by;
    for (size_t b = 0; b < trust_.size(); ++b) {
      const auto& ids = trust_[b].solved_for();
      if (std::find(ids.begin(), ids.end(), id) != ids.end())
        solved_by.push_back(static_cast<int64_t>(b));
    }
    archive.write(key + "solved_by", torch::tensor(solved_by, torch::kInt64));
  }
  archive.write("galt/steps", torch::tensor(steps_));
  archive.write("galt/inner_since_outer", torch::tensor(inner_since_outer_));
  // What a checkpointed run reports afterwards: the tasks begun (the task
  // index callbacks see) and the counters.
  archive.write("galt/tasks_begun", torch::tensor(int64_t{tasks_begun_}));
  state::put_counters(archive, "galt/counters", counters_);
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
  trust_.resize(blocks.size(), TrustRegion(solver_.trust));
  for (size_t b = 0; b < blocks.size(); ++b) {
    at::Tensor r;
    if (read("galt/block/" + blocks[b].name() + "/trust_radius", r))
      trust_[b].restore(r.item<double>());
  }
  std::vector<std::vector<EdgeId>> solved_for(blocks.size());
  for (size_t e = 0; e < graph_.edges().size(); ++e) {
    at::Tensor l, r, h, p, by;
    const EdgeId id = graph_.id_at(static_cast<int>(e));
    const std::string key = "galt/edge/" + graph_.edges()[e].name + "/";
    auto& d = al_.dual(static_cast<int>(e));
    if (read(key + "lambda", l) && read(key + "rho", r)) {
      d.lambda = l.item<double>();
      d.rho = r.item<double>();
    }
    if (at::Tensor m; read(key + "rho_max", m)) d.rho_max = m.item<double>();
    if (read(key + "dual_history", h) && h.numel() == 3) {
      const auto hd = h.to(torch::kFloat64).contiguous();
      d.last_violation = hd[0].item<double>();
      d.violation_ema = hd[1].item<double>();
      d.outer_updates = static_cast<int>(hd[2].item<double>());
    }
    if (read(key + "previous", p) && p.numel() == 2)
      previous_[id] = {p[0].item<double>(), p[1].item<double>()};
    if (at::Tensor q; read(key + "proxy_phase", q) && q.numel() == 2)
      proxy_phase_[id] = {q[0].item<double>(), static_cast<int64_t>(q[1].item<double>())};
    if (read(key + "solved_by", by)) {
      const auto blocks_of = by.to(torch::kInt64).contiguous();
      const int64_t* q = blocks_of.data_ptr<int64_t>();
      for (int64_t i = 0; i < blocks_of.numel(); ++i)
        if (q[i] >= 0 && q[i] < static_cast<int64_t>(blocks.size())) solved_for[q[i]].push_back(id);
    }
  }
  for (size_t b = 0; b < blocks.size(); ++b) {
    at::Tensor c;
    if (read("galt/block/" + blocks[b].name() + "/trust_clipped", c))
      trust_[b].record(solved_for[b], c.item<int64_t>() != 0);
  }
  at::Tensor s, i;
  if (read("galt/steps", s)) steps_ = s.item<int64_t>();
  if (read("galt/inner_since_outer", i)) inner_since_outer_ = i.item<int64_t>();
  if (at::Tensor t; read("galt/tasks_begun", t)) tasks_begun_ = static_cast<int>(t.item<int64_t>());
  if (at::Tensor t; read("galt/counters", t))
    counters_ = state::get_counters(archive, "galt/counters");
}

}  // namespace galt
