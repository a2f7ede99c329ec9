// GALT on the continual benchmark (DESIGN §2–§4): a thin adapter over the
// library's pieces — galt::Optimizer, RefreshSchedule, LinearisedEdges,
// ForwardEdges, LocalObjectives (include/galt/solve/) — and the protocol's
// constraint set (protocol_constraints.h), the same edges every constraint
// baseline evaluates.
//
// Blocks: the model's blocks (fc1.., or lora1.., head), each a parameter group
// of galt::Optimizer; with local steps an inner block also owns its
// auxiliary head (LocalObjectives).
//
// Edges:
//  - safety (layer 0, from the first step) and one retention edge per
//    finished task: LinearisedEdges, refreshed only on a refresh step — all k
//    from one forward and one backward pass over the drawn anchor and probe
//    rows (galt::family_jacobians, the per-example trick, DESIGN §2.3) — and
//    seen by the optimizer between refreshes as their linearisation
//    C(θ₀) + J₀·(θ − θ₀): stale messages, no network pass;
//  - with local steps, forward consistency on every inner block
//    (ForwardEdges), evaluated every step through its block only.
//
// Steps (RefreshSchedule: every P steps, at each task start, and on the step
// after any edge value exceeds `trigger`):
//  - "galt": every step is global (end-to-end backprop of the task loss); the
//    edges refresh every refresh_every steps (P = refresh_every);
//  - "galt_local": the refresh steps are global (P = refresh_period), the
//    others local: each block trains on its upstream block's detached,
//    one-step-stale message with its local objective (LocalObjectives::local).
//  Then galt::Optimizer::step() solves every block exactly (§2) and runs the
//  dual update every refresh_period steps (§3).
//
// Options ([methods.galt], defaults): refresh_period 10, trigger 0.5,
// rho_init 1, penalty_rule 0 (0 classical, 1 AVBD), growth 2, rho_max (the
// optimizer's default), fwd_tol 0.05, fwd_probe 64 (rows), local_steps 0 for
// "galt" and 1 for "galt_local", trust_radius (the optimizer's adaptive
// default, in AdamW-sized steps; 0: unbounded — an unbounded correction
// diverges, see docs/RESULTS.md), adaptive_trust 1 for "galt", 0 for
// "galt_local" (0: keep the radius fixed), lagrangian_metric 1 (Adam's second
// moment tracks the Lagrangian gradient), trace_every 50, anchor_groups 1
// (retention edges per task), memory_rho_max 10 (ceiling of the retention
// edges' ρ; the safety edge keeps rho_max), memory_rho_ramp 0 (1: that
// ceiling rises from rho_init to memory_rho_max over each task),
// rehearsal_batch 128 (the task loss rehearses that many memory rows; 0:
// none), refresh_rows (rows per
// anchor set and probe at a refresh; default the protocol's constraint_batch; 0: all rows),
// refresh_every 1 (without local steps: refresh the edges every this many steps, linearised in
// between), fused 1 (BlockStepOptions::fused), safety_dual_rows 0 (probe rows
// held out for the safety edge's multiplier only; 0: none).
#include <torch/torch.h>

#include <cmath>
#include <optional>

#include "galt/error.h"
#include "galt/solve/callbacks.h"
#include "galt/solve/family_jacobians.h"
#include "galt/solve/forward_edges.h"
#include "galt/solve/linearised_edges.h"
#include "galt/solve/local_objectives.h"
#include "galt/solve/optimizer.h"
#include "galt/solve/refresh_schedule.h"
#include "galt/train/protocol_constraints.h"
#include "train/methods/method_common.h"
#include "train/methods/methods.h"
#include "train/training_checks.h"

