// Callbacks (ensmallen's shape): named hooks in order, stop requests, and
// the λ/ρ trace keyed by stable edge ids.
#include "galt/solve/callbacks.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "galt/error.h"
#include "galt/solve/optimizer.h"

namespace galt {
namespace {

struct Recorder : OptimizerCallback {
  std::vector<std::string> log;
  int64_t stop_at = -1;
  void begin_task(const Optimizer&, int task) override { log.push_back("task" + std::to_string(task)); }
  void outer_update(const Optimizer&, const StepStats& s) override {
    log.push_back("outer" + std::to_string(s.step));
  }
  bool step_taken(const Optimizer&, const StepStats& s) override {
    log.push_back("step" + std::to_string(s.step));
    return s.step == stop_at;
  }
};

TEST(Callbacks, HooksFireInOrderAndStopIsARequest) {
  auto x = torch::ones({3}).requires_grad_(true);
  SolverOptions so;
  so.dual.inner_steps = 2;
  Optimizer opt({x}, OptimizerOptions(1e-2), so);
  opt.add_constraint({.name = "c", .value = [&] { return x.sum() - 1.0; }});
  auto rec = std::make_shared<Recorder>();
  rec->stop_at = 3;
  opt.add_callback(rec);
  opt.begin_task();
  for (int i = 0; i < 4; ++i) {
    opt.zero_grad();
    x.pow(2).sum().backward();
    opt.step();
  }
  // The outer update runs at the start of step K_in + 1 = 3.
  EXPECT_EQ(rec->log, (std::vector<std::string>{"task0", "step1", "step2", "outer3", "step3", "step4"}));
  EXPECT_TRUE(opt.stop_requested());  // the optimizer never stops a loop itself
  opt.clear_stop();
  EXPECT_FALSE(opt.stop_requested());
  EXPECT_THROW(opt.add_callback(nullptr), InputError);
}

TEST(Callbacks, DualTraceFollowsEdgesByIdAcrossRemoval) {
  auto x = torch::ones({3}).requires_grad_(true);
  Optimizer opt({x}, OptimizerOptions(1e-2));
  const EdgeId a = opt.add_constraint({.name = "a", .value = [&] { return x.sum() - 1.0; }});
  opt.add_constraint({.name = "b", .value = [&] { return x.sum() - 2.0; }});
  auto trace = std::make_shared<DualTrace>(1);
  opt.add_callback(trace);
  auto run = [&](int n) {
    for (int i = 0; i < n; ++i) {
      opt.zero_grad();
      x.pow(2).sum().backward();
      opt.step();
    }
  };
  run(3);
  const DualValue saved = opt.remove_constraint(a);
  run(2);
  opt.add_constraint({.name = "a", .lambda_init = saved.lambda, .rho_init = saved.rho,
                      .value = [&] { return x.sum() - 1.0; }});
  run(2);
  const auto t = trace->traces();
  ASSERT_EQ(t.size(), 3u);  // a, b, and the re-added a (a new id: a new series)
  EXPECT_EQ(t[0].name, "a");
  EXPECT_EQ(t[0].step, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(t[1].name, "b");
  EXPECT_EQ(t[1].step.size(), 7u);
  EXPECT_EQ(t[2].name, "a");
  EXPECT_EQ(t[2].step, (std::vector<int64_t>{6, 7}));
  EXPECT_DOUBLE_EQ(t[2].lambda.front(), saved.lambda);
}

TEST(Optimizer, RemovingAnEdgeKeepsTheOthersDualsAndHistory) {
  auto x = torch::ones({3}).requires_grad_(true);
  Optimizer opt({x}, OptimizerOptions(1e-2));
  const EdgeId a = opt.add_constraint({.name = "a", .value = [&] { return x.sum() - 1.0; }});
  const EdgeId b = opt.add_constraint({.name = "b", .value = [&] { return x.sum() - 0.5; }});
  opt.duals().options().inner_steps = 1;
  for (int i = 0; i < 5; ++i) {
    opt.zero_grad();
    x.pow(2).sum().backward();
    opt.step();
  }
  const DualValue before = opt.dual_value(b);
  EXPECT_GT(before.lambda, 0.0);
  opt.remove_constraint(a);
  EXPECT_DOUBLE_EQ(opt.dual_value(b).lambda, before.lambda);
  EXPECT_THROW(opt.dual_value(a), InputError);
  EXPECT_EQ(opt.find_constraint("b"), b);
  opt.zero_grad();
  x.pow(2).sum().backward();
  opt.step();
  // b's history survived a's removal: its measured change is known.
  const auto& es = opt.last_stats().edges.at(0);
  EXPECT_EQ(es.id, b);
  EXPECT_TRUE(std::isfinite(es.measured_change));
}

}  // namespace
}  // namespace galt
