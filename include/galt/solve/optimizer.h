// galt::Optimizer — constraint-native training that feels like torch::optim.
//
//   galt::Optimizer opt(model->parameters(), galt::OptimizerOptions().lr(1e-3));
//   opt.add_constraint({.name = "safety", .channel = galt::Channel::kSafety,
//                       .margin = 0.01, .value = [&] { return forbidden_mass(model, probe); }});
//   for (...) {
//     opt.zero_grad();
//     task_loss(model, batch).backward();   // the task gradient drives Adam's moments
//     opt.step();                           // local solves + augmented Lagrangian
//   }
//
// Each parameter group is a block (DESIGN §1). One step() is one inner
// iteration of the paper's Algorithm 1 (§4):
//
//   1. screen the task gradient (NaN/Inf: nothing is updated);
//   2. evaluate every edge — value and Jacobian per touched block, by
//      autograd, the per-example trick (§2.3) or as a message;
//   3. every K_in steps the outer dual update, with the values measured
//      after the inner phase (§3);
//   4. adapt each block's trust region from how well its last prediction
//      came true (trust_region.h);
//   5. the block phase: the executor (executor.h) runs block_step
//      (block_step.h) for every block in the schedule's order (block Jacobi
//      or coloured Gauss–Seidel, block_schedule.h);
//   6. statistics (step_stats.h), then the callbacks (callbacks.h).
//
// With no active edge a block takes exactly the AdamW step (§2.4).
#pragma once

#include <torch/optim/optimizer.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "galt/graph/constraint_graph.h"
#include "galt/graph/edge_host.h"
#include "galt/solve/augmented_lagrangian.h"
#include "galt/solve/block_schedule.h"
#include "galt/solve/block_step.h"
#include "galt/solve/callbacks.h"
#include "galt/solve/compute_counters.h"
#include "galt/solve/executor.h"
#include "galt/solve/step_stats.h"
#include "galt/solve/trust_region.h"

namespace galt {

/// Per-group options (the AdamW hyper-parameters of a block).
struct OptimizerOptions : public torch::optim::OptimizerCloneableOptions<OptimizerOptions> {
  OptimizerOptions(double lr = 1e-3);
  TORCH_ARG(double, lr) = 1e-3;
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 1e-2;
  /// Block name; empty: "block<i>".
  TORCH_ARG(std::string, name) = "";

 public:
  double get_lr() const override { return lr(); }
  void set_lr(const double lr) override { this->lr(lr); }
  AdamWOptions adamw() const;
};

/// Options of the whole optimizer (the non-per-group part).
struct SolverOptions {
  AugmentedLagrangianOptions dual;
  /// What a block does in its step: metric floor, Lagrangian metric, the
  /// fused path, the capacitance guard (block_step.h).
  BlockStepOptions block;
  /// Each block's trusted region and its adaptation (trust_region.h).
  TrustRegionOptions trust;
  /// Block Jacobi or coloured Gauss–Seidel (block_schedule.h).
  BlockOrder order = BlockOrder::kJacobi;
  /// Block-Jacobi stiffness scaling: blocks that correct edge e at the same
  /// time each solve with their neighbours fixed, so n of them would move C_e
  /// n times the intended amount. Scaling the stiffness of e by the number of
  /// blocks that solve for it concurrently (all touched blocks under Jacobi,
  /// one under Gauss–Seidel) makes the summed correction match the
  /// single-block one (the additive-Schwarz rule). No effect on an edge that
  /// touches one block.
  bool jacobi_scaling = true;
  /// Refuse (InputError, nothing updated) a task gradient with NaN/Inf.
  bool check_finite = true;
};

class Optimizer : public torch::optim::Optimizer, public EdgeHost {
 public:
  Optimizer(std::vector<torch::optim::OptimizerParamGroup> groups, OptimizerOptions defaults = {},
            SolverOptions solver = {});
  Optimizer(std::vector<torch::Tensor> params, OptimizerOptions defaults = {},
            SolverOptions solver = {});