namespace galt::train {
namespace {

class GaltMethod : public ContinualMethod {
 public:
  /// `pipelined`: the galt_local variant's defaults (local steps between
  /// refreshes every 10 steps, fixed trust radius).
  GaltMethod(const MethodOptions& o, const ProtocolConfig& p, bool pipelined = false)
      : name_(pipelined ? "galt_local" : "galt") {
    detail::OptionReader r(name_, o);
    period_ = r.count("refresh_period", 10);
    trigger_ = r.positive("trigger", 0.5);
    rho_init_ = r.positive("rho_init", 1.0);
    rule_ = static_cast<int>(r.count("penalty_rule", 0, true));
    growth_ = r.positive("growth", 2.0);
    rho_max_ = r.get("rho_max", -1.0);  // < 0: the optimizer's default
    // The retention rule (the results issue, §5), chosen once on the
    // validation split (selection seeds 100, 101; docs/RESULTS.md,
    // "Retention rule"): memory edges' ρ ceiling 10 and the task loss
    // rehearsing 128 memory rows — the best or within 0.012 of the best at
    // 300 and 2000 it/task on class-IL Fashion and MNIST, where a ceiling
    // alone is right at one length and wrong at the other (1: 0.773 / 0.718
    // on Fashion; 100: 0.763 / 0.759). The safety edge keeps the optimizer's
    // ceiling (hard admissibility, DESIGN §6).
    memory_rho_max_ = r.positive("memory_rho_max", 10.0);
    // memory_rho_ramp 1: the retention edges' ceiling rises geometrically
    // over each task, from rho_init at its first step to memory_rho_max at
    // its last (measured: no better than a fixed ceiling).
    memory_ramp_ = r.flag("memory_rho_ramp", false);
    // rehearsal_batch > 0: the task loss also rehearses that many memory rows
    // (the anchors, with their labels), weighted as replay weighs them —
    // w·L_current + (1 − w)·L_memory, w = 1/(tasks seen). The same memory the
    // retention edges use; class-incremental learning needs the shared head
    // kept trained against the old classes, which output retention alone
    // does not do. Global steps only; 0 turns it off.
    rehearsal_batch_ = r.count("rehearsal_batch", 128, true);
    forward_.tol = r.positive("fwd_tol", 0.05);
    forward_.probe_rows = r.count("fwd_probe", 64);
    local_ = r.flag("local_steps", pipelined);
    trust_radius_ = r.get("trust_radius", -1.0);  // < 0: the optimizer's default
    trace_every_ = r.count("trace_every", 50);
    groups_ = static_cast<int>(r.count("anchor_groups", 1));
    // Edges refreshed every refresh_every steps (linearised in between):
    // 4 cut the wall time by 28 % but lost accuracy (class-IL Fashion, 3
    // seeds, 300 it/task: 0.730 vs 0.812), so the default refreshes each step.
    refresh_every_ = r.count("refresh_every", 1);
    // Rows per anchor set / probe at a refresh (0: all). The protocol's
    // constraint_batch, the rows the loss-based baselines see per step: same
    // accuracy, 1.5× less wall time than all 200 rows per set.
    refresh_rows_ = r.count("refresh_rows", p.constraint_batch, true);
    // Between refreshes the edges are linear stand-ins, whose measured change
    // always equals the prediction: adapting the radius on them only grows it
    // (measured: reference-mnist-reduced seed 1 collapsed to 0.41), so the
    // pipelined variant keeps it fixed.
    adaptive_trust_ = r.flag("adaptive_trust", !pipelined);
    // On by default: measured on classil-fashion seed 0 (300 it/task) 0.743
    // with it vs 0.337 without (docs/RESULTS.md).
    lagrangian_metric_ = r.flag("lagrangian_metric", true);
    fused_ = r.flag("fused", true);
    // safety_dual_rows > 0: the probe's last rows are held out of the safety
    // edge's Jacobian and drive only its multiplier (a proxy edge,
    // ConstraintSelection::probe_dual_rows), so λ keeps growing while the
    // constraint fails on rows the solve never saw (the results issue §3).
    select_.probe_dual_rows = r.count("safety_dual_rows", 0, true);
    r.finish();
    if (rule_ != 0 && rule_ != 1)
      throw InputError("[methods." + name_ + "] penalty_rule = " + std::to_string(rule_) +
                       ": expected 0 (classical) or 1 (AVBD)");
  }

  std::string name() const override { return name_; }

  void begin(TrainingContext& ctx) override {
    rehearsal_.seed(ctx.seed * 31 + 17);
    const auto blocks = ctx.model->blocks();
    std::optional<BlockChain> chain = local_ ? ctx.model->chain() : std::nullopt;
    if (!chain) local_ = false;  // a model that cannot be cut takes global steps only
    if (local_) local_objectives_.emplace(*chain, ctx.num_classes);

    std::vector<torch::optim::OptimizerParamGroup> groups;
    for (size_t v = 0; v < blocks.size(); ++v) {
      std::vector<at::Tensor> ps = blocks[v].params;
      for (const auto& t : blocks[v].params) params_.push_back(t);
      if (local_ && v + 1 < blocks.size())
        for (const auto& t : local_objectives_->head_parameters(v)) {
          ps.push_back(t);
          head_tensors_.push_back(t);
        }
      for (const auto& t : ps) optimizer_tensors_.push_back(t);
      auto opts = std::make_unique<OptimizerOptions>(ctx.protocol->lr);
      opts->weight_decay(ctx.protocol->weight_decay).name(blocks[v].name);
      groups.emplace_back(ps, std::move(opts));
      block_names_.push_back(blocks[v].name);
    }
    SolverOptions solver;
    solver.dual.inner_steps = static_cast<int>(period_);
    solver.dual.rho_init = rho_init_;
    solver.dual.rule = rule_ == 0 ? PenaltyRule::kClassical : PenaltyRule::kAVBD;
    solver.dual.growth = growth_;
    if (rho_max_ > 0) solver.dual.rho_max = rho_max_;
    if (trust_radius_ >= 0) solver.trust.radius = trust_radius_;
    solver.trust.adaptive = adaptive_trust_;
    solver.block.lagrangian_metric = lagrangian_metric_;
    solver.block.fused = fused_;
    opt_ =
        std::make_unique<Optimizer>(std::move(groups), OptimizerOptions(ctx.protocol->lr), solver);

    schedule_ = std::make_shared<RefreshSchedule>(
        RefreshOptions{.period = local_ ? period_ : refresh_every_, .trigger = trigger_});
    linearised_.emplace(params_);
    trace_ = std::make_shared<DualTrace>(trace_every_);
    opt_->add_callback(schedule_);
    opt_->add_callback(linearised_->callback());
    opt_->add_callback(trace_);

    // The protocol's edges that exist from the start (safety), as linearised
    // messages; the retention edges join at each task's end.
    for (auto& e : protocol_constraint_edges(ctx, groups_, select_)) add_linearised(std::move(e));
    if (local_) {
      forward_edges_.emplace(*chain, block_names_, forward_);
      for (auto& e : forward_edges_->edges()) opt_->add_constraint(std::move(e));
    }
  }

