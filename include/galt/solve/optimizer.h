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
// Each parameter group is a block (DESIGN §1). step() evaluates every edge
// (value and Jacobian per touched block), runs the outer dual update every
// K_in steps with the values measured after the inner phase (§3), and solves
// every block exactly (§2) — blocks in parallel, each with its neighbours
// fixed (block Jacobi). With no active edge a block takes exactly the AdamW
// step (§2.4).
#pragma once

#include <torch/optim/optimizer.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "galt/graph/constraint_graph.h"
#include "galt/graph/edge_host.h"
#include "galt/solve/augmented_lagrangian.h"
#include "galt/solve/local_solve.h"

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
  LocalSolveOptions local;
  /// Trusted region of a block's constraint correction: ‖s − s0‖₂ ≤
  /// r_v · η · sqrt(d_v), i.e. at most r_v AdamW-sized steps (Adam moves each
  /// coordinate by about η). The linearised edges are trusted only that far
  /// (DESIGN §4–5); a clipped step is reported. This is r_v's initial value;
  /// 0 = unbounded (and no adaptation).
  double trust_radius = 3.0;
  /// Classical trust-region adaptation of r_v from the agreement
  /// q = measured ΔC / predicted ΔC of the edges the block solved for at the
  /// previous step: q < 0.25 (or the wrong sign) halves r_v; q > 0.75 on a
  /// clipped step doubles it; within [trust_min, trust_max].
  bool adaptive_trust = true;
  double trust_min = 0.25;
  double trust_max = 30.0;
  /// Floor of the metric in the local solve, relative to the block's RMS:
  /// D_solve = max(D, metric_floor · rms(D)). A coordinate the task has never
  /// moved has D = ε, so without a floor A⁻¹ = η/ε ≈ 1e5·η makes it the
  /// cheapest place for every constraint correction (measured: class-
  /// incremental heads of unseen classes grew until the logits overflowed).
  /// The AdamW part of the step (s0) keeps AdamW's own D. 0 = no floor.
  double metric_floor = 0.1;
  /// Lagrangian metric: Adam's second moment tracks (g + Σ f_e J_e)² over the
  /// active edges instead of g², so coordinates the constraints push hard get
  /// a metric that reflects it (off: the metric is the task's, DESIGN §2.1).
  bool lagrangian_metric = false;
  /// Block-Jacobi stiffness scaling: every block solves with its neighbours
  /// fixed, so n blocks that all correct edge e would move C_e n times the
  /// intended amount. Scaling the stiffness of e by the number of blocks it
  /// touches makes the summed correction match the single-block one (the
  /// additive-Schwarz rule). It has no effect on an edge that touches one
  /// block.
  bool jacobi_scaling = true;
  /// Solve blocks concurrently on the intra-op thread pool (block Jacobi:
  /// each block sees its neighbours as they were at the start of the step).
  bool parallel_blocks = true;
  /// Refuse (InputError, nothing updated) a task gradient with NaN/Inf.
  bool check_finite = true;
  /// Blocks whose tensors are contiguous float32 on the CPU (and whose
  /// Jacobian rows are too) take the fused path for a step with active edges:
  /// three hand-written passes over the block (moments, weighted Gram, apply)
  /// instead of ~25 + 4k tensor-library passes — the same mathematics with
  /// float32 rounding in a different order (docs/PERFORMANCE.md). Steps
  /// without active edges are torch::optim::AdamW's either way. Off: always
  /// the general path.
  bool fused = true;
  /// ... but only where it measured faster: k = 1, or d_v / k ≥ this many
  /// parameters per active edge (at d = 100k it lost for k ≥ 5, at 500k it
  /// won for k = 5 and tied for k = 8: docs/PERFORMANCE.md). 0: whenever
  /// `fused` is on.
  int64_t fused_min_per_edge = 65536;
};

