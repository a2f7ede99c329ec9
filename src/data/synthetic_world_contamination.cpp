// contamination(): exact and near duplicates of evaluation items on the
// training side (the rule and its reasons: include/galt/data/synthetic_world.h).
#include <galt/data/synthetic_world.h>
#include <galt/error.h>

#include <algorithm>
#include <cmath>

#include "data/synthetic_world_build.h"

namespace galt::data {

double multiset_jaccard(const std::vector<TokenId>& a, const std::vector<TokenId>& b) {
  return detail::bag_jaccard(detail::bag_of(a), detail::bag_of(b));
}

std::vector<Duplicate> contamination(const std::vector<Item>& train_like,
                                     const std::vector<Item>& eval, double near) {
  if (!(near > 0 && near <= 1))
    throw InputError("contamination: near = " + std::to_string(near) +
                     ": expected a Jaccard threshold in (0, 1]");
  // The training side's questions as bags, per family.
  std::array<std::vector<std::pair<size_t, detail::QuestionBag>>, kFamilies> train;
  for (size_t i = 0; i < train_like.size(); ++i)
    train[static_cast<size_t>(train_like[i].family)].emplace_back(
        i, detail::bag_of(train_like[i].question));
  std::vector<Duplicate> out;
  for (size_t e = 0; e < eval.size(); ++e) {
    const Item& it = eval[e];
    const auto q = detail::bag_of(it.question);
    bool found = false;
    Duplicate best;
    best.eval_index = e;
    for (const auto& [i, s] : train[static_cast<size_t>(it.family)]) {
      if (!detail::may_reach(q, s, near)) continue;
      const double j = detail::bag_jaccard(q, s);
      if (j < near) continue;
      const Item& t = train_like[i];
      const bool exact = t.question == it.question && t.options == it.options;
      if (!found || (exact && !best.exact) || (exact == best.exact && j > best.jaccard)) {
        best.train_index = i;
        best.exact = exact;
        best.jaccard = j;
        found = true;
      }
      if (best.exact) break;
    }
    if (found) out.push_back(best);
  }
  return out;
}

}  // namespace galt::data
