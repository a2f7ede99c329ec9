// Metric formulas on hand-made accuracy matrices (DESIGN §8).
#include "galt/train/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "galt/error.h"

namespace galt::train {
namespace {

const double kNaN = std::nan("");

TEST(Metrics, HandMadeMatrix) {
  // Task 0 peaks at 0.9 after task 1, then falls to 0.6; task 1 goes 0.8 → 0.7.
  const AccuracyMatrix r = {{0.8, kNaN, kNaN}, {0.9, 0.8, kNaN}, {0.6, 0.7, 0.9}};
  EXPECT_NEAR(final_average_accuracy(r), (0.6 + 0.7 + 0.9) / 3, 1e-12);
  // max-based: ((0.9 − 0.6) + (0.8 − 0.7)) / 2
  EXPECT_NEAR(forgetting_max(r), 0.2, 1e-12);
  // diagonal: ((0.8 − 0.6) + (0.8 − 0.7)) / 2
  EXPECT_NEAR(forgetting_diagonal(r), 0.15, 1e-12);
  EXPECT_NEAR(backward_transfer(r), -0.15, 1e-12);
  EXPECT_NEAR(learning_accuracy(r), (0.8 + 0.8 + 0.9) / 3, 1e-12);
}

TEST(Metrics, PositiveBackwardTransferAndSingleTask) {
  const AccuracyMatrix r = {{0.5, 0.1}, {0.7, 0.9}};
  EXPECT_NEAR(backward_transfer(r), 0.2, 1e-12);
  EXPECT_NEAR(forgetting_diagonal(r), -0.2, 1e-12);
  EXPECT_NEAR(forgetting_max(r), -0.2, 1e-12);  // the max runs over l ∈ [j, T−2]
  EXPECT_EQ(forgetting_max({{0.7}}), 0.0);
  EXPECT_EQ(backward_transfer({{0.7}}), 0.0);
  EXPECT_NEAR(final_average_accuracy({{0.7}}), 0.7, 1e-12);
}

TEST(Metrics, RejectsBadMatrices) {
  EXPECT_THROW(final_average_accuracy({}), InputError);
  EXPECT_THROW(final_average_accuracy({{0.5, 0.5}}), InputError);        // not square
  EXPECT_THROW(forgetting_max({{1.5, kNaN}, {0.2, 0.3}}), InputError);   // > 1
  EXPECT_THROW(forgetting_max({{0.5, kNaN}, {kNaN, 0.3}}), InputError);  // NaN below diagonal
}

TEST(Metrics, SummaryIsMeanAndSampleStd) {
  const Summary s = summarize({1.0, 2.0, 3.0});
  EXPECT_NEAR(s.mean, 2.0, 1e-12);
  EXPECT_NEAR(s.std, 1.0, 1e-12);
  EXPECT_EQ(s.values.size(), 3u);
  EXPECT_EQ(summarize({4.0}).std, 0.0);
  EXPECT_EQ(format_summary(s, 2), "2.00 ± 1.00");
  const auto m = mean_matrix({{{0.2, kNaN}}, {{0.4, kNaN}}});
  EXPECT_NEAR(m[0][0], 0.3, 1e-12);
  EXPECT_TRUE(std::isnan(m[0][1]));
}

TEST(PairedBootstrap, IntervalCoversTheMeanAndDecidesClaims) {
  // A constant +0.01 shift on every seed: the interval collapses onto it.
  const std::vector<double> b = {0.70, 0.72, 0.69, 0.71, 0.73, 0.70, 0.68, 0.71, 0.72, 0.70};
  std::vector<double> a;
  for (double v : b) a.push_back(v + 0.01);
  const auto d = paired_bootstrap(a, b);
  EXPECT_NEAR(d.mean, 0.01, 1e-12);
  EXPECT_NEAR(d.lo, 0.01, 1e-9);
  EXPECT_NEAR(d.hi, 0.01, 1e-9);
  EXPECT_TRUE(d.excludes_zero());
  EXPECT_EQ(d.n, 10);
  // Differences of both signs around 0: no claim.
  const std::vector<double> c = {0.71, 0.71, 0.68, 0.72, 0.72, 0.71, 0.67, 0.72, 0.71, 0.71};
  const auto e = paired_bootstrap(c, b);
  EXPECT_LT(e.lo, e.mean);
  EXPECT_GT(e.hi, e.mean);
  EXPECT_FALSE(e.excludes_zero());
  // Reproducible for a seed.
  EXPECT_EQ(paired_bootstrap(c, b).lo, e.lo);
  EXPECT_EQ(format_difference({0.012, 0.004, 0.02, 10}), "+0.012 [+0.004, +0.020]");
}

TEST(PairedBootstrap, RejectsUnpairedOrShortOrNonFinite) {
  EXPECT_THROW(paired_bootstrap({0.1, 0.2}, {0.1}), InputError);
  EXPECT_THROW(paired_bootstrap({0.1}, {0.1}), InputError);
  EXPECT_THROW(paired_bootstrap({0.1, kNaN}, {0.1, 0.2}), InputError);
}

}  // namespace
}  // namespace galt::train
