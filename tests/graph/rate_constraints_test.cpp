// Rate constraints (galt/graph/rate_constraints.h): the exact rates on a
// hand-made batch, their surrogates, the proxy edges' values and margins, the
// vacuous cases and bad input.
#include "galt/graph/rate_constraints.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "galt/error.h"

namespace galt {
namespace {

// Six rows, three classes. Argmax: 0, 1, 1, 2, 1, 0.
RateBatch six_rows() {
  RateBatch b;
  b.logits = torch::tensor({{3.0, 0.0, 0.0},
                            {0.0, 2.0, 0.0},
                            {0.0, 1.0, 0.5},
                            {0.0, 0.0, 4.0},
                            {1.0, 2.0, 0.0},
                            {2.0, 1.0, 0.0}});
  b.labels = torch::tensor({0, 1, 2, 2, 1, 1}, torch::kLong);
  b.groups = torch::tensor({0, 0, 0, 1, 1, 1}, torch::kLong);
  return b;
}

TEST(RateConstraints, ExactRatesCountArgmaxDecisions) {
  const auto b = six_rows();
  // Class 1: labels at rows 1, 4, 5; decided at 1, 2, 4.
  EXPECT_DOUBLE_EQ(recall_rate(b, 1), 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(false_positive_rate(b, 1), 1.0 / 3.0);  // row 2 of rows 0, 2, 3
  // Group 0 (rows 0–2) decides 1 at rows 1, 2; group 1 (rows 3–5) at row 4.
  EXPECT_DOUBLE_EQ(positive_rate_gap(b, 1), 2.0 / 3.0 - 1.0 / 3.0);
}

TEST(RateConstraints, ProxyEdgesUseTheExactRateForTheDualAndTheSoftmaxForTheStep) {
  auto b = six_rows();
  b.logits.requires_grad_(true);
  const auto p1 = torch::softmax(b.logits.detach(), 1).select(1, 1);
  auto batch = [&] { return b; };

  const auto rec = recall_at_least("recall", 1, 0.9, batch);
  EXPECT_DOUBLE_EQ(rec.dual_value() - rec.margin, 0.9 - 2.0 / 3.0);
  const double mean_pos = (p1[1] + p1[4] + p1[5]).item<double>() / 3.0;
  const auto v = rec.value();
  EXPECT_NEAR(v.item<double>() - rec.margin, 0.9 - mean_pos, 1e-6);
  // The surrogate's gradient raises the positives' class-1 logits.
  v.backward();
  EXPECT_LT(b.logits.grad()[4][1].item<double>(), 0.0);
  EXPECT_EQ(b.logits.grad()[0][1].item<double>(), 0.0);  // not a positive

  const auto fpr = false_positive_rate_at_most("fpr", 1, 0.1, batch);
  EXPECT_DOUBLE_EQ(fpr.dual_value() - fpr.margin, 1.0 / 3.0 - 0.1);
  const double mean_neg = (p1[0] + p1[2] + p1[3]).item<double>() / 3.0;
  EXPECT_NEAR(fpr.value().item<double>() - fpr.margin, mean_neg - 0.1, 1e-6);

  const auto gap = positive_rate_gap_at_most("gap", 1, 0.05, batch);
  EXPECT_DOUBLE_EQ(gap.dual_value() - gap.margin, 1.0 / 3.0 - 0.05);
  const double g0 = (p1[0] + p1[1] + p1[2]).item<double>() / 3.0;
  const double g1 = (p1[3] + p1[4] + p1[5]).item<double>() / 3.0;
  EXPECT_NEAR(gap.value().item<double>() - gap.margin, std::abs(g0 - g1) - 0.05, 1e-6);
  for (const auto* e : {&rec, &fpr, &gap}) {
    EXPECT_EQ(e->sense, Sense::kInequality);
    EXPECT_TRUE(e->dual_value);
  }
}

TEST(RateConstraints, VacuousRatesAreMetWithAZeroGradient) {
  RateBatch b = six_rows();
  b.labels = torch::tensor({0, 0, 0, 0, 0, 0}, torch::kLong);  // no class-1 rows
  b.logits.requires_grad_(true);
  const auto rec = recall_at_least("recall", 1, 0.9, [&] { return b; });
  EXPECT_DOUBLE_EQ(rec.dual_value() - rec.margin, 0.9 - 1.0);
  const auto v = rec.value();
  v.backward();
  EXPECT_EQ(b.logits.grad().abs().sum().item<double>(), 0.0);
  b.groups = torch::zeros({6}, torch::kLong);  // one group only
  EXPECT_DOUBLE_EQ(positive_rate_gap(b, 1), 0.0);
}

TEST(RateConstraints, BadInputIsAClearError) {
  const auto b = six_rows();
  auto batch = [&] { return b; };
  EXPECT_THROW(recall_at_least("r", 1, 1.5, batch), InputError);
  EXPECT_THROW(recall_at_least("r", 1, 0.5, nullptr), InputError);
  EXPECT_THROW(recall_rate(b, 3), InputError);  // only 3 classes
  RateBatch no_groups = b;
  no_groups.groups = at::Tensor();
  EXPECT_THROW(positive_rate_gap(no_groups, 1), InputError);
  RateBatch short_labels = b;
  short_labels.labels = torch::tensor({0, 1}, torch::kLong);
  const auto e = false_positive_rate_at_most("fpr", 1, 0.1, [&] { return short_labels; });
  try {
    e.value();
    FAIL() << "expected an InputError";
  } catch (const InputError& err) {
    EXPECT_NE(std::string(err.what()).find("'fpr'"), std::string::npos) << err.what();
  }
}

}  // namespace
}  // namespace galt
