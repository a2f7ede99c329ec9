// Axis ticks of the SVG charts (internal helper of src/report).
#include <gtest/gtest.h>

#include <cmath>

#include "report/svg.h"

namespace galt::report::detail {
namespace {

TEST(NiceTicks, CoverTheRangeWithRoundSteps) {
  const auto unit = nice_ticks(0, 0.98, 5);
  ASSERT_EQ(unit.size(), 6u);
  for (size_t i = 0; i < unit.size(); ++i)
    EXPECT_NEAR(unit[i], 0.2 * static_cast<double>(i), 1e-12);
  const auto t = nice_ticks(-0.02, 0.44, 5);
  EXPECT_DOUBLE_EQ(t.front(), -0.1);
  EXPECT_DOUBLE_EQ(t.back(), 0.5);
  EXPECT_EQ(t.size(), 7u);
  const auto big = nice_ticks(3, 4997, 6);
  EXPECT_DOUBLE_EQ(big.front(), 0);
  EXPECT_DOUBLE_EQ(big.back(), 5000);
  EXPECT_DOUBLE_EQ(big[1] - big[0], 1000);
}

TEST(Format, NumbersAndEscapes) {
  EXPECT_EQ(fixed(0.96449, 3), "0.964");
  EXPECT_EQ(num(1000, 6), "1000");
  EXPECT_EQ(num(NAN), "nan");
  EXPECT_EQ(escape("a<b & \"c\"'"), "a&lt;b &amp; &quot;c&quot;&#39;");
}

}  // namespace
}  // namespace galt::report::detail