  void begin_task(TrainingContext& ctx) override {
    // Warm start of λ, ρ (DESIGN §3); the schedule refreshes the next step.
    if (ctx.task > 0) opt_->begin_task();
  }

  void end_task(TrainingContext& ctx) override {
    for (auto& e : protocol_constraint_edges(ctx, groups_, select_))
      if (!linearised_->tracks(e.name)) add_linearised(std::move(e));
  }

  void train_step(TrainingContext& ctx, const at::Tensor& x, const at::Tensor& y) override {
    const bool refresh = schedule_->next(ctx.step);
    const bool global = !local_ || refresh;
    auto& c = *ctx.counters;
    const OutputLoss loss = [&](const at::Tensor& out, const at::Tensor& target) {
      return masked_cross_entropy(out, target, ctx.loss_mask(target));
    };
    opt_->zero_grad();
    if (global) {
      at::Tensor task, total;
      if (local_) {
        const auto l = local_objectives_->global(x, y, loss);
        task = l.task;
        total = l.total;
        c.local_backward_passes += static_cast<int64_t>(local_objectives_->size());
      } else {
        task = total = loss(ctx.model->forward(x), y);
        if (rehearsal_batch_ > 0) {
          const auto mem = rehearsal_.next(ctx, rehearsal_batch_);
          if (!mem.empty()) {
            task = total = detail::replay_mix(ctx, task, loss(ctx.model->forward(mem.x), mem.y));
            ++c.forward_passes;
          }
        }
      }
      check_finite_loss(task, "task loss");
      total.backward();
      ++c.forward_passes;
      ++c.global_backward_passes;
      ++c.global_steps;
      if (refresh) refresh_edges(ctx, x);
    } else {
      const auto l = local_objectives_->local(x, y, loss);
      check_finite_loss(l.task, "task loss (local step)");
      l.total.backward();  // disjoint graphs: each gradient stays in its block
      ++c.forward_passes;
      c.local_backward_passes += static_cast<int64_t>(local_objectives_->size() + 1);
      ++c.local_steps;
    }
    ++c.steps;
    if (memory_ramp_) ramp_memory_ceilings(ctx);
    opt_->step();
    // Forward-consistency edges were evaluated through their block only.
    if (forward_edges_) {
      c.block_forward_passes += static_cast<int64_t>(forward_edges_->size());
      c.local_backward_passes += static_cast<int64_t>(forward_edges_->size());
    }
  }

  std::vector<EdgeTrace> dual_traces() const override { return trace_->traces(); }

  bool can_checkpoint() const override { return true; }
  // The optimizer (moments, λ/ρ, trust radii, ...), the refresh schedule, the
  // linearised edges' values and Jacobians, the traces, the forward
  // references, the auxiliary heads and the rehearsal stream. The edges
  // themselves are code: load_state re-adds them as end_task did.
  void save_state(state::OutputArchive& a, const TrainingContext&) const override {
    auto nested = [&a](const std::string& key, const auto& part) {
      torch::serialize::OutputArchive sub;
      part.save(sub);
      a.write(key, sub);
    };
    nested("optimizer", *opt_);
    nested("refresh", *schedule_);
    nested("linearised", *linearised_);
    nested("trace", *trace_);
    if (forward_edges_) nested("forward", *forward_edges_);
    state::put_in_place(a, "heads", head_tensors_);
    rehearsal_.save(a, "rehearsal");
  }
  void load_state(state::InputArchive& a, TrainingContext& ctx) override {
    // The retention edges of the finished tasks, in the order end_task added
    // them (so their ids are the saved run's too).
    end_task(ctx);
    auto nested = [&a](const std::string& key, auto& part) {
      torch::serialize::InputArchive sub;
      if (!a.try_read(key, sub)) throw InputError("checkpoint: galt has no '" + key + "' state");
      part.load(sub);
    };
    try {
      nested("optimizer", *opt_);
    } catch (const c10::Error& e) {
      throw InputError(std::string("checkpoint: the galt optimizer's state does not fit: ") +
                       e.what_without_backtrace());
    }
    nested("refresh", *schedule_);
    nested("linearised", *linearised_);
    nested("trace", *trace_);
    if (forward_edges_) nested("forward", *forward_edges_);
    state::get_in_place(a, "heads", head_tensors_);
    rehearsal_.load(a, "rehearsal", ctx);
  }

