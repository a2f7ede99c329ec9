// Lagrangian gradient descent–ascent (what constrained-optimisation libraries
// do, DESIGN §8): θ descends on L = task + Σ_e λ_e C_e with the benchmark's
// AdamW; every step each multiplier ascends, λ_e ← max(0, λ_e + dual_lr·C_e).
// The constraints are the protocol's constraint set (protocol_constraints.h),
// the same edge family GALT linearises, evaluated every step by its values()
// on the rows drawn for the step (protocol.constraint_batch per anchor set /
// probe), margins from its edges. No penalty term, no local solve.
// Options ([methods.lagrangian_gda]): dual_lr 0.5, trace_every 50,
// safety_dual_rows 0 (probe rows held out for the safety multiplier only).
#include <torch/torch.h>

#include <cmath>
#include <map>

#include "galt/error.h"
#include "galt/train/protocol_constraints.h"
#include "train/methods/method_common.h"
#include "train/methods/methods.h"
#include "train/training_checks.h"

namespace galt::train {
namespace {

class LagrangianGDA : public ContinualMethod {
 public:
  explicit LagrangianGDA(const MethodOptions& o) {
    detail::OptionReader r("lagrangian_gda", o);
    dual_lr_ = r.positive("dual_lr", 0.5);
    trace_every_ = r.count("trace_every", 50);
    // As GALT's option: the probe's last rows drive only the safety
    // multiplier's ascent (a proxy constraint, protocol_constraints.h).
    select_.probe_dual_rows = r.count("safety_dual_rows", 0, true);
    r.finish();
  }
  std::string name() const override { return "lagrangian_gda"; }
  void begin(TrainingContext& ctx) override {
    opt_ = std::make_unique<torch::optim::AdamW>(detail::trainable_parameters(*ctx.model),
                                                 detail::adamw_options(*ctx.protocol));
  }
  void train_step(TrainingContext& ctx, const at::Tensor& x, const at::Tensor& y) override {
    opt_->zero_grad();
    auto loss = detail::task_loss(ctx, x, y);
    check_finite_loss(loss, "task loss");
    const auto constraints =
        protocol_constraint_family(ctx, ctx.protocol->constraint_batch, 1, select_);
    const auto& edges = constraints.edges;
    std::vector<double> c(edges.size());
    if (!edges.empty()) {
      const auto raw = constraints.values();
      ++ctx.counters->forward_passes;
      std::vector<double> margins, lam;
      for (const auto& e : edges) {
        margins.push_back(e.margin);
        lam.push_back(lambda_[e.name]);
      }
      const auto cval = raw - torch::tensor(margins, raw.options());
      const auto cd = cval.detach().to(torch::kDouble);
      for (size_t e = 0; e < edges.size(); ++e) c[e] = cd[e].item<double>();
      loss = loss + (torch::tensor(lam, raw.options()) * cval).sum();
      check_finite_loss(loss, "Lagrangian");
      // A proxy edge's multiplier ascends on its proxy (at θ before the step,
      // like the others).
      for (size_t e = 0; e < edges.size(); ++e)
        if (edges[e].dual_value) {
          c[e] = edges[e].dual_value() - edges[e].margin;
          ++ctx.counters->forward_passes;
          if (!std::isfinite(c[e]))
            throw InputError("constraint '" + edges[e].name + "': the proxy value is NaN/Inf");
        }
    }
    loss.backward();
    ++ctx.counters->global_backward_passes;
    opt_->step();
    for (size_t e = 0; e < edges.size(); ++e) {  // ascent on λ
      double& l = lambda_[edges[e].name];
      l = std::max(0.0, l + dual_lr_ * c[e]);
      if (ctx.step % trace_every_ == 0) {
        auto& t = traces_[edges[e].name];
        t.name = edges[e].name;
        t.step.push_back(ctx.step);
        t.value.push_back(c[e]);
        t.lambda.push_back(l);
        t.rho.push_back(std::nan(""));
      }
    }
    ++ctx.counters->steps;
    ++ctx.counters->global_steps;
  }
  std::vector<EdgeTrace> dual_traces() const override {
    std::vector<EdgeTrace> out;
    for (const auto& [_, t] : traces_) out.push_back(t);
    return out;
  }
  bool can_checkpoint() const override { return true; }
  void save_state(state::OutputArchive& a, const TrainingContext&) const override {
    detail::save_optimizer(a, "adamw", *opt_);
    std::vector<double> lam;
    int64_t i = 0;
    for (const auto& [name, l] : lambda_) {
      state::put_string(a, "lambda_name" + std::to_string(i++), name);
      lam.push_back(l);
    }
    state::put_doubles(a, "lambda", lam);
    state::put_int(a, "traces", static_cast<int64_t>(traces_.size()));
    i = 0;
    for (const auto& [_, t] : traces_) state::put_trace(a, "trace" + std::to_string(i++), t);
  }
  void load_state(state::InputArchive& a, TrainingContext&) override {
    detail::load_optimizer(a, "adamw", *opt_);
    const auto lam = state::get_doubles(a, "lambda");
    std::map<std::string, double> lambda;
    for (size_t i = 0; i < lam.size(); ++i)
      lambda[state::get_string(a, "lambda_name" + std::to_string(i))] = lam[i];
    std::map<std::string, EdgeTrace> traces;
    const int64_t n = state::get_int(a, "traces");
    for (int64_t i = 0; i < n; ++i) {
      auto t = state::get_trace(a, "trace" + std::to_string(i));
      traces[t.name] = std::move(t);
    }
    lambda_ = std::move(lambda);
    traces_ = std::move(traces);
  }

 private:
  double dual_lr_;
  int64_t trace_every_;
  ConstraintSelection select_;
  std::map<std::string, double> lambda_;
  std::map<std::string, EdgeTrace> traces_;
  std::unique_ptr<torch::optim::AdamW> opt_;
};

}  // namespace

std::unique_ptr<ContinualMethod> make_lagrangian_gda(const MethodOptions& o,
                                                     const ProtocolConfig&) {
  return std::make_unique<LagrangianGDA>(o);
}

}  // namespace galt::train
