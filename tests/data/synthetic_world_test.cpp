// The synthetic world (include/galt/data/synthetic_world.h): determinism,
// balance, context length, contamination, the task's Bayes ceiling, the
// families' labels and metadata, options, tokens.
#include <galt/data/synthetic_world.h>
#include <galt/error.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>
#include <sstream>

namespace galt::data {
namespace {

constexpr Family kAllFamilies[] = {Family::kTask, Family::kSafety, Family::kFact, Family::kTool};
constexpr Split kAllSplits[] = {Split::kTrain, Split::kValidation, Split::kTest, Split::kEditTrain,
                                Split::kEditHeldOut};

const SyntheticWorld& default_world() {
  static const SyntheticWorld w(WorldOptions{.seed = 7});
  return w;
}

std::string where(Family f, Split s) {
  return std::string(family_name(f)) + "/" + std::string(split_name(s));
}

// Every field of an item that the world sets, as one comparable string.
std::string fingerprint(const Item& it) {
  std::ostringstream s;
  for (TokenId t : render(it, true)) s << t << ' ';
  s << "| " << it.task.topic << ' ' << it.task.on_topic_words << ' ' << it.safety.harmful << ' '
    << it.safety.hard << ' ' << it.fact.entity << ' ' << it.fact.attribute << ' ' << it.fact.value
    << ' ' << it.fact.template_id << ' ' << it.fact.counterfactual << ' ' << it.tool.tool << ' '
    << static_cast<int>(it.tool.correct);
  return s.str();
}

std::vector<std::string> fingerprints(const SyntheticWorld& w) {
  std::vector<std::string> out;
  for (Family f : kAllFamilies)
    for (Split s : kAllSplits)
      for (const auto& it : w.items(f, s)) out.push_back(fingerprint(it));
  return out;
}

std::array<int64_t, kOptions> answer_counts(const std::vector<Item>& items) {
  std::array<int64_t, kOptions> c{};
  for (const auto& it : items) ++c.at(static_cast<size_t>(it.answer));
  return c;
}

// --- options and vocabulary ------------------------------------------------

TEST(SyntheticWorldOptions, DefaultsAreValidAndTheVocabularyIsAFewHundredUniqueNames) {
  EXPECT_NO_THROW(validate(WorldOptions{}));
  const WorldVocabulary v(WorldOptions{});
  EXPECT_EQ(v.size(), 305);
  std::set<std::string> names;
  for (TokenId i = 0; i < v.size(); ++i) {
    EXPECT_TRUE(names.insert(v.name(i)).second) << "duplicate name " << v.name(i);
    EXPECT_EQ(v.id(v.name(i)), i);
  }
  EXPECT_EQ(v.name(WorldVocabulary::kPad), "<pad>");
  EXPECT_EQ(v.name(WorldVocabulary::letter(3)), "D");
  EXPECT_EQ(v.name(WorldVocabulary::kAnswer), "Answer:");
  EXPECT_EQ(v.topic_of(v.topic_word(2, 5)), 2);
  EXPECT_EQ(v.topic_of(v.filler(0)), -1);
  EXPECT_THROW(v.name(static_cast<TokenId>(v.size())), InputError);
  EXPECT_THROW(v.id("no-such-token"), InputError);
}

TEST(SyntheticWorldOptions, BadOptionsAreInputErrors) {
  const std::vector<std::pair<std::string, std::function<void(WorldOptions&)>>> bad = {
      {"topics", [](WorldOptions& o) { o.topics = 3; }},
      {"topics", [](WorldOptions& o) { o.topics = 9; }},
      {"topic_words", [](WorldOptions& o) { o.topic_words = 0; }},
      {"fillers", [](WorldOptions& o) { o.fillers = 4; }},
      {"bag_max", [](WorldOptions& o) { o.bag_max = o.bag_min - 1; }},
      {"bag_max", [](WorldOptions& o) { o.bag_max = 60; }},
      {"noise_share", [](WorldOptions& o) { o.noise_share = 1; }},
      {"noise_share", [](WorldOptions& o) { o.noise_share = std::nan(""); }},
      {"noise_share", [](WorldOptions& o) { o.noise_share = 0.9; }},  // noise likelier than topic
      {"hard_share", [](WorldOptions& o) { o.hard_share = 1.5; }},
      {"benign_markers", [](WorldOptions& o) { o.benign_markers = 2; }},
      {"context_max", [](WorldOptions& o) { o.context_max = 13; }},
      {"context_max", [](WorldOptions& o) { o.context_max = o.context_min - 1; }},
      {"attributes", [](WorldOptions& o) { o.attributes = 9; }},
      {"values", [](WorldOptions& o) { o.values = 3; }},
      {"templates", [](WorldOptions& o) { o.templates = 9; }},
      {"held_out_templates", [](WorldOptions& o) { o.held_out_templates = 1; }},
      {"held_out_templates", [](WorldOptions& o) { o.held_out_templates = o.templates - 1; }},
      {"edits", [](WorldOptions& o) { o.edits = 0; }},
      {"edits", [](WorldOptions& o) { o.edits = o.entities * o.attributes; }},
      {"option_draws", [](WorldOptions& o) { o.option_draws = 5; }},
      {"tools", [](WorldOptions& o) { o.tools = 1; }},
      {"test_items", [](WorldOptions& o) { o.test_items = 0; }},
      {"train_items", [](WorldOptions& o) { o.train_items = -4; }},
  };
  for (const auto& [name, mutate] : bad) {
    WorldOptions o;
    mutate(o);
    try {
      validate(o);
      ADD_FAILURE() << name << ": accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos)
          << "the message names no field '" << name << "': " << e.what();
    }
    EXPECT_THROW(SyntheticWorld{o}, InputError) << name;
  }
  EXPECT_THROW(parse_family("facts"), InputError);
  EXPECT_THROW(parse_split("eval"), InputError);
  EXPECT_EQ(parse_split("edit-held-out"), Split::kEditHeldOut);
  EXPECT_EQ(parse_family("tool"), Family::kTool);
}

TEST(SyntheticWorldOptions, ARequestSpaceTooSmallForTheSizesIsAnInputError) {
  // Eight fillers, one context word, two markers: far fewer distinct safety
  // requests than 4096 + 512 items free of near duplicates.
  WorldOptions o{.train_items = 4096,
                 .fillers = 8,
                 .harmful_markers = 2,
                 .benign_markers = 3,
                 .hard_share = 0,
                 .context_min = 1,
                 .context_max = 1};
  EXPECT_THROW(SyntheticWorld{o}, InputError);
}

// --- determinism -------------------------------------------------------------

TEST(SyntheticWorld, TheSameSeedGivesTheSameWorldAndAnotherSeedAnother) {
  const SyntheticWorld again(WorldOptions{.seed = 7});
  EXPECT_EQ(fingerprints(default_world()), fingerprints(again));
  const SyntheticWorld other(WorldOptions{.seed = 8});
  const auto a = fingerprints(default_world()), b = fingerprints(other);
  ASSERT_EQ(a.size(), b.size());
  int64_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  EXPECT_LT(same, static_cast<int64_t>(a.size()) / 20) << "seeds 7 and 8 share most items";
  int64_t same_table = 0;
  for (int e = 0; e < 64; ++e)
    for (int at = 0; at < 4; ++at)
      same_table += default_world().fact_value(e, at) == other.fact_value(e, at);
  EXPECT_LT(same_table, 64);  // 1/8 of 256 facts agree by chance
}

TEST(SyntheticWorld, ASplitsItemsDoNotDependOnTheOtherSplitsSizes) {
  const SyntheticWorld smaller(WorldOptions{.seed = 7, .train_items = 1024});
  for (Family f : {Family::kTask, Family::kSafety, Family::kTool}) {
    const auto& a = default_world().items(f, Split::kTest);
    const auto& b = smaller.items(f, Split::kTest);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(fingerprint(a[i]), fingerprint(b[i]));
  }
}

// --- sizes and balance ---------------------------------------------------------

TEST(SyntheticWorld, DefaultSizesGiveEveryFamilyAtLeast256HeldOutItems) {
  const auto& w = default_world();
  const std::map<std::pair<Family, Split>, size_t> expected = {
      {{Family::kTask, Split::kTrain}, 4096},
      {{Family::kTask, Split::kValidation}, 256},
      {{Family::kTask, Split::kTest}, 512},
      {{Family::kSafety, Split::kTrain}, 4096},
      {{Family::kSafety, Split::kValidation}, 256},
      {{Family::kSafety, Split::kTest}, 512},
      {{Family::kTool, Split::kTrain}, 4096},
      {{Family::kTool, Split::kValidation}, 256},
      {{Family::kTool, Split::kTest}, 512},
      // 256 facts, 64 edited: 256 · 4 trained templates − 192 for validation, × 4 draws
      {{Family::kFact, Split::kTrain}, 3328},
      {{Family::kFact, Split::kValidation}, 192},
      {{Family::kFact, Split::kTest}, 384},
      {{Family::kFact, Split::kEditTrain}, 256},
      {{Family::kFact, Split::kEditHeldOut}, 128}};
  for (Family f : kAllFamilies) {
    EXPECT_GE(w.items(f, Split::kTest).size(), 256u) << family_name(f);
    for (Split s : kAllSplits) {
      auto it = expected.find({f, s});
      EXPECT_EQ(w.items(f, s).size(), it == expected.end() ? 0u : it->second) << where(f, s);
      for (const auto& item : w.items(f, s)) {
        ASSERT_EQ(item.family, f);
        ASSERT_EQ(item.split, s);
      }
    }
  }
  EXPECT_EQ(w.edits().size(), 64u);
}

TEST(SyntheticWorld, AnswersAreBalancedOverAToDInEverySplit) {
  for (const SyntheticWorld* w : {&default_world()}) {
    for (Family f : kAllFamilies)
      for (Split s : kAllSplits) {
        const auto& items = w->items(f, s);
        if (items.empty()) continue;
        const auto c = answer_counts(items);
        // The default sizes are multiples of four: exactly balanced.
        for (int i = 0; i < kOptions; ++i)
          EXPECT_EQ(c[static_cast<size_t>(i)], static_cast<int64_t>(items.size()) / kOptions)
              << where(f, s) << " letter " << i;
      }
  }
  // Sizes that are no multiple of four: counts differ by at most one.
  const SyntheticWorld odd(WorldOptions{.seed = 3,
                                        .train_items = 1001,
                                        .validation_items = 98,
                                        .test_items = 259,
                                        .edits = 33,
                                        .option_draws = 3});
  for (Family f : kAllFamilies)
    for (Split s : kAllSplits) {
      const auto c = answer_counts(odd.items(f, s));
      if (odd.items(f, s).empty()) continue;
      EXPECT_LE(*std::max_element(c.begin(), c.end()) - *std::min_element(c.begin(), c.end()), 1)
          << where(f, s);
    }
}

TEST(SyntheticWorld, TaskLabelsSafetyStrataAndToolDecisionsAreBalanced) {
  const auto& w = default_world();
  for (Split s : {Split::kTrain, Split::kValidation, Split::kTest}) {
    std::map<int, int64_t> topic;
    for (const auto& it : w.items(Family::kTask, s)) {
      ++topic[it.task.topic];
      EXPECT_EQ(it.answer, it.task.topic);  // four topics: the options in topic order
    }
    const auto n = static_cast<int64_t>(w.items(Family::kTask, s).size());
    for (int t = 0; t < 4; ++t) EXPECT_EQ(topic[t], n / 4) << where(Family::kTask, s);

    // Safety: half harmful; hard_share hard, half of them harmful; positions
    // balanced within each stratum.
    std::map<std::pair<bool, bool>, std::vector<Item>> strata;
    for (const auto& it : w.items(Family::kSafety, s))
      strata[{it.safety.hard, it.safety.harmful}].push_back(it);
    const auto m = static_cast<int64_t>(w.items(Family::kSafety, s).size());
    const auto hard = std::llround(0.25 * double(m));
    EXPECT_EQ(int64_t(strata[{true, true}].size() + strata[{true, false}].size()), hard);
    EXPECT_EQ(int64_t(strata[{true, true}].size() + strata[{false, true}].size()), m / 2);
    for (const auto& [key, items] : strata) {
      const auto c = answer_counts(items);
      EXPECT_LE(*std::max_element(c.begin(), c.end()) - *std::min_element(c.begin(), c.end()), 1);
    }

    std::map<Decision, std::vector<Item>> decisions;
    for (const auto& it : w.items(Family::kTool, s)) decisions[it.tool.correct].push_back(it);
    const auto k = static_cast<int64_t>(w.items(Family::kTool, s).size());
    ASSERT_EQ(decisions.size(), 4u);
    for (const auto& [d, items] : decisions) {
      EXPECT_EQ(static_cast<int64_t>(items.size()), k / 4) << decision_name(d);
      const auto c = answer_counts(items);
      EXPECT_LE(*std::max_element(c.begin(), c.end()) - *std::min_element(c.begin(), c.end()), 1);
    }
  }
}

TEST(SyntheticWorld, MoreThanFourTopicsPlaceTheLabelAtBalancedPositions) {
  const SyntheticWorld w(WorldOptions{.seed = 5, .test_items = 480, .topics = 6});
  const auto& test = w.items(Family::kTask, Split::kTest);
  std::map<int, int64_t> topic;
  for (const auto& it : test) {
    ++topic[it.task.topic];
    EXPECT_EQ(it.task.shown[static_cast<size_t>(it.answer)], it.task.topic);
    std::set<int> shown(it.task.shown.begin(), it.task.shown.end());
    EXPECT_EQ(shown.size(), 4u);
  }
  for (int t = 0; t < 6; ++t) EXPECT_EQ(topic[t], 80);
  for (int64_t c : answer_counts(test)) EXPECT_EQ(c, 120);
  EXPECT_GT(w.task_bayes_accuracy(), 0.5);
}

// --- context length and tokens ---------------------------------------------------

TEST(SyntheticWorld, EveryItemFitsTheContextOf64Tokens) {
  const SyntheticWorld longest(WorldOptions{.seed = 1,
                                            .train_items = 256,
                                            .bag_min = 40,
                                            .bag_max = 48,
                                            .noise_share = 0.3,
                                            .context_min = 12,
                                            .context_max = 12});
  for (const SyntheticWorld* w : {&default_world(), &longest})
    for (Family f : kAllFamilies)
      for (Split s : kAllSplits) {
        const auto& items = w->items(f, s);
        if (items.empty()) continue;
        const auto b = tokenize(items, {.with_answer = true});
        EXPECT_LE(b.tokens.size(1), kMaxContext) << where(f, s);
        EXPECT_LE(b.lengths.max().item<int64_t>(), kMaxContext);
      }
  EXPECT_LE(tokenize(default_world().items(Split::kTest), {.with_answer = true}).tokens.size(1),
            33);  // the default bag_max 20 + 13
}

TEST(SyntheticWorld, TokenizeGivesPaddedInt64TensorsWithTheAnswerAtTheEnd) {
  const auto& items = default_world().items(Split::kTest);
  const auto b = tokenize(items);
  const auto n = static_cast<int64_t>(items.size());
  ASSERT_EQ(b.tokens.dim(), 2);
  EXPECT_EQ(b.tokens.size(0), n);
  EXPECT_EQ(b.tokens.scalar_type(), torch::kInt64);
  for (const auto& t : {b.lengths, b.answers, b.families}) {
    EXPECT_EQ(t.scalar_type(), torch::kInt64);
    EXPECT_EQ(t.size(0), n);
  }
  const auto with = tokenize(items, {.with_answer = true, .pad_to = kMaxContext});
  EXPECT_EQ(with.tokens.size(1), kMaxContext);
  for (int64_t i = 0; i < n; i += 37) {
    const auto& it = items[static_cast<size_t>(i)];
    const int64_t len = b.lengths[i].item<int64_t>();
    EXPECT_EQ(len, static_cast<int64_t>(render(it).size()));
    EXPECT_EQ(b.tokens[i][len - 1].item<int64_t>(), WorldVocabulary::kAnswer);
    if (len < b.tokens.size(1)) {
      EXPECT_EQ(b.tokens[i][len].item<int64_t>(), WorldVocabulary::kPad);
    }
    EXPECT_EQ(with.lengths[i].item<int64_t>(), len + 1);
    EXPECT_EQ(with.tokens[i][len].item<int64_t>(), WorldVocabulary::letter(it.answer));
    EXPECT_EQ(b.answers[i].item<int64_t>(), it.answer);
    EXPECT_EQ(b.families[i].item<int64_t>(), static_cast<int64_t>(it.family));
  }
  EXPECT_THROW(tokenize(items, {.pad_to = 10}), InputError);
  EXPECT_THROW(tokenize(items, {.pad_to = kMaxContext + 1}), InputError);
  EXPECT_EQ(tokenize({}).tokens.size(0), 0);
}

TEST(SyntheticWorld, TokensRoundTripThroughDecode) {
  const auto& w = default_world();
  const auto& v = w.vocabulary();
  for (Family f : kAllFamilies) {
    const auto& items = w.items(f, Split::kTest);
    const auto b = tokenize(items, {.with_answer = true});
    for (size_t i = 0; i < items.size(); i += 51) {
      const auto tokens = render(items[i], true);
      const std::string text = decode(v, tokens);
      EXPECT_EQ(decode(v, b.tokens[static_cast<int64_t>(i)]), text);
      // Names are unique, so the text reads back to the tokens.
      std::istringstream in(text);
      std::vector<TokenId> back;
      for (std::string word; in >> word;) back.push_back(v.id(word));
      EXPECT_EQ(back, tokens) << text;
    }
  }
  const auto& fact = w.items(Family::kFact, Split::kTest).front();
  const std::string text = decode(v, render(fact, true));
  EXPECT_EQ(text.rfind("<bos> Q: ", 0), 0u) << text;
  EXPECT_NE(text.find(v.name(v.entity(fact.fact.entity))), std::string::npos);
  EXPECT_NE(text.find(" A " + v.name(v.value(fact.fact.attribute, fact.fact.shown[0]))),
            std::string::npos);
  EXPECT_THROW(decode(v, std::vector<TokenId>{9999}), InputError);
}

// --- contamination -------------------------------------------------------------

TEST(SyntheticWorld, NoEvaluationItemHasADuplicateOnTheTrainingSide) {
  const auto& w = default_world();
  const auto train = w.training_side(), eval = w.evaluation_side();
  EXPECT_TRUE(contamination(train, eval).empty());
  // Validation is clean of train too (tuning on it is honest).
  EXPECT_TRUE(contamination(w.items(Split::kTrain), w.items(Split::kValidation)).empty());
  // And far from the threshold: report how close the nearest pair comes.
  for (Family f : kAllFamilies) {
    double nearest = 0;
    for (const auto& d : contamination(w.items(Split::kTrain), w.items(f, Split::kTest), 0.5))
      nearest = std::max(nearest, d.jaccard);
    EXPECT_LT(nearest, kNearDuplicateJaccard) << family_name(f);
  }
}

TEST(SyntheticWorld, ContaminationFindsAPlantedLeakAndAPlantedNearDuplicate) {
  const auto& w = default_world();
  auto train = w.items(Split::kTrain);
  const auto eval = w.evaluation_side();
  // An evaluation item copied verbatim into training.
  const size_t leaked = 17;
  train.push_back(eval[leaked]);
  auto found = contamination(train, eval);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].eval_index, leaked);
  EXPECT_EQ(found[0].train_index, train.size() - 1);
  EXPECT_TRUE(found[0].exact);
  EXPECT_DOUBLE_EQ(found[0].jaccard, 1.0);

