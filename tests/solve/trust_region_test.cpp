// TrustRegion: the bound, the clip, and the classical adaptation rule.
#include "galt/solve/trust_region.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "galt/error.h"

namespace galt {
namespace {

TEST(TrustRegion, BoundIsRadiusAdamWSteps) {
  TrustRegion tr({.radius = 2.0});
  EXPECT_DOUBLE_EQ(tr.bound(1e-3, 400), 2.0 * 1e-3 * 20.0);
  EXPECT_DOUBLE_EQ(tr.clip_scale(0.02, 1e-3, 400), 1.0);  // inside
  EXPECT_DOUBLE_EQ(tr.clip_scale(0.08, 1e-3, 400), 0.5);  // twice the bound
  TrustRegion unbounded({.radius = 0.0});
  EXPECT_TRUE(std::isinf(unbounded.bound(1e-3, 400)));
  EXPECT_DOUBLE_EQ(unbounded.clip_scale(1e9, 1e-3, 400), 1.0);
}

TEST(TrustRegion, ShrinksOnPoorAgreementGrowsOnGoodClippedSteps) {
  TrustRegion tr({.radius = 4.0, .adaptive = true, .min = 1.0, .max = 8.0});
  const EdgeId a{0}, b{1};
  std::map<EdgeId, double> q{{a, 0.9}, {b, 0.1}};
  auto agreement = [&](EdgeId e) -> std::optional<double> {
    auto it = q.find(e);
    if (it == q.end()) return std::nullopt;
    return it->second;
  };
  tr.adapt(agreement);  // nothing solved yet: unchanged
  EXPECT_DOUBLE_EQ(tr.radius(), 4.0);
  tr.record({a, b}, /*clipped=*/true);
  tr.adapt(agreement);  // the worst edge (b, q = 0.1) decides: halve
  EXPECT_DOUBLE_EQ(tr.radius(), 2.0);
  tr.record({a}, /*clipped=*/false);
  tr.adapt(agreement);  // good but not clipped: unchanged
  EXPECT_DOUBLE_EQ(tr.radius(), 2.0);
  tr.record({a}, /*clipped=*/true);
  tr.adapt(agreement);
  tr.adapt(agreement);
  tr.adapt(agreement);
  EXPECT_DOUBLE_EQ(tr.radius(), 8.0);  // capped at max
  q[a] = -1.0;  // the wrong sign
  for (int i = 0; i < 5; ++i) tr.adapt(agreement);
  EXPECT_DOUBLE_EQ(tr.radius(), 1.0);  // floored at min
  tr.record({EdgeId{7}}, true);        // an edge without a measurement
  tr.adapt(agreement);
  EXPECT_DOUBLE_EQ(tr.radius(), 1.0);
}

TEST(TrustRegion, FixedRadiusNeverAdapts) {
  TrustRegion tr({.radius = 3.0, .adaptive = false});
  tr.record({EdgeId{0}}, true);
  tr.adapt([](EdgeId) { return std::optional<double>(-5.0); });
  EXPECT_DOUBLE_EQ(tr.radius(), 3.0);
}

TEST(TrustRegion, BadOptionsAreClearErrors) {
  EXPECT_THROW(TrustRegion({.radius = -1.0}), InputError);
  EXPECT_THROW(TrustRegion({.radius = 1.0, .adaptive = true, .min = 2.0, .max = 1.0}), InputError);
}

}  // namespace
}  // namespace galt
