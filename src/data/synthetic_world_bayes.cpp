// The task family's Bayes accuracy: the ceiling of any classifier.
//
// Under the generator a word of a bag of label y is y's lexicon word w with
// probability (1 − q)/W and any given noise word with probability q/N (N =
// (T − 1)·W + F, the noise pool). The likelihood of label y is therefore
// ((1 − q)/W)^{c_y} (q/N)^{n − c_y}, c_y the count of y's words, which grows
// with c_y because validate() demands (1 − q)/W > q/N. With the options
// shown and a uniform prior over them, the Bayes rule is "the shown topic
// with the most words", ties split evenly. Its accuracy for a bag of n words
// is a multinomial sum over (c_y, c_1, c_2, c_3, rest): the label's words
// with probability 1 − q, each shown distractor's with q·W/N, the rest
// (fillers, topics not shown) with what remains.
#include <algorithm>
#include <cmath>

#include "data/synthetic_world_build.h"

namespace galt::data {
namespace {

double bayes_for_length(int n, double p_own, double p_other, double p_rest) {
  double total = 0;
  const double lfn = std::lgamma(n + 1.0);
  for (int c0 = 0; c0 <= n; ++c0)
    for (int c1 = 0; c1 <= n - c0; ++c1)
      for (int c2 = 0; c2 <= n - c0 - c1; ++c2)
        for (int c3 = 0; c3 <= n - c0 - c1 - c2; ++c3) {
          const int rest = n - c0 - c1 - c2 - c3;
          const int top = std::max({c1, c2, c3});
          if (c0 < top) continue;
          const int ties = (c1 == c0) + (c2 == c0) + (c3 == c0);
          const double log_coef = lfn - std::lgamma(c0 + 1.0) - std::lgamma(c1 + 1.0) -
                                  std::lgamma(c2 + 1.0) - std::lgamma(c3 + 1.0) -
                                  std::lgamma(rest + 1.0);
          const double p = std::exp(log_coef) * std::pow(p_own, c0) *
                           std::pow(p_other, c1 + c2 + c3) * std::pow(p_rest, rest);
          total += p / (1 + ties);
        }
  return total;
}

}  // namespace

double task_bayes_accuracy(const WorldOptions& o) {
  validate(o);
  const double q = o.noise_share;
  const double pool = double(o.topics - 1) * o.topic_words + o.fillers;
  const double p_own = 1 - q, p_other = q * o.topic_words / pool;
  const double p_rest = std::max(0.0, 1 - p_own - (kOptions - 1) * p_other);
  double sum = 0;
  for (int n = o.bag_min; n <= o.bag_max; ++n) sum += bayes_for_length(n, p_own, p_other, p_rest);
  return sum / (o.bag_max - o.bag_min + 1);
}

double SyntheticWorld::task_bayes_accuracy(const std::vector<Item>& items) const {
  double hits = 0;
  int64_t n = 0;
  for (const auto& it : items) {
    if (it.family != Family::kTask) continue;
    std::array<int, kOptions> count{};
    for (TokenId w : it.question) {
      const int t = vocab_.topic_of(w);
      for (int i = 0; i < kOptions; ++i)
        if (t >= 0 && it.task.shown[static_cast<size_t>(i)] == t) ++count[static_cast<size_t>(i)];
    }
    const int top = *std::max_element(count.begin(), count.end());
    if (count[static_cast<size_t>(it.answer)] == top)
      hits += 1.0 / double(std::count(count.begin(), count.end(), top));
    ++n;
  }
  return n == 0 ? 0.0 : hits / double(n);
}

}  // namespace galt::data