  // A task bag reordered with one word substituted.
  train.pop_back();
  size_t task_index = 0;
  while (eval[task_index].family != Family::kTask) ++task_index;
  Item near = eval[task_index];
  std::reverse(near.question.begin() + 1, near.question.end());
  near.question.back() = w.vocabulary().filler(0) == near.question.back()
                             ? w.vocabulary().filler(1)
                             : w.vocabulary().filler(0);
  train.push_back(near);
  found = contamination(train, eval);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].eval_index, task_index);
  EXPECT_FALSE(found[0].exact);
  EXPECT_GE(found[0].jaccard, kNearDuplicateJaccard);

  // A held-out fact asked through the same template with its options redrawn.
  train.pop_back();
  size_t fact_index = 0;
  while (eval[fact_index].family != Family::kFact) ++fact_index;
  Item redrawn = eval[fact_index];
  std::rotate(redrawn.options.begin(), redrawn.options.begin() + 1, redrawn.options.end());
  redrawn.answer = (redrawn.answer + kOptions - 1) % kOptions;
  train.push_back(redrawn);
  found = contamination(train, eval);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].eval_index, fact_index);
  EXPECT_FALSE(found[0].exact);

  // The same fact through its trained templates is the intended design: no
  // duplicate, though every test fact is trained.
  const auto& test_fact = eval[fact_index];
  std::vector<Item> same_fact;
  for (const auto& it : w.items(Family::kFact, Split::kTrain))
    if (it.fact.entity == test_fact.fact.entity && it.fact.attribute == test_fact.fact.attribute)
      same_fact.push_back(it);
  EXPECT_FALSE(same_fact.empty());
  EXPECT_TRUE(contamination(same_fact, {test_fact}).empty());
  EXPECT_THROW(contamination(train, eval, 0), InputError);
}

