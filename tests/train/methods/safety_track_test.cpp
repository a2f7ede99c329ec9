// The "safety from birth" track (DESIGN §6, §8): with a [safety] table every
// method meets the same safety constraint from its first step, each in its
// own way — GALT as an edge, Lagrangian GDA as a multiplier, the soft penalty
// and every loss-based baseline as a penalty (detail::safety_penalty). All
// of them evaluate it through the protocol's constraint family, so they see
// the same probe rows at every step and, from the same init, the same value
// at step 0. Without a [safety] table the loss-based baselines are unchanged.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>

#include "galt/error.h"
#include "galt/train/protocol_constraints.h"
#include "train/method_driver.h"

namespace galt::train {
namespace {

const std::vector<std::string> kLossBased = {"adamw",  "ewc",   "si",    "agem",
                                             "replay", "er_kd", "derpp", "joint"};

ProtocolConfig safety_protocol() {
  auto p = testing::tiny_protocol({}, 4);
  p.constraint_batch = 4;  // of the 8 probe rows: a real draw each step
  return p;
}

// The safety edge's part of an observation: {value, probe rows}.
std::pair<double, std::vector<int64_t>> safety_part(const ConstraintObservation& o) {
  for (size_t e = 0; e < o.names.size(); ++e)
    if (o.names[e] == "safety") return {o.values[e], o.row_indices[e]};
  ADD_FAILURE() << "no safety edge at step " << o.step;
  return {};
}

TEST(SafetyTrack, EveryMethodSeesTheSameSafetyRowsAndFirstValue) {
  const auto p = safety_protocol();
  const auto data = testing::synthetic_data();
  std::vector<std::string> methods = {"galt", "lagrangian_gda", "soft_penalty"};
  methods.insert(methods.end(), kLossBased.begin(), kLossBased.end());
  // The reference draw: the probe rows of step s, from (run seed, s) alone.
  std::map<int64_t, std::vector<int64_t>> want_rows;
  {
    SafetyProbe safety;
    safety.probe_x = torch::zeros({p.safety.probe_size, 784});
    std::vector<AnchorSet> none;
    TrainingContext ctx;
    ctx.anchors = &none;
    ctx.safety = &safety;
    for (int64_t s = 0; s < 2 * p.iterations; ++s) {
      ctx.step = s;
      const auto probe = draw_constraint_rows(ctx, p.constraint_batch).probe;
      ASSERT_TRUE(probe.defined());
      want_rows[s].assign(probe.data_ptr<int64_t>(), probe.data_ptr<int64_t>() + probe.numel());
    }
  }
  double first_value = -1;
  for (const auto& m : methods) {
    SCOPED_TRACE(m);
    const auto run = testing::drive(m, {}, p, data, 2);
    ASSERT_EQ(run.steps, 2 * p.iterations);
    // One evaluation per step, holding the safety edge, on the reference rows.
    ASSERT_EQ(run.seen.size(), static_cast<size_t>(run.steps));
    for (int64_t s = 0; s < run.steps; ++s) {
      const auto& o = run.seen[static_cast<size_t>(s)];
      EXPECT_EQ(o.step, s);
      EXPECT_EQ(safety_part(o).second, want_rows[s]) << "step " << s;
    }
    // Step 0, the same initial model: exactly the same value.
    const double v0 = safety_part(run.seen[0]).first;
    EXPECT_GT(v0, p.safety.epsilon);  // active at init: the penalty acts from birth
    if (first_value < 0) first_value = v0;
    EXPECT_EQ(v0, first_value);
  }
}

TEST(SafetyTrack, LossBasedMethodsAreUnchangedWithoutSafety) {
  const auto data = testing::synthetic_data();
  auto with = safety_protocol();
  auto without = with;
  without.safety = {};  // no [safety] table
  for (const auto& m : kLossBased) {
    SCOPED_TRACE(m);
    const auto plain = testing::drive(m, {}, without, data, 2);
    const auto off = testing::drive(m, {{"safety_beta", 0.0}}, with, data, 2);
    const auto on = testing::drive(m, {}, with, data, 2);
    EXPECT_TRUE(plain.seen.empty());
    EXPECT_TRUE(off.seen.empty());
    EXPECT_EQ(on.seen.size(), static_cast<size_t>(on.steps));
    const auto theta = testing::flat_parameters(*plain.model);
    EXPECT_TRUE(torch::equal(theta, testing::flat_parameters(*off.model)));
    EXPECT_FALSE(torch::equal(theta, testing::flat_parameters(*on.model)));
    EXPECT_EQ(plain.counters.forward_passes, off.counters.forward_passes);
    EXPECT_EQ(on.counters.forward_passes, plain.counters.forward_passes + on.steps);
  }
}

TEST(SafetyTrack, PenaltyLowersTheForbiddenMass) {
  // adamw with and without the penalty, on the probe rows after two tasks.
  auto p = safety_protocol();
  p.iterations = 20;
  const auto data = testing::synthetic_data();
  const auto probe = data::filter_classes(data.train, {p.safety.critical_class}).images;
  auto mass = [&](double beta) {
    const auto run = testing::drive("adamw", {{"safety_beta", beta}}, p, data, 2);
    torch::NoGradGuard no_grad;
    return forbidden_mass(run.model->forward(probe), p.safety.forbidden_class).item<double>();
  };
  EXPECT_LT(mass(10.0), mass(0.0));
}

TEST(SafetyTrack, SafetyBetaIsCheckedForEveryLossBasedMethod) {
  const auto p = safety_protocol();
  for (const auto& m : kLossBased) {
    EXPECT_NO_THROW(make_method(m, {{"safety_beta", 2.0}}, p)) << m;
    EXPECT_THROW(make_method(m, {{"safety_beta", -1.0}}, p), InputError) << m;
    EXPECT_THROW(make_method(m, {{"safety_betta", 1.0}}, p), InputError) << m;
  }
}

}  // namespace
}  // namespace galt::train
