// The access rule (DESIGN §6): truth table for N = 2..8 and property tests
// over random raise/resolve sequences, through the real ledger.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "galt/error.h"
#include "galt/memory/access_policy.h"
#include "galt/memory/trace_ledger.h"
#include "memory/test_util.h"

namespace galt::memory {
namespace {

bool expected_quarantine(int m, const std::vector<int>& v) {
  // The definition, written independently of AccessPolicy: some active
  // violation at a layer ≤ m.
  for (int k : v) {
    if (k <= m) return true;
  }
  return false;
}

TEST(AccessRule, TruthTableAllSubsetsN2to8) {
  const AccessPolicy hier(AccessPolicyKind::kHierarchical);
  const AccessPolicy same(AccessPolicyKind::kSameLayer);
  const AccessPolicy flush(AccessPolicyKind::kFlush);
  for (int n = 2; n <= 8; ++n) {
    int same_misses_bottom_up = 0, flush_misses_top_down = 0;
    for (int m = 0; m < n; ++m) {
      for (unsigned subset = 0; subset < (1U << n); ++subset) {
        std::vector<int> v;
        for (int k = 0; k < n; ++k) {
          if (subset & (1U << k)) v.push_back(k);
        }
        const bool q = expected_quarantine(m, v);
        ASSERT_EQ(hier.quarantined(m, mask_of(v)), q) << "n=" << n << " m=" << m;
        ASSERT_EQ(hier.accessible(m, v), !q);
        if (q && !same.quarantined(m, mask_of(v))) ++same_misses_bottom_up;
        if (!q && !v.empty() && flush.quarantined(m, mask_of(v))) ++flush_misses_top_down;
        // The baselines' own definitions.
        ASSERT_EQ(same.quarantined(m, mask_of(v)), std::find(v.begin(), v.end(), m) != v.end());
        ASSERT_EQ(flush.quarantined(m, mask_of(v)), !v.empty());
      }
    }
    // The table tells the rule from both baselines for every N.
    EXPECT_GT(same_misses_bottom_up, 0) << "n=" << n;
    EXPECT_GT(flush_misses_top_down, 0) << "n=" << n;
  }
}

TEST(AccessRule, SingleViolationDirections) {
  const AccessPolicy hier;
  // Bottom-up invalidation: violation at 1 quarantines memories at 1, 2, 3.
  EXPECT_TRUE(hier.quarantined(3, mask_of({1})));
  EXPECT_TRUE(hier.quarantined(1, mask_of({1})));
  // Top-down containment: violation at 2 leaves memories at 0, 1 readable.
  EXPECT_FALSE(hier.quarantined(0, mask_of({2})));
  EXPECT_FALSE(hier.quarantined(1, mask_of({2})));
  EXPECT_FALSE(hier.quarantined(0, 0));
}

TEST(AccessRule, MaskRejectsBadLayers) {
  EXPECT_THROW(mask_of({-1}), InputError);
  EXPECT_THROW(mask_of({64}), InputError);
}

// Random raise/resolve sequences through the ledger: after every operation,
// access ⇔ no active violation at a layer ≤ m, whatever the order.
TEST(AccessRule, PropertyRandomRaiseResolveSequences) {
  testing::TempDir dir;
  std::mt19937 rng(1234);
  for (int trial = 0; trial < 12; ++trial) {
    const int n = 2 + trial % 7;
    LedgerOptions lo;
    lo.stack.layers = n;
    lo.stack.hard = {0};
    auto ledger = TraceLedger::create(dir.file("p" + std::to_string(trial) + ".db"), lo,
                                      OpenOptions{.durable = false});
    std::vector<EntryId> ids;
    std::vector<int> layer_of;
    for (int m = 0; m < n; ++m) {
      for (int r = 0; r < 2; ++r) {
        EntryId e = ledger.propose(m, "payload " + std::to_string(m));
        ledger.adjudicate(e, std::vector<double>(n, -1.0));
        ledger.consolidate(e);
        ids.push_back(e);
        layer_of.push_back(m);
      }
    }
    std::vector<std::pair<ViolationId, int>> active;
    for (int step = 0; step < 60; ++step) {
      if (active.empty() || rng() % 2 == 0) {
        const int layer = static_cast<int>(rng() % n);
        active.emplace_back(ledger.raise_violation(layer), layer);
      } else {
        const std::size_t i = rng() % active.size();
        ledger.resolve_violation(active[i].first);
        active.erase(active.begin() + static_cast<long>(i));
      }
      std::vector<int> layers;
      for (auto& [id, l] : active) layers.push_back(l);
      for (std::size_t i = 0; i < ids.size(); ++i) {
        ASSERT_EQ(ledger.accessible(ids[i]), !expected_quarantine(layer_of[i], layers))
            << "trial " << trial << " step " << step;
      }
    }
  }
}

// Order independence: raising the same multiset of violations in any order
// (and resolving the same subset in any order) gives the same access.
TEST(AccessRule, PropertyOrderDoesNotMatter) {
  testing::TempDir dir;
  std::mt19937 rng(99);
  const int n = 5;
  const std::vector<int> raise_layers = {3, 1, 4, 1, 2, 0};
  const std::set<std::size_t> to_resolve = {0, 3, 5};
  std::vector<std::vector<bool>> results;
  for (int perm = 0; perm < 6; ++perm) {
    LedgerOptions lo;
    lo.stack.layers = n;
    auto ledger = TraceLedger::create(dir.file("o" + std::to_string(perm) + ".db"), lo,
                                      OpenOptions{.durable = false});
    std::vector<EntryId> ids;
    for (int m = 0; m < n; ++m) {
      EntryId e = ledger.propose(m, "x");
      ledger.adjudicate(e, std::vector<double>(n, -1.0));
      ledger.consolidate(e);
      ids.push_back(e);
    }
    std::vector<std::size_t> order(raise_layers.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
    std::map<std::size_t, ViolationId> vid;
    for (std::size_t i : order) vid[i] = ledger.raise_violation(raise_layers[i]);
    std::vector<std::size_t> res(to_resolve.begin(), to_resolve.end());
    std::shuffle(res.begin(), res.end(), rng);
    for (std::size_t i : res) ledger.resolve_violation(vid[i]);
    std::vector<bool> acc;
    for (EntryId e : ids) acc.push_back(ledger.accessible(e));
    results.push_back(acc);
  }
  for (const auto& r : results) EXPECT_EQ(r, results.front());
  // Remaining active: layers 4, 1, 2 → min 1: only memory 0 is readable.
  EXPECT_EQ(results.front(), (std::vector<bool>{true, false, false, false, false}));
}

}  // namespace
}  // namespace galt::memory