TEST(SyntheticWorld, ContaminationAgreesWithTheBruteForceJaccard) {
  // contamination() skips pairs by sizes and token signatures; it must find
  // exactly what comparing every pair finds, at any threshold.
  const auto& w = default_world();
  std::vector<Item> train, eval;
  const auto all_train = w.training_side(), all_eval = w.evaluation_side();
  for (size_t i = 0; i < all_train.size(); i += 7) train.push_back(all_train[i]);
  for (size_t i = 0; i < all_eval.size(); i += 5) eval.push_back(all_eval[i]);
  for (double near : {0.3, 0.4, 0.5, 0.6, kNearDuplicateJaccard}) {
    std::map<size_t, double> expected;
    for (size_t e = 0; e < eval.size(); ++e) {
      double best = -1;
      for (const auto& t : train)
        if (t.family == eval[e].family)
          best = std::max(best, multiset_jaccard(t.question, eval[e].question));
      if (best >= near) expected[e] = best;
    }
    std::map<size_t, double> found;
    for (const auto& d : contamination(train, eval, near)) found[d.eval_index] = d.jaccard;
    EXPECT_EQ(found, expected) << "near = " << near;
    if (near <= 0.4) {
      EXPECT_FALSE(found.empty()) << "the comparison exercised nothing";
    }
  }
}

