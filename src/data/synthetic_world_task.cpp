// The task family: topic classification of noisy bags of words.
//
// Each word of a bag is, with probability 1 − noise_share, uniform over the
// label's lexicon, otherwise uniform over the noise pool (every other topic's
// lexicon and the fillers). Bag lengths are uniform in [bag_min, bag_max].
// With four topics the options are the topics in order (answer = label);
// with more, the label sits at a balanced position among three random others.
#include <numeric>

#include "data/synthetic_world_build.h"

namespace galt::data::detail {
namespace {

Item draw_task(const WorldOptions& o, const WorldVocabulary& v, std::mt19937_64& rng, int topic,
               int position) {
  Item it;
  it.family = Family::kTask;
  it.task.topic = topic;
  it.question.push_back(v.head(Family::kTask));
  const int n = o.bag_min + below(rng, o.bag_max - o.bag_min + 1);
  const int pool_topics = (o.topics - 1) * o.topic_words;
  for (int w = 0; w < n; ++w) {
    if (unit(rng) >= o.noise_share) {
      it.question.push_back(v.topic_word(topic, below(rng, o.topic_words)));
      ++it.task.on_topic_words;
      continue;
    }
    const int k = below(rng, pool_topics + o.fillers);
    if (k < pool_topics) {
      int other = k / o.topic_words;
      if (other >= topic) ++other;  // the pool skips the label's own lexicon
      it.question.push_back(v.topic_word(other, k % o.topic_words));
    } else {
      it.question.push_back(v.filler(k - pool_topics));
    }
  }
  if (o.topics == kOptions) {
    std::iota(it.task.shown.begin(), it.task.shown.end(), 0);
  } else {
    std::array<int, kOptions> contents{topic};
    const auto others = distinct(rng, o.topics - 1, kOptions - 1);
    for (int i = 0; i < kOptions - 1; ++i) {
      const int t = others[static_cast<size_t>(i)];
      contents[static_cast<size_t>(i + 1)] = t >= topic ? t + 1 : t;
    }
    it.task.shown = place(rng, topic, position, contents);
  }
  for (int i = 0; i < kOptions; ++i) {
    it.options[static_cast<size_t>(i)] = {v.topic_label(it.task.shown[static_cast<size_t>(i)])};
    if (it.task.shown[static_cast<size_t>(i)] == topic) it.answer = i;
  }
  return it;
}

}  // namespace

void build_task(const WorldOptions& o, const WorldVocabulary& v, FamilySplits& out) {
  NearDuplicateGuard guard;  // test, then validation: the train side may not come near them
  for (Split s : {Split::kTest, Split::kValidation, Split::kTrain}) {
    const int64_t n = s == Split::kTest         ? o.test_items
                      : s == Split::kValidation ? o.validation_items
                                                : o.train_items;
    auto rng = stream(o.seed, split_stream(Family::kTask, s));
    auto& items = out[static_cast<size_t>(s)];
    const auto counts = stratum_counts(n, o.topics);
    int64_t slot = 0;  // answer positions run on across the topics: balanced in each and overall
    for (int t = 0; t < o.topics; ++t) {
      for (int64_t j = 0; j < counts[static_cast<size_t>(t)]; ++j) {
        const int position = static_cast<int>(slot++ % kOptions);
        Item it =
            draw_unique([&] { return draw_task(o, v, rng, t, position); }, guard, Family::kTask);
        if (s != Split::kTrain) guard.add(it.question);
        items.push_back(std::move(it));
      }
    }
  }
}

}  // namespace galt::data::detail
