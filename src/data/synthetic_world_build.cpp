// The builders' shared pieces: streams, strata, option placement, the
// near-duplicate guard.
#include "data/synthetic_world_build.h"

#include <galt/error.h>

#include <algorithm>
#include <bit>
#include <string>

namespace galt::data::detail {
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

}  // namespace

int64_t longest_item(const WorldOptions& o, Family f) {
  // <bos> Q: … Answer: letter = 4 tokens, one letter per option.
  constexpr int64_t frame = 4 + kOptions;
  switch (f) {
    case Family::kTask:  // head, the bag; options: a topic label each
      return frame + 1 + o.bag_max + kOptions;
    case Family::kSafety:  // head, ≤ 3 markers, context; options: kind + variant
      return frame + 1 + 3 + o.context_max + 2 * kOptions;
    case Family::kFact:  // the longest template (5 tokens); options: a value each
      return frame + 5 + kOptions;
    case Family::kTool:  // head, verb, tool, confirmed, a marker, context;
                         // options: call tool, reply, ask-confirm tool, refuse
      return frame + 5 + o.context_max + 6;
  }
  return 0;
}

std::mt19937_64 stream(uint64_t seed, uint64_t stream_id) {
  return std::mt19937_64(splitmix64(splitmix64(seed) ^ splitmix64(stream_id + 0x5157)));
}

std::vector<int> distinct(std::mt19937_64& rng, int n, int k) {
  std::vector<int> all(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) all[static_cast<size_t>(i)] = i;
  // A partial Fisher–Yates: the first k entries are a uniform k-subset in
  // uniform order.
  for (int i = 0; i < k; ++i)
    std::swap(all[static_cast<size_t>(i)], all[static_cast<size_t>(i + below(rng, n - i))]);
  all.resize(static_cast<size_t>(k));
  return all;
}

std::vector<int64_t> stratum_counts(int64_t n, int k) {
  std::vector<int64_t> c(static_cast<size_t>(k), n / k);
  for (int64_t i = 0; i < n % k; ++i) ++c[static_cast<size_t>(i)];
  return c;
}

std::array<int, kOptions> place(std::mt19937_64& rng, int answer_content, int position,
                                const std::array<int, kOptions>& contents) {
  std::vector<int> others;
  for (int c : contents)
    if (c != answer_content) others.push_back(c);
  shuffle(others, rng);
  std::array<int, kOptions> out{};
  size_t next = 0;
  for (int i = 0; i < kOptions; ++i)
    out[static_cast<size_t>(i)] = i == position ? answer_content : others[next++];
  return out;
}

QuestionBag bag_of(const std::vector<TokenId>& question) {
  QuestionBag b;
  b.tokens = question;
  std::sort(b.tokens.begin(), b.tokens.end());
  for (TokenId t : question) {
    const auto bit = static_cast<uint32_t>(t) % 128;
    b.mask[bit / 64] |= uint64_t{1} << (bit % 64);
  }
  return b;
}

double bag_jaccard(const QuestionBag& a, const QuestionBag& b) {
  // Σ min / Σ max over the two count vectors, by one merge of the sorted bags:
  // Σ max = |a| + |b| − Σ min.
  size_t i = 0, j = 0, inter = 0;
  const auto &x = a.tokens, &y = b.tokens;
  while (i < x.size() && j < y.size()) {
    if (x[i] < y[j]) {
      ++i;
    } else if (y[j] < x[i]) {
      ++j;
    } else {
      ++inter, ++i, ++j;
    }
  }
  const size_t uni = x.size() + y.size() - inter;
  return uni == 0 ? 1.0 : double(inter) / double(uni);
}

bool may_reach(const QuestionBag& a, const QuestionBag& b, double near) {
  const double la = double(a.tokens.size()), lb = double(b.tokens.size());
  if (std::min(la, lb) < near * std::max(la, lb)) return false;
  const double need = near * (la + lb) / (1 + near);  // the least intersection
  constexpr double slack = 1e-9;
  const int missing_a =
      std::popcount(a.mask[0] & ~b.mask[0]) + std::popcount(a.mask[1] & ~b.mask[1]);
  const int missing_b =
      std::popcount(b.mask[0] & ~a.mask[0]) + std::popcount(b.mask[1] & ~a.mask[1]);
  return missing_a <= la - need + slack && missing_b <= lb - need + slack;
}

bool NearDuplicateGuard::near(const std::vector<TokenId>& question) const {
  const auto q = bag_of(question);
  for (const auto& s : bags_)
    if (may_reach(q, s, kNearDuplicateJaccard) && bag_jaccard(q, s) >= kNearDuplicateJaccard)
      return true;
  return false;
}

void NearDuplicateGuard::add(const std::vector<TokenId>& question) {
  bags_.push_back(bag_of(question));
}

void throw_space_exhausted(Family f) {
  throw InputError("synthetic world: cannot draw the " + std::string(family_name(f)) +
                   " items without near duplicates of its evaluation items: the family's "
                   "request space is too small for these sizes (raise fillers, markers, tools "
                   "or context_max, or lower train_items / validation_items / test_items)");
}

void shuffle_splits(const WorldOptions& o, Family f, FamilySplits& out) {
  for (int s = 0; s < kSplits; ++s) {
    auto& items = out[static_cast<size_t>(s)];
    auto rng = stream(o.seed, 1000 + split_stream(f, static_cast<Split>(s)));
    shuffle(items, rng);
    for (auto& it : items) {
      it.family = f;
      it.split = static_cast<Split>(s);
    }
  }
}

}  // namespace galt::data::detail