TEST(SyntheticWorld, FactPhrasingsStayBelowTheNearDuplicateThreshold) {
  // Every pair of templates for one fact, and one template for two facts.
  const WorldOptions o{.templates = 8, .held_out_templates = 2};
  const SyntheticWorld w(o);
  std::map<int, Item> by_template;  // one item of fact (0, 0) per template
  std::map<int, std::vector<TokenId>> other_entity;
  for (Split s : kAllSplits)
    for (const auto& it : w.items(Family::kFact, s)) {
      if (it.fact.entity == 0 && it.fact.attribute == 0) by_template[it.fact.template_id] = it;
      if (it.fact.entity == 1 && it.fact.attribute == 0)
        other_entity[it.fact.template_id] = it.question;
    }
  ASSERT_EQ(by_template.size(), 8u);
  double same_fact = 0, same_template = 0;
  for (const auto& [a, x] : by_template) {
    for (const auto& [b, y] : by_template)
      if (a != b) same_fact = std::max(same_fact, multiset_jaccard(x.question, y.question));
    if (other_entity.count(a))
      same_template = std::max(same_template, multiset_jaccard(x.question, other_entity[a]));
  }
  EXPECT_LE(same_fact, 0.6 + 1e-12);
  EXPECT_LE(same_template, 4.0 / 6 + 1e-12);
}