 private:
  void add_linearised(ConstraintEdge e) {
    const bool memory = e.channel == Channel::kMemory;
    if (memory) e.rho_max = std::max(memory_rho_max_, rho_init_);
    // Feasible (C = 0, inactive) until the first refresh.
    e.message = linearised_->track(e.name, e.margin, optimizer_tensors_);
    const EdgeId id = opt_->add_constraint(std::move(e));
    if (memory) memory_edges_.push_back(id);
  }

  // The ramped ceiling of the retention edges at this step of the task
  // (memory_rho_ramp): rho_init · (memory_rho_max / rho_init)^progress.
  void ramp_memory_ceilings(const TrainingContext& ctx) {
    const int64_t per_task = std::max<int64_t>(ctx.protocol->iterations, 1);
    const double progress = static_cast<double>(ctx.step % per_task) /
                            static_cast<double>(std::max<int64_t>(per_task - 1, 1));
    const double hi = std::max(memory_rho_max_, rho_init_);
    const double ceiling = rho_init_ * std::pow(hi / rho_init_, progress);
    for (const EdgeId id : memory_edges_) {
      auto& d = opt_->duals().dual(id);
      d.rho_max = ceiling;
      d.rho = std::min(d.rho, ceiling);
    }
  }

  // Fresh values and Jacobians of the protocol's edges (one forward, one
  // backward by the per-example trick) on this step's rows, and fresh
  // forward references.
  void refresh_edges(TrainingContext& ctx, const at::Tensor& x) {
    auto& c = *ctx.counters;
    const EdgeFamily fam = protocol_constraint_family(ctx, refresh_rows_, groups_, select_);
    if (!fam.edges.empty()) {
      ComputeCounters work;
      const FamilyJacobians fj = family_jacobians(fam, params_, work);
      c.forward_passes += work.edge_evaluations;
      c.global_backward_passes += work.backward_passes;
      c.jacobian_evaluations += static_cast<int64_t>(fj.slots.size());
      // θ₀ is kept only when messages are read between refreshes.
      linearised_->refresh(fam, fj, local_ || refresh_every_ > 1);
    }
    if (forward_edges_) {
      forward_edges_->refresh(x);
      ++c.forward_passes;
    }
  }

  std::string name_;
  int64_t period_;
  double trigger_, rho_init_, growth_, rho_max_, memory_rho_max_, trust_radius_;
  bool memory_ramp_ = false;
  int64_t rehearsal_batch_ = 0;
  detail::MemorySampler rehearsal_;  // the replay memory's sampler (rows without replacement)
  std::vector<EdgeId> memory_edges_;
  int rule_;
  int groups_;
  int64_t trace_every_, refresh_rows_;
  bool local_;
  bool adaptive_trust_ = true;
  bool lagrangian_metric_ = false;
  bool fused_ = true;
  int64_t refresh_every_ = 1;
  ConstraintSelection select_;  // both kinds; probe_dual_rows from safety_dual_rows
  ForwardEdgeOptions forward_;

  std::vector<std::string> block_names_;
  std::vector<at::Tensor> params_;             // trainable model tensors (no aux heads)
  std::vector<at::Tensor> optimizer_tensors_;  // every tensor of every block, in order
  std::vector<at::Tensor> head_tensors_;       // the auxiliary heads' (local steps)
  std::unique_ptr<Optimizer> opt_;
  std::shared_ptr<RefreshSchedule> schedule_;
  std::shared_ptr<DualTrace> trace_;
  std::optional<LinearisedEdges> linearised_;
  std::optional<LocalObjectives> local_objectives_;
  std::optional<ForwardEdges> forward_edges_;
};

}  // namespace

std::unique_ptr<ContinualMethod> make_galt(const MethodOptions& o, const ProtocolConfig& p) {
  return std::make_unique<GaltMethod>(o, p);
}

std::unique_ptr<ContinualMethod> make_galt_local(const MethodOptions& o, const ProtocolConfig& p) {
  return std::make_unique<GaltMethod>(o, p, /*pipelined=*/true);
}

}  // namespace galt::train
