// DESIGN §3: the dual update and both penalty rules.
#include "galt/solve/augmented_lagrangian.h"

#include <gtest/gtest.h>

#include <vector>

#include "galt/error.h"

namespace galt {
namespace {

ConstraintEdge edge(double rho = 0) {
  ConstraintEdge e;
  e.name = "e";
  e.rho_init = rho;
  return e;
}

TEST(AugmentedLagrangian, InequalityMultiplierIsClampedAtZero) {
  AugmentedLagrangian al;
  al.add_edge(edge(2.0));
  al.outer_update({Sense::kInequality}, {0.5});
  EXPECT_DOUBLE_EQ(al.dual(0).lambda, 1.0);  // 0 + 2·0.5
  al.outer_update({Sense::kInequality}, {-3.0});
  EXPECT_DOUBLE_EQ(al.dual(0).lambda, 0.0);  // max(0, 1 − 6)
}

TEST(AugmentedLagrangian, EqualityMultiplierIsNotClamped) {
  AugmentedLagrangian al;
  al.add_edge(edge(2.0));
  al.outer_update({Sense::kEquality}, {-0.5});
  EXPECT_DOUBLE_EQ(al.dual(0).lambda, -1.0);
}

TEST(AugmentedLagrangian, ClassicalRuleGrowsRhoOnlyWhenViolationDoesNotShrink) {
  AugmentedLagrangianOptions o;
  o.growth = 3.0;
  o.shrink = 0.5;
  AugmentedLagrangian al(o);
  al.add_edge(edge(1.0));
  auto u = al.outer_update({Sense::kInequality}, {1.0});  // first: no history
  EXPECT_FALSE(u[0].rho_grew);
  u = al.outer_update({Sense::kInequality}, {0.4});  // shrank by > τ
  EXPECT_FALSE(u[0].rho_grew);
  EXPECT_DOUBLE_EQ(al.dual(0).rho, 1.0);
  u = al.outer_update({Sense::kInequality}, {0.3});  // 0.3 > 0.5·0.4
  EXPECT_TRUE(u[0].rho_grew);
  EXPECT_DOUBLE_EQ(al.dual(0).rho, 3.0);
  u = al.outer_update({Sense::kInequality}, {-1.0});  // feasible: no growth
  EXPECT_FALSE(u[0].rho_grew);
}

TEST(AugmentedLagrangian, RhoIsCappedAtRhoMax) {
  AugmentedLagrangianOptions o;
  o.rho_max = 5.0;
  o.growth = 10.0;
  AugmentedLagrangian al(o);
  al.add_edge(edge(1.0));
  for (int i = 0; i < 4; ++i) al.outer_update({Sense::kEquality}, {1.0});
  EXPECT_DOUBLE_EQ(al.dual(0).rho, 5.0);
}

TEST(AugmentedLagrangian, PerEdgeRhoCeilingOverridesTheShared) {
  AugmentedLagrangianOptions o;
  o.rho_max = 100.0;
  o.growth = 10.0;
  AugmentedLagrangian al(o);
  al.add_edge(edge(1.0));  // shared ceiling
  ConstraintEdge soft = edge(1.0);
  soft.rho_max = 1.0;  // fixed ρ
  al.add_edge(soft);
  ConstraintEdge mid = edge(1.0);
  mid.rho_max = 20.0;
  al.add_edge(mid);
  const std::vector<Sense> s(3, Sense::kEquality);
  for (int i = 0; i < 4; ++i) al.outer_update(s, {1.0, 1.0, 1.0});
  EXPECT_DOUBLE_EQ(al.dual(0).rho, 100.0);
  EXPECT_DOUBLE_EQ(al.dual(1).rho, 1.0);
  EXPECT_DOUBLE_EQ(al.dual(1).lambda, 4.0);  // the multiplier still ascends
  EXPECT_DOUBLE_EQ(al.dual(2).rho, 20.0);
  AugmentedLagrangianOptions a;
  a.rule = PenaltyRule::kAVBD;
  AugmentedLagrangian avbd(a);
  avbd.add_edge(soft);
  avbd.inner_update({Sense::kInequality}, {5.0});
  EXPECT_DOUBLE_EQ(avbd.dual(0).rho, 1.0);
}

TEST(AugmentedLagrangian, EdgeCeilingBelowItsInitialRhoIsRejected) {
  AugmentedLagrangian al;
  ConstraintEdge e = edge(2.0);
  e.rho_max = 1.0;
  EXPECT_THROW(al.add_edge(e), InputError);
  EXPECT_EQ(al.size(), 0u);
}

TEST(AugmentedLagrangian, AvbdRampsRhoPerInnerIterationAndWarmStarts) {
  AugmentedLagrangianOptions o;
  o.rule = PenaltyRule::kAVBD;
  AugmentedLagrangian al(o);
  al.add_edge(edge(1.0));
  al.inner_update({Sense::kInequality}, {0.2});
  EXPECT_DOUBLE_EQ(al.dual(0).rho, 1.0 + 10.0 * 0.2);
  al.inner_update({Sense::kInequality}, {-0.2});  // satisfied: unchanged
  EXPECT_DOUBLE_EQ(al.dual(0).rho, 3.0);
  al.dual(0).lambda = 2.0;
  al.warm_start();
  EXPECT_DOUBLE_EQ(al.dual(0).lambda, 2.0 * 0.95 * 0.99);
  EXPECT_DOUBLE_EQ(al.dual(0).rho, 3.0 * 0.99);
}

TEST(AugmentedLagrangian, ClassicalRuleIgnoresInnerUpdates) {
  AugmentedLagrangian al;
  al.add_edge(edge(1.0));
  al.inner_update({Sense::kInequality}, {5.0});
  EXPECT_DOUBLE_EQ(al.dual(0).rho, 1.0);
}

TEST(AugmentedLagrangian, WarmStartRespectsRhoMin) {
  AugmentedLagrangianOptions o;
  o.rho_min = 0.5;
  AugmentedLagrangian al(o);
  al.add_edge(edge(0.5));
  al.warm_start();
  EXPECT_DOUBLE_EQ(al.dual(0).rho, 0.5);
}

TEST(AugmentedLagrangian, ActiveSetFollowsPhrRule) {
  // §2.1: C < 0 with λ = 0 is inactive; equalities are always active.
  EXPECT_FALSE(AugmentedLagrangian::active(Sense::kInequality, 0.0, 1.0, -0.1));
  EXPECT_TRUE(AugmentedLagrangian::active(Sense::kInequality, 0.0, 1.0, 0.1));
  EXPECT_TRUE(AugmentedLagrangian::active(Sense::kInequality, 1.0, 1.0, -0.1));
  EXPECT_FALSE(AugmentedLagrangian::active(Sense::kInequality, 0.1, 1.0, -0.5));
  EXPECT_TRUE(AugmentedLagrangian::active(Sense::kEquality, 0.0, 1.0, -0.5));
}

TEST(AugmentedLagrangian, BadOptionsAreRejected) {
  AugmentedLagrangianOptions o;
  o.inner_steps = 0;
  EXPECT_THROW(AugmentedLagrangian{o}, InputError);
  o = {};
  o.rho_init = -1;
  EXPECT_THROW(AugmentedLagrangian{o}, InputError);
}

}  // namespace
}  // namespace galt