/// One edge in one step's statistics.
struct EdgeStepStats {
  std::string name;
  Channel channel = Channel::kSafety;
  double value = 0.0;   ///< C_e at the start of the step
  double lambda = 0.0;  ///< λ_e used by the step
  double rho = 0.0;     ///< ρ_e used by the step
  bool active = false;
  double force = 0.0;             ///< f_e = λ_e + ρ_e·C_e (0 when inactive)
  double predicted_change = 0.0;  ///< J_e·s of this step, summed over touched blocks
  /// The previous step's prediction and the change of C_e actually measured
  /// since then (NaN on an edge's first step).
  double previous_predicted_change = std::numeric_limits<double>::quiet_NaN();
  double measured_change = std::numeric_limits<double>::quiet_NaN();
};

/// One block in one step's statistics.
struct BlockStepStats {
  std::string name;
  int active_edges = 0;
  double condition = 1.0;     ///< condition number of the capacitance S
  bool damped = false;        ///< S was damped (DESIGN §2.2 guard)
  bool clipped = false;       ///< the step was clipped to the trust radius
  double trust_radius = 0.0;  ///< r_v used by this step (units of η·sqrt(d_v))
  double solve_seconds = 0.0;
};

struct StepStats {
  int64_t step = 0;                      ///< 1-based index of the step
  bool outer_update = false;             ///< a dual update ran at the start of this step
  std::vector<DualUpdate> dual_updates;  ///< one per edge when outer_update
  std::vector<EdgeStepStats> edges;
  std::vector<BlockStepStats> blocks;
  double evaluate_seconds = 0.0;  ///< edge values and Jacobians
  double solve_seconds = 0.0;     ///< moments, local solves, updates
};

/// Honest compute counters (DESIGN §4): every closure call and every backward
/// pass the optimizer makes itself.
struct ComputeCounters {
  int64_t edge_evaluations = 0;       ///< edge/family closure calls (forward passes)
  int64_t backward_passes = 0;        ///< autograd passes taken for Jacobians
  int64_t jacobian_rows = 0;          ///< per-edge Jacobians formed
  int64_t per_example_jacobians = 0;  ///< of which by the per-example trick
  int64_t local_solves = 0;           ///< block solves with k ≥ 1
  int64_t adamw_steps = 0;            ///< block steps with k = 0
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
  /// the gradients already in .grad() are used. Throws InputError when an
  /// edge value is NaN/Inf or a Jacobian has the wrong shape; nothing is
  /// updated then.
  torch::Tensor step(LossClosure closure = nullptr) override;

  /// A new task begins: warm-start the multipliers (DESIGN §3).
  void begin_task();

  const ConstraintGraph& graph() const { return graph_; }
  const AugmentedLagrangian& duals() const { return al_; }
  AugmentedLagrangian& duals() { return al_; }
  const SolverOptions& solver_options() const { return solver_; }
  SolverOptions& solver_options() { return solver_; }
  const StepStats& last_stats() const { return stats_; }
  const ComputeCounters& counters() const { return counters_; }

  /// Called after every step with its statistics (logging, progress, early
  /// stopping live in callbacks, not in the optimizer).
  void add_callback(std::function<void(const StepStats&)> callback);

  /// A few readable lines: step, per-edge C/λ/ρ/active, worst condition.
  std::string brief_report() const;

  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  void sync_blocks();

  ConstraintGraph graph_;
  AugmentedLagrangian al_;
  SolverOptions solver_;
  StepStats stats_;
  ComputeCounters counters_;
  /// Per edge: (value, predicted change) of the previous step.
  std::unordered_map<EdgeId, std::pair<double, double>> previous_;
  int64_t steps_ = 0;
  /// Per block: current trust radius r_v, and the edges it solved for at the
  /// previous step (with whether that step was clipped).
  std::vector<double> trust_;
  std::vector<std::vector<std::string>> solved_for_;
  std::vector<char> was_clipped_;
  int64_t inner_since_outer_ = 0;
  std::vector<std::function<void(const StepStats&)>> callbacks_;
};

}  // namespace galt
