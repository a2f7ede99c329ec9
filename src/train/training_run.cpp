// The graph-parallel training loop of `galt train`
// (include/galt/train/training_run.h).
#include "galt/train/training_run.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>

#include "galt/error.h"
#include "galt/solve/executor.h"
#include "galt/solve/forward_edges.h"
#include "galt/solve/local_objectives.h"
#include "galt/solve/optimizer.h"
#include "galt/solve/refresh_schedule.h"
#include "train/run_task.h"
#include "train/training_checks.h"

namespace galt::train {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string fingerprint_of(const std::vector<models::ParamBlock>& blocks) {
  uint64_t h = 14695981039346656037ull;
  for (const auto& b : blocks) {
    for (const auto& p : b.params) {
      const at::Tensor t = p.detach().contiguous().cpu();
      const auto* bytes = static_cast<const unsigned char*>(t.data_ptr());
      for (size_t i = 0, n = t.numel() * t.element_size(); i < n; ++i)
        h = (h ^ bytes[i]) * 1099511628211ull;
    }
  }
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// The optimizer's own work (edge closures, Jacobian passes, solves) added to
// the loop's counts of forward and backward passes.
void add_optimizer_counters(ComputeCounters& c, const ComputeCounters& o) {
  c.edge_evaluations += o.edge_evaluations;
  c.backward_passes += o.backward_passes;
  c.jacobian_rows += o.jacobian_rows;
  c.per_example_jacobians += o.per_example_jacobians;
  c.edge_messages += o.edge_messages;
  c.local_solves += o.local_solves;
  c.adamw_steps += o.adamw_steps;
}

}  // namespace

TrainingRunResult run_training(const RunConfig& config, const RunHooks& hooks) {
  check_run_config(config);
  if (config.executor == "processes" && !hooks.configure)
    throw InputError(config.source +
                     ": executor.kind = \"processes\" needs a process group (run it with galt "
                     "train under galt launch or torchrun)");
  detail::RunTask task = detail::make_run_task(config);

  TrainingRunResult r;
  r.config = config;
  r.metric = task.metric;
  r.data_rows = task.train_rows;

  // Blocks as parameter groups; with local steps each inner block also owns
  // its auxiliary head (drawn from the generator after the model: seeded).
  const bool local = config.local_steps && task.chain.size() > 1;
  std::optional<LocalObjectives> objectives;
  if (local) objectives.emplace(task.chain, task.outputs);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (size_t v = 0; v < task.blocks.size(); ++v) {
    std::vector<at::Tensor> ps = task.blocks[v].params;
    int64_t n = 0;
    for (const auto& p : ps) n += p.numel();
    if (local && v + 1 < task.blocks.size())
      for (const auto& h : objectives->head_parameters(v)) ps.push_back(h);
    auto opts = std::make_unique<OptimizerOptions>(config.lr);
    opts->weight_decay(0.0).name(task.blocks[v].name);
    groups.emplace_back(ps, std::move(opts));
    r.blocks.push_back(task.blocks[v].name);
    r.block_parameters.push_back(n);
  }
  SolverOptions solver;
  solver.dual.inner_steps = static_cast<int>(config.inner_steps);
  solver.dual.rho_max = config.rho_max;
  solver.order = config.order == "gauss-seidel" ? BlockOrder::kGaussSeidel : BlockOrder::kJacobi;
  Optimizer opt(std::move(groups), OptimizerOptions(config.lr), solver);

  auto schedule =
      std::make_shared<RefreshSchedule>(RefreshOptions{.period = local ? config.refresh_period : 1,
                                                       .trigger = config.refresh_trigger,
                                                       .at_task_start = false});
  auto trace = std::make_shared<DualTrace>(config.trace_every);
  opt.add_callback(schedule);
  opt.add_callback(trace);
  std::optional<ForwardEdges> forward;
  if (local && config.forward_edges) {
    forward.emplace(task.chain, r.blocks,
                    ForwardEdgeOptions{.tol = config.fwd_tol, .probe_rows = config.fwd_probe});
    for (auto& e : forward->edges()) opt.add_constraint(std::move(e));
  }
  if (config.executor == "threads")
    opt.set_executor(std::make_shared<ThreadExecutor>(config.threads));
  if (hooks.configure) hooks.configure(opt);

  ComputeCounters& c = r.counters;
  auto evaluate = [&](bool test, int64_t cap) {
    const auto t0 = Clock::now();
    task.module->eval();
    RunEvaluation e = task.evaluate(test, cap);
    task.module->train();
    r.eval_seconds += seconds_since(t0);
    return e;
  };

  for (int64_t step = 0; step < config.steps; ++step) {
    const auto t0 = Clock::now();
    const auto [x, y] = task.next_batch();
    const bool refresh = !local || schedule->next(step);
    opt.zero_grad();
    at::Tensor task_loss;
    if (!local) {
      task_loss = task.loss(task.chain.forward(x), y);
      check_finite_loss(task_loss, "task loss");
      task_loss.backward();
      ++c.forward_passes;
      ++c.global_backward_passes;
      ++c.global_steps;
    } else if (refresh) {
      const auto l = objectives->global(x, y, task.loss);
      check_finite_loss(l.task, "task loss");
      l.total.backward();
      task_loss = l.task;
      ++c.forward_passes;
      ++c.global_backward_passes;
      c.local_backward_passes += static_cast<int64_t>(objectives->size());  // the heads
      ++c.global_steps;
      if (forward) {
        forward->refresh(x);
        ++c.forward_passes;
      }
    } else {
      const auto l = objectives->local(x, y, task.loss);
      check_finite_loss(l.task, "task loss (local step)");
      l.total.backward();  // disjoint graphs: each gradient stays in its block
      task_loss = l.task;
      ++c.forward_passes;
      c.local_backward_passes += static_cast<int64_t>(objectives->size() + 1);
      ++c.local_steps;
    }
    ++c.steps;
    opt.step();
    if (forward) {  // each edge: one block forward, one local backward
      c.block_forward_passes += static_cast<int64_t>(forward->size());
      c.local_backward_passes += static_cast<int64_t>(forward->size());
    }
    r.train_seconds += seconds_since(t0);
    const int64_t done = step + 1;
    if (done % config.trace_every == 0 || done == config.steps) {
      r.trace_steps.push_back(done);
      r.train_loss.push_back(task_loss.item<double>());
      r.refresh_step.push_back(refresh);
    }
    if (config.eval_every > 0 && (done % config.eval_every == 0 || done == config.steps)) {
      r.eval_steps.push_back(done);
      r.validation_curve.push_back(evaluate(false, config.eval_rows));
    }
    if (hooks.step_taken) hooks.step_taken(done, config.steps);
  }
  r.validation = evaluate(false, 0);
  r.test = evaluate(true, 0);
  add_optimizer_counters(c, opt.counters());
  r.refreshes = local ? schedule->refreshes() : config.steps;
  r.forward_edges = trace->traces();
  r.fingerprint = fingerprint_of(task.blocks);
  return r;
}

}  // namespace galt::train
