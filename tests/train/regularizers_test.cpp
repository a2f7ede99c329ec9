// EWC/SI penalties vanish at their anchor point; the A-GEM projection of an
// update leaves no ascent direction on the memory loss; the ER + KD
// distillation term is the tempered KL over the anchor's classes.
#include "train/methods/regularizers.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "galt/train/constraints.h"
#include "galt/train/continual_method.h"

namespace galt::train {
namespace {

TEST(Regularizers, QuadraticPenaltyIsZeroAtTheAnchor) {
  torch::manual_seed(0);
  std::vector<at::Tensor> params{torch::randn({4, 3}).requires_grad_(),
                                 torch::randn({3}).requires_grad_()};
  std::vector<at::Tensor> anchor{params[0].detach().clone(), params[1].detach().clone()};
  std::vector<at::Tensor> omega{torch::rand({4, 3}), torch::rand({3})};
  const auto at_anchor = detail::quadratic_penalty(params, anchor, omega);
  EXPECT_EQ(at_anchor.item<double>(), 0.0);
  at_anchor.backward();
  EXPECT_EQ(params[0].grad().abs().max().item<double>(), 0.0);
  // Away from the anchor it is positive, and the empty importance is zero.
  anchor[0] = anchor[0] + 0.1;
  EXPECT_GT(detail::quadratic_penalty(params, anchor, omega).item<double>(), 0.0);
  EXPECT_EQ(detail::quadratic_penalty(params, anchor, {}).item<double>(), 0.0);
}

TEST(Regularizers, AgemUpdateProjectionLeavesNoAscentOnTheMemoryLoss) {
  torch::manual_seed(1);
  int projected = 0;
  for (int i = 0; i < 50; ++i) {
    const auto d = torch::randn({20}, torch::kDouble), ref = torch::randn({20}, torch::kDouble);
    const auto out = detail::agem_project_update(d, ref);
    EXPECT_LE(torch::dot(out, ref).item<double>(), 1e-10);
    if (torch::dot(d, ref).item<double>() > 0) {
      ++projected;
      EXPECT_NEAR(torch::dot(out, ref).item<double>(), 0.0, 1e-10);
      // Only the component along g_ref is removed.
      EXPECT_TRUE(torch::allclose(out - d, (out - d).dot(ref) / ref.dot(ref) * ref));
    } else {
      EXPECT_TRUE(torch::equal(out, d));
    }
  }
  EXPECT_GT(projected, 0);
  EXPECT_LT(projected, 50);
}

TEST(Regularizers, DistillationKLIsZeroAtTheStoredLogitsAndIgnoresMaskedClasses) {
  torch::manual_seed(4);
  const auto stored = torch::randn({6, 10});
  auto mask = torch::zeros({10}, torch::kBool);
  mask.narrow(0, 0, 4).fill_(true);
  EXPECT_NEAR(detail::distillation_kl(stored, stored, mask, 2.0).item<double>(), 0.0, 1e-6);
  // Classes outside the mask do not count; inside, moving away raises it.
  auto outside = stored.clone();
  outside.narrow(1, 4, 6).add_(10.0);
  EXPECT_NEAR(detail::distillation_kl(outside, stored, mask, 2.0).item<double>(), 0.0, 1e-6);
  auto inside = stored.clone();
  inside.select(1, 0).add_(3.0);
  const double kd = detail::distillation_kl(inside, stored, mask, 2.0).item<double>();
  EXPECT_GT(kd, 0.05);
  // It is T²·KL of the tempered softmaxes, computed here by hand for row 0.
  const auto p = torch::softmax(stored.narrow(1, 0, 4) / 2.0, 1);
  const auto q = torch::softmax(inside.narrow(1, 0, 4) / 2.0, 1);
  const double by_hand = 4.0 * (p * (p.log() - q.log())).sum(1).mean().item<double>();
  EXPECT_NEAR(kd, by_hand, 1e-5);
  // A per-row mask [n, C] gives the same as the shared one.
  const auto rows = mask.unsqueeze(0).expand({6, 10});
  EXPECT_NEAR(detail::distillation_kl(inside, stored, rows, 2.0).item<double>(), kd, 1e-7);
}

TEST(Constraints, TaskIncrementalLossMaskIsTheRowsOwnTask) {
  ProtocolConfig p;
  p.scenario = Scenario::kTaskIncremental;
  p.classes_per_task = 2;
  TrainingContext ctx;
  ctx.protocol = &p;
  ctx.num_classes = 10;
  const auto y = torch::tensor({0, 1, 2, 3, 9}, torch::kLong);
  const auto mask = ctx.loss_mask(y);
  ASSERT_EQ(mask.sizes(), (std::vector<int64_t>{5, 10}));
  const std::vector<std::pair<int, int>> own{{0, 1}, {0, 1}, {2, 3}, {2, 3}, {8, 9}};
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 10; ++c)
      EXPECT_EQ(mask[r][c].item<bool>(), c == own[r].first || c == own[r].second) << r << "," << c;
}

TEST(Constraints, RetentionKLIsZeroForTheFrozenModel) {
  torch::manual_seed(2);
  const auto logits = torch::randn({5, 10});
  auto mask = torch::zeros({10}, torch::kBool);
  mask.narrow(0, 0, 4).fill_(true);
  const auto target = torch::softmax(masked_logits(logits, mask), 1) * mask.to(torch::kFloat);
  EXPECT_NEAR(retention_kl(logits, target, mask).item<double>(), 0.0, 1e-6);
  // A new class stealing mass raises the KL.
  auto wider = mask.clone();
  wider[5] = true;
  auto shifted = logits.clone();
  shifted.select(1, 5).fill_(5.0);
  EXPECT_GT(retention_kl(shifted, target, wider).item<double>(), 0.5);
  EXPECT_NEAR(forbidden_mass(torch::zeros({3, 10}), 9).item<double>(), 0.1, 1e-6);
}

}  // namespace
}  // namespace galt::train