  /// Adds an edge; returns its stable id. Throws InputError (see
  /// ConstraintGraph).
  EdgeId add_constraint(ConstraintEdge edge) override;
  /// Adds edges sharing one closure (DESIGN §2.3); returns their ids.
  std::vector<EdgeId> add_constraint_family(EdgeFamily family);
  /// Removes an edge and its multiplier; returns λ and ρ at removal (pass
  /// them back as lambda_init / rho_init to restore the edge). Other edges'
  /// ids, duals and histories are unaffected.
  DualValue remove_constraint(EdgeId id) override;
  DualValue remove_constraint(const std::string& name);
  std::optional<EdgeId> find_constraint(const std::string& name) const override;
  DualValue dual_value(EdgeId id) const override;

  /// One inner iteration. `closure`, when given, is called with gradients
  /// enabled and must compute the task loss and call backward(); otherwise
  /// the gradients already in .grad() are used. Throws InputError when a
  /// gradient or an edge value is NaN/Inf or a Jacobian has the wrong shape;
  /// nothing is updated then.
  torch::Tensor step(LossClosure closure = nullptr) override;

  /// A new task begins: warm-start the multipliers (DESIGN §3), then the
  /// callbacks' begin_task.
  void begin_task();

  /// Where the block phase runs (default: SerialExecutor). Shared, so one
  /// thread pool can serve several optimizers.
  void set_executor(std::shared_ptr<Executor> executor);
  const Executor& executor() const { return *executor_; }

  /// Hooks called by begin_task and step (callbacks.h).
  void add_callback(std::shared_ptr<OptimizerCallback> callback);
  /// A callback's step_taken returned true since the last clear_stop().
  bool stop_requested() const { return stop_requested_; }
  void clear_stop() { stop_requested_ = false; }

  const ConstraintGraph& graph() const { return graph_; }
  const AugmentedLagrangian& duals() const { return al_; }
  AugmentedLagrangian& duals() { return al_; }
  const SolverOptions& solver_options() const { return solver_; }
  SolverOptions& solver_options() { return solver_; }
  const StepStats& last_stats() const { return stats_; }
  const ComputeCounters& counters() const { return counters_; }
  /// The trust region of block b (graph order).
  const TrustRegion& trust_region(int block) const { return trust_.at(block); }
  /// Tasks begun so far (begin_task calls).
  int tasks_begun() const { return tasks_begun_; }

  /// A few readable lines about the last step (brief_report(last_stats())).
  std::string brief_report() const;

  /// Checkpoints: per block its AdamW state, trust radius and what the
  /// radius adapts from next; per edge (by name) λ, ρ, ρ's ceiling, the dual
  /// history, last step's value and prediction; the step counts, tasks
  /// begun and counters. Not the edges, blocks or callbacks themselves (nor
  /// last_stats()): load() into an optimizer built with the same blocks and
  /// edges, whose callbacks restore their own state (RefreshSchedule,
  /// DualTrace, LinearisedEdges have save/load).
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  void sync_blocks();
  void check_finite_gradients() const;
  /// The values the dual update uses: `values` with every proxy edge's
  /// ConstraintEdge::dual_value() − margin in its place.
  std::vector<double> proxy_values(const std::vector<double>& values) const;

  ConstraintGraph graph_;
  AugmentedLagrangian al_;
  SolverOptions solver_;
  StepStats stats_;
  ComputeCounters counters_;
  std::shared_ptr<Executor> executor_;
  std::vector<std::shared_ptr<OptimizerCallback>> callbacks_;
  /// Per edge: (value, predicted change) of the previous step.
  std::unordered_map<EdgeId, std::pair<double, double>> previous_;
  /// Per batch-proxy edge: sum and count of its proxy values since the last
  /// dual update (ConstraintEdge::batch_proxy).
  std::unordered_map<EdgeId, std::pair<double, int64_t>> proxy_phase_;
  std::vector<TrustRegion> trust_;  ///< per block
  int64_t steps_ = 0;
  int64_t inner_since_outer_ = 0;
  int tasks_begun_ = 0;
  bool stop_requested_ = false;
};

}  // namespace galt
