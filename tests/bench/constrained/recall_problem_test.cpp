// The recall-constrained problem's pieces (bench/constrained/recall_problem.h)
// and the benchmark's input checks.
#include "bench/constrained/recall_problem.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "bench/constrained/constrained_benchmark.h"
#include "galt/error.h"

namespace galt::bench {
namespace {

data::Dataset toy(int64_t per_class) {
  data::Dataset d;
  d.labels = torch::arange(10, torch::kLong).repeat({per_class});
  d.images = torch::rand({d.labels.size(0), 784});
  d.num_classes = 10;
  return d;
}

TEST(RecallProblem, ValidationSplitIsStratifiedDisjointAndSeeded) {
  const auto d = toy(40);
  const auto a = validation_split(d, 0.1, 0), b = validation_split(d, 0.1, 0),
             c = validation_split(d, 0.1, 1);
  ASSERT_EQ(a.validation.size(), 40);
  ASSERT_EQ(a.fit.size(), 360);
  for (int64_t k = 0; k < 10; ++k) EXPECT_EQ(a.validation.labels.eq(k).sum().item<int64_t>(), 4);
  EXPECT_TRUE(torch::equal(a.validation.images, b.validation.images));
  EXPECT_FALSE(torch::equal(a.validation.images, c.validation.images));
  // Disjoint: every validation row is absent from the fit rows.
  const auto dist = torch::cdist(a.validation.images, a.fit.images);
  EXPECT_GT(dist.min().item<double>(), 0.0);
}

TEST(RecallProblem, BatchRecallCountsArgmaxAndIsVacuousWithoutPositives) {
  // Rows 0, 1 are class 0: row 0 is predicted 0, row 1 predicted 3.
  auto logits = torch::zeros({3, 10});
  logits[0][0] = 5;
  logits[1][3] = 5;
  logits[2][0] = 5;
  EXPECT_DOUBLE_EQ(batch_recall(logits, torch::tensor({0, 0, 4}, torch::kLong)), 0.5);
  EXPECT_DOUBLE_EQ(batch_recall(logits, torch::tensor({1, 2, 4}, torch::kLong)), 1.0);
}

TEST(RecallProblem, SurrogateIsTheBoundMinusTheMeanProbability) {
  auto logits = torch::zeros({2, 10}, torch::kFloat64).requires_grad_(true);
  const auto c = surrogate_violation(logits, torch::tensor({0, 5}, torch::kLong));
  EXPECT_NEAR(c.item<double>(), kRecallBound - 0.1, 1e-12);  // uniform: p_0 = 0.1
  c.backward();
  EXPECT_LT(logits.grad()[0][0].item<double>(), 0.0);           // raising logit 0 lowers C
  EXPECT_EQ(logits.grad()[1].abs().sum().item<double>(), 0.0);  // a class-5 row: no part
  const auto none = surrogate_violation(logits, torch::tensor({3, 5}, torch::kLong));
  EXPECT_EQ(none.item<double>(), 0.0);
}

TEST(ConstrainedBenchmark, BadSettingsAreInputErrors) {
  ConstrainedOptions o;
  o.fixed["gda"] = {{"dual_rate", 1.0}};
  EXPECT_THROW(run_constrained_benchmark(o, [](const std::string&) {}), InputError);
  o.fixed = {{"alm", {{"rho", -1.0}}}};
  EXPECT_THROW(run_constrained_benchmark(o, [](const std::string&) {}), InputError);
  o.fixed = {{"galt", {{"rho_max", 10.0}}}};  // lacks inner_steps
  EXPECT_THROW(run_constrained_benchmark(o, [](const std::string&) {}), InputError);
  o.fixed = {};
  o.methods = {"sgd"};
  EXPECT_THROW(run_constrained_benchmark(o, [](const std::string&) {}), InputError);
  o.methods = {"adam"};
  o.fashion_dir = "/nonexistent";
  EXPECT_THROW(run_constrained_benchmark(o, [](const std::string&) {}), InputError);
}

}  // namespace
}  // namespace galt::bench
