// What the synthetic world's family builders share: seeded streams, balanced
// strata, the near-duplicate guard, and one builder per family
// (synthetic_world_{task,safety,facts,tools}.cpp).
#pragma once

#include <galt/data/synthetic_world.h>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "data/seeded_shuffle.h"

namespace galt::data::detail {

using FamilySplits = std::array<std::vector<Item>, kSplits>;

/// The fact templates a world may use (synthetic_world_facts.cpp).
inline constexpr int kFactTemplateCount = 8;

/// The longest token sequence (answer letter included) an item of family f
/// may have under options o.
int64_t longest_item(const WorldOptions& o, Family f);

/// An independent generator per (world seed, stream): each split of each
/// family draws from its own, so one size never shifts another's items.
std::mt19937_64 stream(uint64_t seed, uint64_t stream_id);

/// Stream ids: a family's base + the split.
inline constexpr uint64_t kTablesStream = 1;
inline uint64_t split_stream(Family f, Split s) {
  return 100 + 10 * static_cast<uint64_t>(f) + static_cast<uint64_t>(s);
}

/// A uniform double in [0, 1) from the top 53 bits (the same on every machine).
inline double unit(std::mt19937_64& rng) { return double(rng() >> 11) * 0x1.0p-53; }

/// Uniform integer in [0, n), n ≥ 1, as an int.
inline int below(std::mt19937_64& rng, int64_t n) {
  return static_cast<int>(uniform_below(rng, static_cast<uint64_t>(n)));
}

/// k distinct integers of [0, n) in random order (k ≤ n).
std::vector<int> distinct(std::mt19937_64& rng, int n, int k);

/// Counts of n items over k strata, differing by at most one (the first
/// n mod k strata get the extra one).
std::vector<int64_t> stratum_counts(int64_t n, int k);

/// Options in random order with `answer` at position `position`: a
/// permutation p of 0..3 with p[position] = answer. Used to place the right
/// option and shuffle the rest.
std::array<int, kOptions> place(std::mt19937_64& rng, int answer_content, int position,
                                const std::array<int, kOptions>& contents);

/// A question as a bag for the multiset Jaccard: its sorted tokens and a
/// 128-bit signature of the tokens it holds (bit = id mod 128).
struct QuestionBag {
  std::vector<TokenId> tokens;
  std::array<uint64_t, 2> mask{};
};
QuestionBag bag_of(const std::vector<TokenId>& question);
double bag_jaccard(const QuestionBag& a, const QuestionBag& b);
/// False when J(a, b) < near is certain without the merge. J ≥ τ needs the
/// intersection I ≥ τ(|a| + |b|)/(1 + τ), so |a| − I ≤ |a| − that; and every
/// signature bit of a missing from b's stands for at least one token of a
/// absent from b. (And J ≤ min(|a|, |b|)/max(|a|, |b|).) Two random
/// questions fail this test almost always, which makes the checks cheap.
bool may_reach(const QuestionBag& a, const QuestionBag& b, double near);

/// The training side's guard against near duplicates of evaluation items:
/// holds questions and refuses a candidate whose multiset Jaccard with any of
/// them reaches kNearDuplicateJaccard (contamination()'s rule).
class NearDuplicateGuard {
 public:
  bool near(const std::vector<TokenId>& question) const;
  void add(const std::vector<TokenId>& question);

 private:
  std::vector<QuestionBag> bags_;
};

/// Throws galt::InputError: the family's request space is too small.
[[noreturn]] void throw_space_exhausted(Family f);

/// Draws candidates from `draw` until one passes `guard`; throws
/// galt::InputError after many failures (the family's space is too small).
template <typename Draw>
Item draw_unique(Draw&& draw, const NearDuplicateGuard& guard, Family f) {
  for (int attempt = 0; attempt < 2000; ++attempt) {
    Item it = draw();
    if (!guard.near(it.question)) return it;
  }
  throw_space_exhausted(f);
}

/// The fact family's tables, made by build_facts.
struct FactTables {
  std::vector<int> table;                  // entity·attributes + attribute → value
  std::vector<std::vector<int>> held_out;  // per fact: its never-trained templates
  std::vector<CounterfactualEdit> edits;
};

void build_task(const WorldOptions& o, const WorldVocabulary& v, FamilySplits& out);
void build_safety(const WorldOptions& o, const WorldVocabulary& v, FamilySplits& out);
FactTables build_facts(const WorldOptions& o, const WorldVocabulary& v, FamilySplits& out);
/// `destructive`: the world's tool table (tools/2 of them, chosen by the seed).
void build_tools(const WorldOptions& o, const WorldVocabulary& v,
                 const std::vector<bool>& destructive, FamilySplits& out);
std::vector<bool> draw_destructive_tools(const WorldOptions& o);

/// Shuffles every split's items (the builders emit them stratum by stratum)
/// and sets each item's `split`.
void shuffle_splits(const WorldOptions& o, Family f, FamilySplits& out);

}  // namespace galt::data::detail