// --- the task's Bayes ceiling ------------------------------------------------------

TEST(SyntheticWorld, TheTaskBayesAccuracyIsNear085AndTheRuleAchievesIt) {
  const auto& w = default_world();
  const double exact = w.task_bayes_accuracy();
  EXPECT_GT(exact, 0.80);
  EXPECT_LT(exact, 0.90);
  EXPECT_DOUBLE_EQ(exact, task_bayes_accuracy(WorldOptions{}));
  // The rule on the items: 4096 training bags, σ ≈ 0.005; 512 test bags, σ ≈ 0.015.
  EXPECT_NEAR(w.task_bayes_accuracy(w.items(Family::kTask, Split::kTrain)), exact, 0.025);
  EXPECT_NEAR(w.task_bayes_accuracy(w.items(Family::kTask, Split::kTest)), exact, 0.06);
  // Without noise the ceiling is 1; more noise lowers it.
  EXPECT_DOUBLE_EQ(task_bayes_accuracy(WorldOptions{.noise_share = 0}), 1.0);
  EXPECT_LT(task_bayes_accuracy(WorldOptions{.noise_share = 0.7}), exact);
  EXPECT_GT(task_bayes_accuracy(WorldOptions{.noise_share = 0.5}), exact);
  // The on-topic share matches 1 − noise_share.
  double on = 0, words = 0;
  for (const auto& it : w.items(Family::kTask, Split::kTrain)) {
    on += it.task.on_topic_words;
    words += double(it.question.size() - 1);
  }
  EXPECT_NEAR(on / words, 1 - WorldOptions{}.noise_share, 0.01);
}

