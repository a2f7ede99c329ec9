// The adjudicator's rulings (DESIGN §6), one test per rule.
#include "galt/memory/adjudicator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "galt/error.h"

namespace galt::memory {
namespace {

Adjudicator make(AdjudicatorOptions o = {}) { return Adjudicator(SafetyStack{}, o); }

TEST(Adjudicator, AcceptsWhenEveryLayerIsSatisfied) {
  const Decision d = make().adjudicate({2, {-1, -1, -1, -1}, false});
  EXPECT_EQ(d.action, Action::kAccept);
  EXPECT_EQ(d.outcome, MemoryOutcome::kConsolidate);
  EXPECT_EQ(d.residual, ResidualKind::kNone);
  EXPECT_EQ(d.deciding_layer, -1);
  EXPECT_DOUBLE_EQ(d.gate, 1.0);
  EXPECT_EQ(d.constraint_values, (std::vector<double>{-1, -1, -1, -1}));
}

TEST(Adjudicator, HardViolationRejectsEvenWhenSoftAndAmbiguousToo) {
  const Decision d = make().adjudicate({3, {-1, 0.5, 0.02, 0.9}, false});
  EXPECT_EQ(d.action, Action::kReject);
  EXPECT_EQ(d.residual, ResidualKind::kHardViolation);
  EXPECT_EQ(d.deciding_layer, 1);
  EXPECT_EQ(d.gate, 0.0);
}

TEST(Adjudicator, AmbiguityRejectsOrHolds) {
  const Decision r = make().adjudicate({3, {-1, -1, 0.01, -1}, false});
  EXPECT_EQ(r.action, Action::kReject);
  EXPECT_EQ(r.outcome, MemoryOutcome::kNotConsolidated);
  EXPECT_EQ(r.residual, ResidualKind::kBoundaryAmbiguity);
  EXPECT_EQ(r.deciding_layer, 2);
  const Decision h = make({.ambiguity_policy = AmbiguityPolicy::kHold})
                         .adjudicate({3, {-1, -1, -0.04, -1}, false});
  EXPECT_EQ(h.outcome, MemoryOutcome::kHeld);
  EXPECT_EQ(h.action, Action::kReject);
}

TEST(Adjudicator, UnknownValuesAreNeverAccepted) {
  const Decision d = make().adjudicate({0, {-1, std::nan(""), -1, -1}, false});
  EXPECT_EQ(d.action, Action::kReject);
  EXPECT_EQ(d.residual, ResidualKind::kBoundaryAmbiguity);
  EXPECT_EQ(d.deciding_layer, 1);
  const Decision inf = make().adjudicate({0, {-1, -1, -1, INFINITY}, false});
  EXPECT_EQ(inf.action, Action::kReject);
}

TEST(Adjudicator, NoWriteIsNotConsolidated) {
  const Decision d = make().adjudicate({2, {-1, -1, -1, -1}, true});
  EXPECT_EQ(d.action, Action::kReject);
  EXPECT_EQ(d.outcome, MemoryOutcome::kNotConsolidated);
  EXPECT_EQ(d.residual, ResidualKind::kNone);
}

TEST(Adjudicator, SoftViolationAcceptsWithDebtOrRejectsByPolicy) {
  const Decision d = make().adjudicate({3, {-1, -1, -1, 0.4}, false});
  EXPECT_EQ(d.action, Action::kAcceptWithResidual);
  EXPECT_EQ(d.residual, ResidualKind::kSoftRuleDebt);
  EXPECT_EQ(d.deciding_layer, 3);
  EXPECT_DOUBLE_EQ(d.gate, 0.5);
  const Decision r =
      make({.soft_policy = SoftPolicy::kReject}).adjudicate({3, {-1, -1, -1, 0.4}, false});
  EXPECT_EQ(r.action, Action::kReject);
  EXPECT_EQ(r.residual, ResidualKind::kSoftRuleDebt);
}

TEST(Adjudicator, HardLayersAreConfiguration) {
  SafetyStackOptions so;
  so.hard = {0, 1, 2, 3};
  const Decision d = Adjudicator(SafetyStack(so)).adjudicate({3, {-1, -1, -1, 0.4}, false});
  EXPECT_EQ(d.residual, ResidualKind::kHardViolation);
}

TEST(Adjudicator, BadInputIsAnInputError) {
  EXPECT_THROW(make().adjudicate({4, {-1, -1, -1, -1}, false}), InputError);
  EXPECT_THROW(make().adjudicate({0, {-1, -1}, false}), InputError);
  EXPECT_THROW(make({.ambiguity_margin = -1}), InputError);
  EXPECT_THROW(make({.soft_gate = 1.5}), InputError);
  SafetyStackOptions so;
  so.hard = {7};
  EXPECT_THROW(SafetyStack{so}, InputError);
  so.hard = {};
  so.layers = 0;
  EXPECT_THROW(SafetyStack{so}, InputError);
}

TEST(Labels, UnknownLabelsAreErrorsNotAccept) {
  EXPECT_EQ(parse_action("accept"), Action::kAccept);
  EXPECT_THROW(parse_action("ACCEPT"), InputError);
  EXPECT_THROW(parse_action("accepted"), InputError);
  EXPECT_THROW(parse_residual("debt"), InputError);
  for (Action a : {Action::kAccept, Action::kAcceptWithResidual, Action::kReject}) {
    EXPECT_EQ(parse_action(to_string(a)), a);
  }
}

TEST(Adjudicator, DecisionJsonRoundTripKeepsUnknowns) {
  const Decision d = make().adjudicate({1, {-1, std::nan(""), 0.3, -1}, false});
  const Decision back = Decision::from_json(d.to_json());
  EXPECT_EQ(back.action, d.action);
  EXPECT_EQ(back.deciding_layer, d.deciding_layer);
  EXPECT_TRUE(std::isnan(back.constraint_values[1]));
  EXPECT_DOUBLE_EQ(back.constraint_values[2], 0.3);
}

// The JSON a ledger stores is outside input: a float where a layer number
// belongs is refused, not cast (a cast that does not fit is undefined
// behaviour). Found by review while writing fuzz/memory/ledger_fuzz.cpp.
TEST(Adjudicator, StoredJsonWithFloatsForLayersIsAnInputError) {
  const nlohmann::json stack = SafetyStack(SafetyStackOptions{}).to_json();
  ASSERT_NO_THROW(SafetyStack::from_json(stack));
  for (const char* key : {"layers", "hard"}) {
    for (const nlohmann::json& v :
         {nlohmann::json(1e300), nlohmann::json(2.5), nlohmann::json(4294967296LL)}) {
      auto j = stack;
      if (std::string(key) == "hard")
        j[key] = nlohmann::json::array({v});
      else
        j[key] = v;
      EXPECT_THROW(SafetyStack::from_json(j), InputError) << key << " = " << v;
    }
  }
  const nlohmann::json d = make().adjudicate({1, {-1, -1, -1, -1}, false}).to_json();
  ASSERT_NO_THROW(Decision::from_json(d));
  for (const nlohmann::json& v : {nlohmann::json(-1e300), nlohmann::json(0.5)}) {
    auto j = d;
    j["deciding_layer"] = v;
    EXPECT_THROW(Decision::from_json(j), InputError) << v;
  }
}

}  // namespace
}  // namespace galt::memory
