// The contrast-packet generator: coverage of every m and v (top-down
// included), labels consistent with the ledger rule, and a split by content
// with no exact or near-duplicate text across splits.
#include "bench/memory/contrast_packets.h"

#include <gtest/gtest.h>

#include <set>

#include "bench/memory/layer_heads.h"

namespace galt::memory {
namespace {

TEST(ContrastPackets, EveryLayerAndRegimeIsRealised) {
  const ContrastSplit s = generate_contrast_packets({}, 1);
  std::set<int> ms, vs;
  std::set<std::string> regimes, kinds;
  for (const auto& r : s.test) {
    ms.insert(r.memory_layer);
    vs.insert(r.violation_layer);
    regimes.insert(r.regime);
    kinds.insert(r.kind);
  }
  EXPECT_EQ(ms, (std::set<int>{0, 1, 2, 3}));
  EXPECT_EQ(vs, (std::set<int>{0, 1, 2, 3, 4}));  // 4 = no violation
  EXPECT_EQ(regimes, (std::set<std::string>{"no_violation", "bottom_up", "top_down"}));
  EXPECT_EQ(kinds.size(), 6u);
}

TEST(ContrastPackets, LabelsFollowTheLedgerRule) {
  const ContrastSplit s = generate_contrast_packets({}, 2);
  for (const auto* split : {&s.train, &s.validation, &s.test}) {
    for (const auto& r : *split) {
      const bool consolidated = r.outcome == MemoryOutcome::kConsolidate;
      const bool quarantined =
          r.violation_layer < kPacketLayers && r.violation_layer <= r.memory_layer;
      ASSERT_EQ(r.access, consolidated && !quarantined) << r.text;
      ASSERT_EQ(r.regime, regime_of(r.memory_layer, r.violation_layer));
      ASSERT_EQ(is_accepting(r.action), consolidated) << r.text;
    }
  }
}

TEST(ContrastPackets, HeldOutPairsOnlyInTest) {
  const ContrastSplit s = generate_contrast_packets({}, 3);
  for (const auto& r : s.train) ASSERT_FALSE(r.heldout) << r.text;
  for (const auto& r : s.validation) ASSERT_FALSE(r.heldout) << r.text;
  long heldout = 0;
  std::set<std::string> heldout_regimes;
  for (const auto& r : s.test) {
    if (r.heldout) {
      ++heldout;
      heldout_regimes.insert(r.regime);
    }
  }
  EXPECT_GT(heldout, 0);
  EXPECT_TRUE(heldout_regimes.count("top_down"));
  EXPECT_TRUE(heldout_regimes.count("bottom_up"));
  // Every m and v still occurs in training.
  std::set<int> ms, vs;
  for (const auto& r : s.train) {
    ms.insert(r.memory_layer);
    vs.insert(r.violation_layer);
  }
  EXPECT_EQ(ms.size(), 4u);
  EXPECT_EQ(vs.size(), 5u);
}

TEST(ContrastPackets, DeterministicInTheSeed) {
  const auto a = generate_contrast_packets({}, 5), b = generate_contrast_packets({}, 5);
  ASSERT_EQ(a.test.size(), b.test.size());
  for (std::size_t i = 0; i < a.test.size(); ++i) EXPECT_EQ(a.test[i].text, b.test[i].text);
  const auto c = generate_contrast_packets({}, 6);
  EXPECT_NE(a.test.front().text, c.test.front().text);
}

TEST(ContrastPackets, NearDuplicateMeasureWorks) {
  EXPECT_DOUBLE_EQ(near_duplicate_similarity("A b c d.", "a B c d"), 1.0);
  EXPECT_GE(near_duplicate_similarity("the cat sat on the warm mat today ok",
                                      "the cat sat on the warm mat today ok!"),
            0.8);
  EXPECT_LT(near_duplicate_similarity("one two three four", "five six seven eight"), 0.01);
}

// The split is by content: no exact or near-duplicate text crosses splits,
// and no content word (name, job, city, thing) is shared.
TEST(ContrastPackets, SplitsShareNoExactOrNearDuplicateText) {
  for (unsigned seed : {1u, 2u}) {
    const ContrastSplit s = generate_contrast_packets(
        {.train_packets = 120, .validation_packets = 30, .test_packets = 40}, seed);
    const std::vector<std::pair<const std::vector<ContrastRow>*, const std::vector<ContrastRow>*>>
        pairs = {{&s.train, &s.test}, {&s.train, &s.validation}, {&s.validation, &s.test}};
    for (const auto& [a, b] : pairs) {
      const CrossSimilarity cs = cross_similarity(*a, *b);
      EXPECT_EQ(cs.exact_duplicates, 0) << "seed " << seed;
      EXPECT_LT(cs.max_similarity, 0.8) << "seed " << seed;
      EXPECT_GT(cs.max_similarity, 0.0);  // the measure sees the shared wording
    }
    // Within a split the same wording recurs (the measure is not blind).
    EXPECT_GE(cross_similarity(s.train, s.train).max_similarity, 1.0);
    // Content words: capitalised names and the words after "topic of"/"about"
    // are drawn from disjoint pools; check names directly.
    std::set<std::string> train_words, test_words;
    for (const auto& r : s.train) {
      for (const auto& w : tokenize(r.text)) train_words.insert(w);
    }
    for (const auto& r : s.test) {
      for (const auto& w : tokenize(r.text)) test_words.insert(w);
    }
    std::set<std::string> test_only;
    for (const auto& w : test_words) {
      if (!train_words.count(w)) test_only.insert(w);
    }
    EXPECT_GT(test_only.size(), 20u);  // the test content is unseen
  }
}

TEST(LayerHeads, AccessIsTheLedgerRuleOverProposalsAndErrsTowardQuarantine) {
  const AccessPolicy hier;
  auto sure = [](int m, int v) {
    HeadProposal p;
    p.memory.assign(4, 0.0F);
    p.memory[m] = 1.0F;
    p.violation.assign(5, 0.0F);
    p.violation[v] = 1.0F;
    p.action = {1.0F, 0.0F, 0.0F};
    p.outcome = {1.0F, 0.0F, 0.0F};
    p.residual = {1.0F, 0.0F, 0.0F, 0.0F};
    return p;
  };
  EXPECT_TRUE(access_from_proposal(sure(1, 4), hier, 0.6));   // no violation
  EXPECT_FALSE(access_from_proposal(sure(2, 1), hier, 0.6));  // bottom-up
  EXPECT_TRUE(access_from_proposal(sure(1, 2), hier, 0.6));   // top-down
  // Unsure between v = 0 (quarantines) and v = 3 (does not) for m = 1:
  HeadProposal unsure = sure(1, 3);
  unsure.violation = {0.45F, 0.0F, 0.0F, 0.55F, 0.0F};
  EXPECT_NEAR(access_probability(unsure, hier), 0.55, 1e-6);
  EXPECT_FALSE(access_from_proposal(unsure, hier, 0.6));
  // A rejecting action is never readable.
  HeadProposal rej = sure(0, 4);
  rej.action = {0.3F, 0.0F, 0.7F};
  EXPECT_FALSE(access_from_proposal(rej, hier, 0.6));
}

TEST(LayerHeads, BagOfWordsAndNearestNeighbourLearnTheLabels) {
  const ContrastSplit s = generate_contrast_packets(
      {.train_packets = 60, .validation_packets = 4, .test_packets = 12}, 4);
  std::vector<std::string> texts;
  for (const auto& r : s.test) texts.push_back(r.text);
  LayerHeadsOptions o;
  o.bow_epochs = 150;
  std::vector<std::unique_ptr<LayerHeads>> learners;
  learners.push_back(make_bow_heads(o));
  learners.push_back(make_nearest_neighbour());
  for (auto& learner : learners) {
    learner->fit(s.train, 4);
    const auto props = learner->propose(texts);
    ASSERT_EQ(props.size(), texts.size());
    long action_ok = 0;
    for (std::size_t i = 0; i < props.size(); ++i) {
      const auto& a = props[i].action;
      const int arg = static_cast<int>(std::max_element(a.begin(), a.end()) - a.begin());
      action_ok += arg == static_cast<int>(s.test[i].action);
    }
    // The action wording is content-free: both learners should get it.
    EXPECT_GT(static_cast<double>(action_ok) / props.size(), 0.9) << learner->name();
  }
}

}  // namespace
}  // namespace galt::memory
