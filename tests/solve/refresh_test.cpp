// The refresh machinery of the library (DESIGN §4): the schedule, linearised
// edges as messages, forward-consistency edges, local objectives.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <stdexcept>

#include "galt/error.h"
#include "galt/graph/linear_tap.h"
#include "galt/solve/forward_edges.h"
#include "galt/solve/linearised_edges.h"
#include "galt/solve/local_objectives.h"
#include "galt/solve/optimizer.h"
#include "galt/solve/refresh_schedule.h"

namespace galt {
namespace {

TEST(RefreshSchedule, EveryPeriodAtTaskStartsAndOnATrigger) {
  auto x = torch::ones({2}).requires_grad_(true);
  Optimizer opt({x}, OptimizerOptions(1e-2));
  double c = -1.0;
  opt.add_constraint({.name = "c", .value = [&] { return x.sum() * 0 + c; }});
  auto rs = std::make_shared<RefreshSchedule>(RefreshOptions{.period = 3, .trigger = 0.5});
  opt.add_callback(rs);
  std::string seen;
  auto run = [&](int64_t from, int64_t n) {
    for (int64_t s = from; s < from + n; ++s) {
      seen += rs->next(s) ? 'R' : '.';
      opt.zero_grad();
      x.sum().backward();
      opt.step();
    }
  };
  run(0, 7);
  EXPECT_EQ(seen, "R..R..R");
  opt.begin_task();  // a task start refreshes the next step
  run(7, 2);
  EXPECT_EQ(seen, "R..R..RR.");
  c = 0.8;  // above the trigger: the step after it refreshes
  run(9, 1);
  c = -1.0;
  run(10, 2);
  EXPECT_EQ(seen, "R..R..RR.RR.");
  EXPECT_EQ(rs->refreshes(), 6);
  EXPECT_THROW(RefreshSchedule({.period = 0}), InputError);
}

// min ½‖w − a‖² with a nonlinear edge seen through its linearisation.
TEST(LinearisedEdges, MessagesAreTheLinearisationAtTheLastRefresh) {
  auto w = torch::full({4}, 0.5).requires_grad_(true);
  Optimizer opt({w}, OptimizerOptions(1e-2).weight_decay(0));
  LinearisedEdges lin({w});
  opt.add_callback(lin.callback());
  opt.add_constraint({.name = "sq", .margin = 10.0, .message = lin.track("sq", 10.0, {w})});
  auto refresh = [&] {
    auto v = w.pow(2).sum();
    auto g = torch::autograd::grad({v}, {w})[0];
    lin.refresh({"sq"}, {v.item<double>()}, {{g}});
  };
  refresh();
  const auto w0 = w.detach().clone();
  const double c0 = w0.pow(2).sum().item<double>();
  for (int i = 0; i < 3; ++i) {
    opt.zero_grad();
    (w - 2.0).pow(2).sum().backward();
    opt.step();
  }
  // The value the optimizer sees at the next step: C(θ₀) + J₀·(θ − θ₀), not
  // the true value of the nonlinear edge.
  const double lin_now = c0 + torch::dot(2 * w0, w.detach() - w0).item<double>();
  const double true_now = w.detach().pow(2).sum().item<double>();
  opt.zero_grad();
  (w - 2.0).pow(2).sum().backward();
  opt.step();
  EXPECT_NEAR(opt.last_stats().edges[0].value + 10.0, lin_now, 1e-5);
  EXPECT_GT(std::abs(true_now - lin_now), 1e-6);  // it really is a linearisation
  EXPECT_EQ(opt.counters().backward_passes, 0);    // messages cost no pass
  EXPECT_EQ(lin.refreshes(), 1);
}

TEST(LinearisedEdges, BadRefreshesAreClearErrors) {
  auto w = torch::zeros({3}).requires_grad_(true);
  LinearisedEdges lin({w});
  auto msg = lin.track("a", 0.0, {w});
  lin.track("b", 0.0, {w});
  EXPECT_THROW(lin.track("a", 0.0, {w}), InputError);
  EXPECT_THROW(lin.refresh({"nope"}, {1.0}, {{torch::ones({3})}}), InputError);
  EXPECT_THROW(lin.refresh({"a"}, {std::nan("")}, {{torch::ones({3})}}), InputError);
  EXPECT_THROW(lin.refresh({"a"}, {1.0}, {{torch::ones({4})}}), InputError);
  lin.refresh({"a", "b"}, {1.0, 2.0}, {{torch::ones({3})}, {torch::ones({3})}});
  // Leaving a linearised edge out of a refresh would silently move its θ₀.
  EXPECT_THROW(lin.refresh({"a"}, {1.0}, {{torch::ones({3})}}), InputError);
  // A refresh that keeps no θ₀ may not be read off its point.
  lin.refresh({"a", "b"}, {1.0, 2.0}, {{torch::ones({3})}, {torch::ones({3})}}, false);
  EXPECT_DOUBLE_EQ(msg().value, 1.0);  // still at the refresh point
  Optimizer opt({w});
  lin.callback()->step_taken(opt, StepStats{});  // θ moved
  EXPECT_THROW(msg(), std::logic_error);
}

TEST(ForwardEdges, MeasureTheDriftOfOneBlockFromItsReference) {
  torch::manual_seed(1);
  auto w1 = torch::randn({5, 4}).requires_grad_(true), w2 = torch::randn({3, 5}).requires_grad_(true);
  BlockChain chain;
  chain.stages = {[&](const at::Tensor& z) { return torch::relu(z.mm(w1.t())); },
                  [&](const at::Tensor& z) { return z.mm(w2.t()); }};
  chain.out_dim = {5, 3};
  ForwardEdges fwd(chain, {"a", "b"}, {.tol = 0.05, .probe_rows = 8});
  auto edges = fwd.edges();
  ASSERT_EQ(edges.size(), 1u);  // inner blocks only
  EXPECT_EQ(edges[0].blocks, std::vector<std::string>{"a"});
  EXPECT_EQ(edges[0].channel, Channel::kForward);
  EXPECT_NEAR(edges[0].value().item<double>() - edges[0].margin, -1.0, 1e-6);  // no reference yet
  fwd.refresh(torch::randn({20, 4}));
  EXPECT_NEAR(edges[0].value().item<double>(), 0.0, 1e-12);  // at the reference
  {
    torch::NoGradGuard g;
    w2.add_(1.0);  // the downstream block does not change block a's drift
  }
  EXPECT_NEAR(edges[0].value().item<double>(), 0.0, 1e-12);
  {
    torch::NoGradGuard g;
    w1.mul_(1.5);
  }
  EXPECT_GT(edges[0].value().item<double>(), 0.1);
  EXPECT_THROW(ForwardEdges(chain, {"a"}), InputError);
}

TEST(LocalObjectives, LocalStepsKeepEachGradientInItsBlock) {
  torch::manual_seed(2);
  auto w1 = torch::randn({6, 4}).requires_grad_(true), w2 = torch::randn({3, 6}).requires_grad_(true);
  BlockChain chain;
  chain.stages = {[&](const at::Tensor& z) { return torch::relu(z.mm(w1.t())); },
                  [&](const at::Tensor& z) { return z.mm(w2.t()); }};
  chain.out_dim = {6, 3};
  LocalObjectives local(chain, 3);
  ASSERT_EQ(local.size(), 1u);
  const auto head = local.head_parameters(0);
  const auto x = torch::randn({10, 4});
  const auto y = torch::randint(0, 3, {10});
  const OutputLoss ce = [](const at::Tensor& o, const at::Tensor& t) {
    return torch::nn::functional::cross_entropy(o, t);
  };
  // Local: block a's gradient is its auxiliary head's loss gradient alone.
  local.local(x, y, ce).total.backward();
  const auto g_local = w1.grad().clone();
  w1.mutable_grad().reset();
  w2.mutable_grad().reset();
  const auto h = torch::relu(x.mm(w1.t()));
  torch::nn::functional::cross_entropy(torch::nn::functional::linear(h, head[0], head[1]), y)
      .backward();
  EXPECT_TRUE(torch::allclose(g_local, w1.grad()));
  w1.mutable_grad().reset();
  // Global: block a's gradient is the end-to-end task loss's.
  for (auto& p : head) p.mutable_grad().reset();
  local.global(x, y, ce).total.backward();
  const auto g_global = w1.grad().clone();
  w1.mutable_grad().reset();
  ce(chain.forward(x), y).backward();
  EXPECT_TRUE(torch::allclose(g_global, w1.grad()));
  EXPECT_FALSE(torch::allclose(g_global, g_local));
}

}  // namespace
}  // namespace galt