// --- the families' labels and metadata ----------------------------------------------

TEST(SyntheticWorld, ToolPolicyLabelsAreConsistent) {
  const auto& w = default_world();
  for (Split s : {Split::kTrain, Split::kValidation, Split::kTest}) {
    for (const auto& it : w.items(Family::kTool, s)) {
      const ToolInfo& t = it.tool;
      EXPECT_EQ(t.destructive, w.tool_destructive(t.tool));
      EXPECT_EQ(t.decisions[static_cast<size_t>(it.answer)], t.correct);
      EXPECT_EQ(t.violations[static_cast<size_t>(it.answer)], 0) << "the correct decision violates";
      std::set<Decision> offered(t.decisions.begin(), t.decisions.end());
      EXPECT_EQ(offered.size(), 4u);
      const bool policy = t.harmful || !t.requested || (t.destructive && !t.confirmed);
      EXPECT_EQ(t.policy_applies(), policy);
      if (policy) {
        int violating_wrong = 0;
        for (int i = 0; i < kOptions; ++i)
          violating_wrong += i != it.answer && t.violations[static_cast<size_t>(i)] != 0;
        EXPECT_GE(violating_wrong, 1);
      }
      for (int i = 0; i < kOptions; ++i) {
        const Decision d = t.decisions[static_cast<size_t>(i)];
        const uint8_t v = t.violations[static_cast<size_t>(i)];
        EXPECT_EQ((v & kConfirmDestructive) != 0,
                  d == Decision::kCall && t.destructive && !t.confirmed);
        EXPECT_EQ((v & kOnlyRequestedTool) != 0, d == Decision::kCall && !t.requested);
        EXPECT_EQ((v & kNoHarmfulAction) != 0, d != Decision::kRefuse && t.harmful);
      }
      // The request says what the metadata says.
      const auto& q = it.question;
      auto has = [&](TokenId x) { return std::find(q.begin(), q.end(), x) != q.end(); };
      EXPECT_EQ(has(w.vocabulary().confirmed()), t.confirmed);
      EXPECT_EQ(has(w.vocabulary().verb(0)) || has(w.vocabulary().verb(1)), t.requested);
      EXPECT_EQ(q.at(2), w.vocabulary().tool(t.tool));
    }
  }
  int destructive = 0;
  for (int t = 0; t < 8; ++t) destructive += w.tool_destructive(t);
  EXPECT_EQ(destructive, 4);
}

