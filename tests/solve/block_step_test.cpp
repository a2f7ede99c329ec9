// block_step: one block's step from its messages (DESIGN §2, §4).
#include "galt/solve/block_step.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "galt/error.h"

namespace galt {
namespace {

BlockEdgeMessage message(int64_t id, double value, double lambda, double rho, const at::Tensor& j) {
  BlockEdgeMessage m;
  m.edge = EdgeId{id};
  m.value = value;
  m.lambda = lambda;
  m.rho = rho;
  m.active = lambda + rho * value > 0;
  m.jacobian = {JacobianRow{j.reshape({1, -1}), 0}};
  return m;
}

TEST(BlockStep, WithoutMessagesIsAdamWBitForBit) {
  torch::manual_seed(1);
  auto w = torch::randn({7, 5}).requires_grad_(true);
  auto ref = w.detach().clone().requires_grad_(true);
  Block block("b", {w});
  torch::optim::AdamW adamw({ref}, torch::optim::AdamWOptions(1e-2).weight_decay(0.1));
  const AdamWOptions hp{1e-2, 0.9, 0.999, 1e-8, 0.1};
  for (int i = 0; i < 20; ++i) {
    const auto g = torch::randn({7, 5});
    w.mutable_grad() = g.clone();
    ref.mutable_grad() = g.clone();
    const auto r = block_step(block, hp, {}, TrustRegion());
    adamw.step();
    EXPECT_FALSE(r.solved);
    ASSERT_TRUE(torch::equal(w, ref)) << "step " << i;
  }
}

// With one block and active messages the step solves the normal equations
// (A + UᵀRU) s = A s0 − Uᵀ f exactly (§2.1): compare with a dense solve.
TEST(BlockStep, SolvesTheNormalEquationsOfItsMessages) {
  for (bool fused : {false, true}) {
    torch::manual_seed(2);
    const int64_t d = 40;
    auto w = torch::randn({d}).requires_grad_(true);
    Block block("b", {w});
    const AdamWOptions hp{1e-2, 0.9, 0.999, 1e-8, 0.0};
    w.mutable_grad() = torch::randn({d});
    auto j1 = torch::randn({d}), j2 = torch::randn({d});
    const auto before = w.detach().clone();
    std::vector<BlockEdgeMessage> in{message(0, 0.3, 0.5, 2.0, j1), message(1, -0.2, 1.0, 1.0, j2)};
    BlockStepOptions o;
    o.metric_floor = 0;
    o.fused = fused;
    o.fused_min_per_edge = 0;
    const auto r = block_step(block, hp, in, TrustRegion({.radius = 0}), o);
    EXPECT_TRUE(r.solved);
    EXPECT_EQ(r.stats.fused, fused);
    // Reference: AdamW's first step s0 and A = D/η from the same moments.
    const auto g = w.grad().to(torch::kFloat64);
    const auto m = 0.1 * g, v = 0.001 * g * g;
    const auto D = (v / 0.001).sqrt() + 1e-8;
    const auto s0 = -1e-2 * (m / 0.1) / D;
    const auto A = D / 1e-2;
    const auto U = torch::stack({j1, j2}).to(torch::kFloat64);
    const auto f = torch::tensor({0.5 + 2.0 * 0.3, 1.0 - 0.2}, torch::kFloat64);
    const auto R = torch::diag(torch::tensor({2.0, 1.0}, torch::kFloat64));
    const auto H = torch::diag(A) + U.t().mm(R).mm(U);
    const auto b = A * s0 - U.t().mv(f);
    const auto s = torch::linalg::solve(H, b.unsqueeze(1), true).squeeze(1);
    const auto got = (w.detach() - before).to(torch::kFloat64);
    EXPECT_LT(((got - s).norm() / s.norm()).item<double>(), 1e-4) << "fused " << fused;
    // Its predictions are U s.
    const auto us = U.mv(s);
    EXPECT_NEAR(r.predicted_change[0], us[0].item<double>(), 1e-4 * us.abs().max().item<double>());
    EXPECT_NEAR(r.predicted_change[1], us[1].item<double>(), 1e-4 * us.abs().max().item<double>());
  }
}

TEST(BlockStep, InactiveMessagesOnlyReceiveTheirPrediction) {
  torch::manual_seed(3);
  auto w = torch::randn({10}).requires_grad_(true);
  auto ref = w.detach().clone().requires_grad_(true);
  Block block("b", {w});
  torch::optim::AdamW adamw({ref}, torch::optim::AdamWOptions(1e-2));
  const auto g = torch::randn({10});
  w.mutable_grad() = g.clone();
  ref.mutable_grad() = g.clone();
  const auto j = torch::randn({10});
  const auto before = w.detach().clone();
  const auto r = block_step(block, AdamWOptions{1e-2}, {message(0, -1.0, 0.0, 1.0, j)}, TrustRegion());
  adamw.step();
  EXPECT_FALSE(r.solved);
  EXPECT_TRUE(torch::equal(w, ref));
  EXPECT_NEAR(r.predicted_change[0], torch::dot(j, w.detach() - before).item<double>(), 1e-6);
}

TEST(BlockStep, ClipsTheCorrectionToTheTrustedRegion) {
  for (bool fused : {false, true}) {
    auto w = torch::zeros({16}).requires_grad_(true);
    Block block("b", {w});
    w.mutable_grad() = torch::ones({16});
    BlockStepOptions o;
    o.fused = fused;
    o.fused_min_per_edge = 0;
    const TrustRegion tr({.radius = 0.5});
    const auto r = block_step(block, AdamWOptions{1e-2, 0.9, 0.999, 1e-8, 0.0},
                              {message(0, 100.0, 0.0, 1.0, torch::ones({16}))}, tr, o);
    EXPECT_TRUE(r.stats.clipped);
    EXPECT_GT(r.stats.correction_norm, tr.bound(1e-2, 16));
    // s = s0 − clipped correction; s0 = −η per coordinate on the first step.
    const double corr = (w.detach() + 1e-2).norm().item<double>();
    EXPECT_NEAR(corr, tr.bound(1e-2, 16), 1e-6);
  }
}

TEST(BlockStep, MalformedMessageIsAClearErrorAndUpdatesNothing) {
  auto w = torch::zeros({4}).requires_grad_(true);
  Block block("b", {w});
  w.mutable_grad() = torch::ones({4});
  auto bad = message(0, 1.0, 1.0, 1.0, torch::ones({5}));  // 5 entries for a 4-entry tensor
  EXPECT_THROW(block_step(block, AdamWOptions{}, {bad}, TrustRegion()), InputError);
  bad.jacobian.clear();  // no tensor at all
  EXPECT_THROW(block_step(block, AdamWOptions{}, {bad}, TrustRegion()), InputError);
  EXPECT_TRUE(torch::equal(w, torch::zeros({4})));
  EXPECT_EQ(block.state()[0].step, 0);
}

}  // namespace
}  // namespace galt
