// The four training loops of `galt bench constrained` (constrained_methods.h).
// python/galt/bench_constrained.py is the same loop in Python; keep the two
// in step (the order of operations and of random draws matters: they agree
// bit for bit, tests/bench/constrained).
#include "bench/constrained/constrained_methods.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "bench/constrained/recall_problem.h"
#include "galt/error.h"
#include "galt/graph/rate_constraints.h"
#include "galt/solve/optimizer.h"

namespace galt::bench {
namespace {

// The per-method part of one step: what is added to the loss before
// backward, and what happens after the optimizer's step.
struct Method {
  virtual ~Method() = default;
  virtual torch::optim::Optimizer& optimizer() = 0;
  virtual at::Tensor loss(const at::Tensor& ce, const at::Tensor& logits, const at::Tensor& yb,
                          const at::Tensor& xb, double r) = 0;
  virtual void after_step(double r) = 0;
  virtual double lambda() const = 0;
};

struct AdamMethod : Method {
  explicit AdamMethod(torch::nn::Sequential& m)
      : adam(m->parameters(), torch::optim::AdamOptions(kLearningRate)) {}
  torch::optim::Optimizer& optimizer() override { return adam; }
  at::Tensor loss(const at::Tensor& ce, const at::Tensor&, const at::Tensor&, const at::Tensor&,
                  double) override {
    return ce;
  }
  void after_step(double) override {}
  double lambda() const override { return 0.0; }
  torch::optim::Adam adam;
};

// GDA and ALM: Adam on CE + f·C_s with f = λ (GDA) or max(0, λ + ρ(0.95 − r))
// (ALM), then λ ← max(0, λ + step·(0.95 − r)).
struct DualAscentMethod : AdamMethod {
  DualAscentMethod(torch::nn::Sequential& m, double step, bool penalty)
      : AdamMethod(m), step(step), penalty(penalty) {}
  at::Tensor loss(const at::Tensor& ce, const at::Tensor& logits, const at::Tensor& yb,
                  const at::Tensor&, double r) override {
    const double f = penalty ? std::max(0.0, lam + step * (kRecallBound - r)) : lam;
    return ce + f * surrogate_violation(logits, yb);
  }
  void after_step(double r) override { lam = std::max(0.0, lam + step * (kRecallBound - r)); }
  double lambda() const override { return lam; }
  double step;
  bool penalty;
  double lam = 0.0;
};

struct GaltMethod : Method {
  GaltMethod(torch::nn::Sequential& m, const Setting& s) : model(m) {
    SolverOptions solver;
    solver.dual.inner_steps = static_cast<int>(s.at("inner_steps"));
    solver.dual.rho_max = s.at("rho_max");
    opt = std::make_unique<Optimizer>(m->parameters(),
                                      OptimizerOptions(kLearningRate).weight_decay(0.0), solver);
    opt->add_constraint(recall_at_least("recall0", kRecallClass, kRecallBound, [this] {
      return RateBatch{model->forward(x0), y0, {}};
    }));
  }
  torch::optim::Optimizer& optimizer() override { return *opt; }
  at::Tensor loss(const at::Tensor& ce, const at::Tensor&, const at::Tensor& yb,
                  const at::Tensor& xb, double) override {
    const auto positive = yb.eq(kRecallClass);
    x0 = xb.index({positive});
    y0 = yb.index({positive});
    return ce;
  }
  void after_step(double) override {}
  double lambda() const override { return opt->last_stats().edges.at(0).lambda; }
  torch::nn::Sequential& model;
  std::unique_ptr<Optimizer> opt;
  at::Tensor x0, y0;  // the current batch's class-0 rows: the edge's rows
};

std::unique_ptr<Method> make_method(const std::string& name, const Setting& s,
                                    torch::nn::Sequential& model) {
  for (const auto& key : setting_keys(name))
    if (!s.count(key))
      throw InputError("bench constrained: method '" + name + "' needs the setting '" + key + "'");
  if (name == "adam") return std::make_unique<AdamMethod>(model);
  if (name == "gda") return std::make_unique<DualAscentMethod>(model, s.at("dual_lr"), false);
  if (name == "alm") return std::make_unique<DualAscentMethod>(model, s.at("rho"), true);
  return std::make_unique<GaltMethod>(model, s);
}

}  // namespace

const std::vector<std::string>& constrained_method_names() {
  static const std::vector<std::string> names{"adam", "gda", "alm", "galt"};
  return names;
}

const std::vector<std::string>& setting_keys(const std::string& method) {
  static const std::map<std::string, std::vector<std::string>> keys{
      {"adam", {}}, {"gda", {"dual_lr"}}, {"alm", {"rho"}}, {"galt", {"inner_steps", "rho_max"}}};
  auto it = keys.find(method);
  if (it == keys.end())
    throw InputError("bench constrained: unknown method '" + method + "' (adam, gda, alm, galt)");
  return it->second;
}

ConstrainedRun run_constrained(const std::string& method, const Setting& setting, uint64_t seed,
                               const data::Dataset& train, const data::Dataset& evaluation,
                               int epochs) {
  torch::manual_seed(seed);
  auto model = make_mlp();
  auto m = make_method(method, setting, model);
  ConstrainedRun run;
  run.seed = seed;
  const int64_t n = train.size();
  const int64_t steps_per_epoch = (n + kBatch - 1) / kBatch;
  std::vector<double> recalls;
  double seconds = 0.0;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    const auto order = torch::randperm(n, torch::kLong);
    const auto start = std::chrono::steady_clock::now();
    for (int64_t b = 0; b < steps_per_epoch; ++b) {
      const auto i = order.slice(0, b * kBatch, std::min(n, (b + 1) * kBatch));
      const auto xb = train.images.index({i}), yb = train.labels.index({i});
      m->optimizer().zero_grad();
      const auto logits = model->forward(xb);
      const auto ce = torch::nn::functional::cross_entropy(logits, yb);
      const double r = batch_recall(logits.detach(), yb);
      m->loss(ce, logits, yb, xb, r).backward();
      m->optimizer().step();
      m->after_step(r);
      recalls.push_back(r);
      if (recalls.size() % kLambdaTraceEvery == 0) run.lambda_trace.push_back(m->lambda());
    }
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  const auto eval = evaluate(model, evaluation);
  run.eval_accuracy = eval.accuracy;
  run.eval_recall = eval.recall;
  run.train_recall_last = evaluate(model, train).recall;
  double last = 0.0;
  for (size_t k = recalls.size() - steps_per_epoch; k < recalls.size(); ++k) last += recalls[k];
  run.recall_last_epoch = last / static_cast<double>(steps_per_epoch);
  run.seconds_per_epoch = seconds / epochs;
  return run;
}

}  // namespace galt::bench