TEST(SyntheticWorld, SafetyItemsOfferOneSafeResponseAndFlagTheHardOnes) {
  const auto& w = default_world();
  const auto& v = w.vocabulary();
  for (const auto& it : w.items(Family::kSafety, Split::kTest)) {
    const auto safe = it.safety.responses[static_cast<size_t>(it.answer)];
    EXPECT_EQ(safe, it.safety.harmful ? ResponseKind::kRefuse : ResponseKind::kComply);
    std::set<ResponseKind> kinds(it.safety.responses.begin(), it.safety.responses.end());
    EXPECT_EQ(kinds.size(), 4u);
    int harmful = 0, benign = 0;
    for (TokenId t : it.question) {
      for (int k = 0; k < 6; ++k) {
        harmful += t == v.harmful_marker(k);
        benign += t == v.benign_marker(k);
      }
    }
    EXPECT_EQ(harmful, it.safety.harmful ? 1 : 0);
    EXPECT_EQ(harmful + benign, it.safety.hard ? 3 : 1);
  }
}

TEST(SyntheticWorld, FactItemsCarryTheirFactTemplateAndEdit) {
  const auto& w = default_world();
  std::set<std::pair<int, int>> edited;
  for (const auto& e : w.edits()) {
    edited.insert({e.entity, e.attribute});
    EXPECT_NE(e.new_value, e.true_value);
    EXPECT_EQ(e.true_value, w.fact_value(e.entity, e.attribute));
    EXPECT_GE(e.held_out_templates.size(), 2u);
    EXPECT_EQ(e.held_out.size(), e.held_out_templates.size());
    EXPECT_EQ(e.trained.size(), 4u);
    for (size_t i : e.trained) {
      const auto& it = w.items(Family::kFact, Split::kEditTrain).at(i);
      EXPECT_EQ(it.fact.template_id, e.trained_template);
      EXPECT_TRUE(it.fact.trained_paraphrase);
    }
    for (size_t i : e.held_out) {
      const auto& it = w.items(Family::kFact, Split::kEditHeldOut).at(i);
      EXPECT_EQ(it.fact.entity, e.entity);
      EXPECT_FALSE(it.fact.trained_paraphrase);
    }
  }
  // Every new-value position of the edits is balanced (edit train and held out).
  for (Split s : {Split::kEditTrain, Split::kEditHeldOut})
    for (const auto& it : w.items(Family::kFact, s)) {
      const auto& f = it.fact;
      EXPECT_TRUE(f.counterfactual && f.edited);
      EXPECT_EQ(f.shown[static_cast<size_t>(it.answer)], f.value);
      EXPECT_EQ(f.value, w.edits().at(static_cast<size_t>(f.edit)).new_value);
      EXPECT_NE(std::find(f.shown.begin(), f.shown.end(), f.true_value), f.shown.end())
          << "a counterfactual item must offer the old value";
    }
  std::map<int, int64_t> held_out_per_template, trained_per_template;
  for (Split s : {Split::kTrain, Split::kValidation, Split::kTest}) {
    for (const auto& it : w.items(Family::kFact, s)) {
      const auto& f = it.fact;
      EXPECT_FALSE(f.counterfactual);
      EXPECT_EQ(f.value, w.fact_value(f.entity, f.attribute));
      EXPECT_EQ(f.shown[static_cast<size_t>(it.answer)], f.value);
      std::set<int> shown(f.shown.begin(), f.shown.end());
      EXPECT_EQ(shown.size(), 4u);
      const auto held = w.held_out_templates(f.entity, f.attribute);
      const bool is_held = std::find(held.begin(), held.end(), f.template_id) != held.end();
      EXPECT_EQ(is_held, s == Split::kTest);
      EXPECT_EQ(f.trained_paraphrase, s == Split::kTrain);
      EXPECT_EQ(f.edited, edited.count({f.entity, f.attribute}) == 1);
      if (s != Split::kTrain) {
        EXPECT_FALSE(f.edited) << "validation and test use unedited facts";
      }
      if (s == Split::kTest) ++held_out_per_template[f.template_id];
      if (s == Split::kTrain) ++trained_per_template[f.template_id];
    }
  }
  // Every template is trained for some facts and held out for others.
  EXPECT_EQ(held_out_per_template.size(), 6u);
  EXPECT_EQ(trained_per_template.size(), 6u);
  // Every test fact is trained (on other templates).
  std::set<std::pair<int, int>> trained;
  for (const auto& it : w.items(Family::kFact, Split::kTrain))
    trained.insert({it.fact.entity, it.fact.attribute});
  for (const auto& it : w.items(Family::kFact, Split::kTest))
    EXPECT_EQ(trained.count({it.fact.entity, it.fact.attribute}), 1u);
}

}  // namespace
}  // namespace galt::data
