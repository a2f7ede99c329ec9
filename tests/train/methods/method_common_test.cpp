// The methods' shared pieces (src/train/methods/method_common): the replay
// memory's sampler draws without replacement within an epoch over the memory,
// and the safety penalty evaluates the safety edge alone, on everyone's rows.
#include "train/methods/method_common.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <set>

#include "galt/error.h"
#include "galt/models/mlp.h"
#include "train/synthetic_data.h"

namespace galt::train {
namespace {

// Anchor set `task` of n rows whose image row r holds the value 1000·task + r
// everywhere, so a drawn row names itself.
AnchorSet labelled_set(int task, int64_t n) {
  AnchorSet a;
  a.task = task;
  a.x = (torch::arange(n, torch::kFloat) + 1000.0 * task).unsqueeze(1).expand({n, 784}).clone();
  a.y = torch::full({n}, 2 * task, torch::kLong);
  a.logits = torch::randn({n, 10});
  a.mask = torch::zeros({10}, torch::kBool);
  a.mask.narrow(0, 0, 2 * task + 2).fill_(true);
  a.target = torch::softmax(masked_logits(a.logits, a.mask), 1);
  return a;
}

TEST(MemorySampler, VisitsEveryRowExactlyOncePerEpoch) {
  std::vector<AnchorSet> anchors{labelled_set(0, 8), labelled_set(1, 5)};
  TrainingContext ctx;
  ctx.anchors = &anchors;
  detail::MemorySampler sampler(42);
  const int64_t batch = 5;
  // 13 rows in batches of 5: epochs straddle batches. Every window of 13
  // consecutive draws is one epoch, a permutation of the memory.
  std::vector<int64_t> drawn;
  for (int b = 0; b < 13; ++b) {
    const auto m = sampler.next(ctx, batch);
    ASSERT_EQ(m.x.size(0), batch);
    const auto rows = m.rows.contiguous();
    std::vector<int64_t> r(rows.data_ptr<int64_t>(), rows.data_ptr<int64_t>() + batch);
    EXPECT_EQ(std::set<int64_t>(r.begin(), r.end()).size(), r.size()) << "batch " << b;
    // The batch carries each row's own data: image value, label, logits, mask.
    for (int64_t i = 0; i < batch; ++i) {
      const int64_t row = r[i];
      const int set = row < 8 ? 0 : 1;
      const int64_t local = set == 0 ? row : row - 8;
      EXPECT_EQ(m.x[i][100].item<float>(), 1000.0f * set + local);
      EXPECT_EQ(m.y[i].item<int64_t>(), 2 * set);
      EXPECT_TRUE(torch::equal(m.logits[i], anchors[set].logits[local]));
      EXPECT_TRUE(torch::equal(m.mask[i], anchors[set].mask));
    }
    drawn.insert(drawn.end(), r.begin(), r.end());
  }
  for (size_t e = 0; e + 13 <= drawn.size(); e += 13) {
    std::vector<int64_t> epoch(drawn.begin() + e, drawn.begin() + e + 13);
    std::sort(epoch.begin(), epoch.end());
    for (int64_t i = 0; i < 13; ++i) EXPECT_EQ(epoch[i], i) << "epoch " << e / 13;
  }
  // Not the memory order: the epochs are shuffled, and differ.
  EXPECT_NE(std::vector<int64_t>(drawn.begin(), drawn.begin() + 13),
            std::vector<int64_t>(drawn.begin() + 13, drawn.begin() + 26));

  // The memory grows: a new epoch over all 20 rows starts with the next batch.
  anchors.push_back(labelled_set(2, 7));
  std::vector<int64_t> grown;
  for (int b = 0; b < 4; ++b) {
    const auto rows = sampler.next(ctx, batch).rows.contiguous();
    grown.insert(grown.end(), rows.data_ptr<int64_t>(), rows.data_ptr<int64_t>() + batch);
  }
  std::sort(grown.begin(), grown.end());
  for (int64_t i = 0; i < 20; ++i) EXPECT_EQ(grown[i], i);
}

TEST(MemorySampler, IsSeededWholeMemoryForLargeBatchesAndEmptyWithoutMemory) {
  std::vector<AnchorSet> anchors;
  TrainingContext ctx;
  ctx.anchors = &anchors;
  detail::MemorySampler a(7), b(7), c(8);
  EXPECT_TRUE(a.next(ctx, 4).empty());
  anchors = {labelled_set(0, 8), labelled_set(1, 5)};
  for (int i = 0; i < 5; ++i) {
    const auto ra = a.next(ctx, 4).rows, rb = b.next(ctx, 4).rows;
    EXPECT_TRUE(torch::equal(ra, rb)) << "same seed, same stream";
  }
  bool differs = false;
  a.seed(7);
  for (int i = 0; i < 5; ++i) differs |= !torch::equal(a.next(ctx, 4).rows, c.next(ctx, 4).rows);
  EXPECT_TRUE(differs);
  // A batch at least the memory's size is the whole memory, in order.
  const auto all = a.next(ctx, 13).rows;
  EXPECT_TRUE(torch::equal(all, torch::arange(13, torch::kLong)));
  EXPECT_TRUE(torch::equal(a.next(ctx, 100).rows, torch::arange(13, torch::kLong)));
  EXPECT_THROW(a.next(ctx, 0), InputError);
}

TEST(OptionReader, CountsAreWholeNumbersOfAtLeastOne) {
  for (double bad : {0.0, -3.0, 1.5}) {
    const MethodOptions o{{"rows", bad}};  // the reader keeps a reference
    detail::OptionReader r("m", o);
    EXPECT_THROW(r.count("rows", 4), InputError) << bad;
  }
  const MethodOptions o{{"rows", 12}};
  detail::OptionReader r("m", o);
  EXPECT_EQ(r.count("rows", 4), 12);
  EXPECT_EQ(r.count("other", 4), 4);
  EXPECT_NO_THROW(r.finish());
}

// What each getter refuses; the message names the method, the key, the value
// and the range.
void expect_refused(const std::function<void(detail::OptionReader&)>& read, double bad,
                    const std::string& expected) {
  const MethodOptions o{{"k", bad}};
  detail::OptionReader r("m", o);
  try {
    read(r);
    FAIL() << "accepted k = " << bad;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("[methods.m] k = "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  }
}

TEST(OptionReader, EveryValueIsFinite) {
  const double inf = std::numeric_limits<double>::infinity();
  for (double bad : {std::nan(""), inf, -inf}) {
    expect_refused([](auto& r) { r.get("k", 1.0); }, bad, "a finite number");
    expect_refused([](auto& r) { r.positive("k", 1.0); }, bad, "a finite number");
    expect_refused([](auto& r) { r.count("k", 1); }, bad, "a finite number");
    expect_refused([](auto& r) { r.flag("k", true); }, bad, "a finite number");
  }
}

TEST(OptionReader, ZeroCountsAndFlagsHaveTheirRanges) {
  // A count that may be 0 ("off", "all") is still a whole number.
  for (double bad : {-1.0, 0.5})
    expect_refused([](auto& r) { r.count("k", 0, true); }, bad, "a whole number >= 0");
  for (double bad : {-1.0, 0.5, 2.0})
    expect_refused([](auto& r) { r.flag("k", false); }, bad, "0 (off) or 1 (on)");
  expect_refused([](auto& r) { r.positive("k", 1.0); }, 0.0, "a number > 0");
  expect_refused([](auto& r) { r.positive("k", 1.0, true); }, -0.5, "a number >= 0");
  const MethodOptions o{{"zero", 0}, {"on", 1}};
  detail::OptionReader r("m", o);
  EXPECT_EQ(r.count("zero", 5, true), 0);
  EXPECT_TRUE(r.flag("on", false));
  EXPECT_FALSE(r.flag("absent", false));
}

// A context with one finished task's anchors and a safety probe (class 1 must
// not become 9) drawn 4 of 8 rows at a time.
struct SafetyScene {
  ProtocolConfig p = testing::tiny_protocol({"adamw"});
  std::vector<AnchorSet> anchors{labelled_set(0, 8)};
  SafetyProbe safety;
  ComputeCounters counters;
  std::vector<ConstraintObservation> seen;
  TrainingContext ctx;

  SafetyScene() {
    p.constraint_batch = 4;
    torch::manual_seed(3);
    safety.spec = p.safety;
    safety.probe_x = torch::rand({8, 784});
    ctx.model = std::make_shared<models::MLPImpl>(std::vector<int64_t>{784, 16, 10});
    ctx.protocol = &p;
    ctx.anchors = &anchors;
    ctx.safety = &safety;
    ctx.counters = &counters;
    ctx.step = 5;
    ctx.seed = 2;
    ctx.seen_mask = torch::ones({10}, torch::kBool);
    ctx.constraint_observer = [this](const ConstraintObservation& o) { seen.push_back(o); };
  }
};

TEST(SafetyPenalty, IsTheSafetyEdgeAloneOnTheRowsEveryMethodDraws) {
  SafetyScene s;
  const auto pen = detail::safety_penalty(s.ctx, 2.0);
  ASSERT_TRUE(pen.defined());
  EXPECT_TRUE(pen.requires_grad());
  EXPECT_EQ(s.counters.forward_passes, 1);
  ASSERT_EQ(s.seen.size(), 1u);
  const auto& o = s.seen[0];
  EXPECT_EQ(o.step, 5);
  EXPECT_EQ(o.names, std::vector<std::string>{"safety"});  // no retention edge
  EXPECT_EQ(o.margins, std::vector<double>{s.p.safety.epsilon});
  // The rows are draw_constraint_rows's probe draw at this step.
  const auto probe = draw_constraint_rows(s.ctx, s.p.constraint_batch).probe;
  ASSERT_TRUE(probe.defined());
  ASSERT_EQ(o.row_indices.size(), 1u);
  EXPECT_EQ(o.row_indices[0],
            std::vector<int64_t>(probe.data_ptr<int64_t>(), probe.data_ptr<int64_t>() + 4));
  // The value: 2·relu(mean p(9 | drawn probe rows) − ε), with p ≈ 0.1 > ε at init.
  torch::NoGradGuard no_grad;
  const double mass =
      forbidden_mass(s.ctx.model->forward(s.safety.probe_x.index_select(0, probe)), 9)
          .item<double>();
  EXPECT_GT(mass, s.p.safety.epsilon);
  EXPECT_NEAR(o.values[0], mass, 1e-7);
  EXPECT_NEAR(pen.item<double>(), 2.0 * (mass - s.p.safety.epsilon), 1e-6);
}

TEST(SafetyPenalty, IsOffWithoutAProbeOrWithBetaZero) {
  SafetyScene s;
  EXPECT_FALSE(detail::safety_penalty(s.ctx, 0.0).defined());
  s.ctx.safety = nullptr;
  EXPECT_FALSE(detail::safety_penalty(s.ctx, 1.0).defined());
  EXPECT_TRUE(s.seen.empty());
  EXPECT_EQ(s.counters.forward_passes, 0);
}

}  // namespace
}  // namespace galt::train
