// The fact family: "entity, attribute → value" from a random table, asked
// through paraphrase templates, and the counterfactual edits.
//
// Templates rotate over facts: with a seeded order π of the templates and a
// seeded rank r of each fact, fact f holds out π[(r_f + j) mod P] for
// j < held_out_templates and trains the rest, so every template is held out
// for the same share of facts and trained for the others (a model knows
// every template's syntax, and a held-out phrasing of a fact is new only for
// that fact).
#include <algorithm>

#include "data/synthetic_world_build.h"

namespace galt::data::detail {
namespace {

// A template is a token pattern: kEntity, kAttribute, or a template word.
constexpr int kEntity = -1, kAttribute = -2;
// Words: 0 "?", 1 what, 2 is, 3 of, 4 has, 5 which, 6 tell, 7 me, 8 give,
// 9 for, 10 find, 11 its, 12 name, 13 the (WorldVocabulary::template_word).
// Pairwise they share at most "of" beside the entity and the attribute, so
// two phrasings of one fact have a question Jaccard ≤ 0.6, and one template
// asked of two facts ≤ 4/6 (the longest has five tokens): both below
// kNearDuplicateJaccard (tests/data/synthetic_world_test.cpp checks it).
const std::vector<std::vector<int>> kTemplates = {
    {kEntity, kAttribute, 0},           // entity.03 color ?
    {1, 2, kEntity, kAttribute},        // what is entity.03 color
    {kAttribute, 3, kEntity},           // color of entity.03
    {kEntity, 4, 5, kAttribute},        // entity.03 has which color
    {6, 7, kEntity, kAttribute},        // tell me entity.03 color
    {8, kAttribute, 9, kEntity},        // give color for entity.03
    {10, kEntity, 11, kAttribute},      // find entity.03 its color
    {12, 13, kAttribute, 3, kEntity}};  // name the color of entity.03
static_assert(kFactTemplateCount == 8);

std::vector<TokenId> phrase(const WorldVocabulary& v, int tmpl, int entity, int attribute) {
  std::vector<TokenId> q;
  for (int w : kTemplates[static_cast<size_t>(tmpl)])
    q.push_back(w == kEntity      ? v.entity(entity)
                : w == kAttribute ? v.attribute(attribute)
                                  : v.template_word(w));
  return q;
}

struct FactDraw {
  int entity, attribute, true_value, answer_value, tmpl;
  bool counterfactual, edited, trained_paraphrase;
  int edit;
};

// Options: the answer's value at `position`; a counterfactual item offers the
// true value too (an unedited model picks it), the rest are distinct others.
Item draw_fact(const WorldOptions& o, const WorldVocabulary& v, std::mt19937_64& rng,
               const FactDraw& d, int position) {
  Item it;
  it.family = Family::kFact;
  FactInfo& f = it.fact;
  f.entity = d.entity;
  f.attribute = d.attribute;
  f.value = d.answer_value;
  f.true_value = d.true_value;
  f.template_id = d.tmpl;
  f.counterfactual = d.counterfactual;
  f.edited = d.edited;
  f.trained_paraphrase = d.trained_paraphrase;
  f.edit = d.edit;
  it.question = phrase(v, d.tmpl, d.entity, d.attribute);
  std::array<int, kOptions> contents{d.answer_value};
  size_t next = 1;
  if (d.counterfactual) contents[next++] = d.true_value;
  std::vector<int> rest;
  for (int x = 0; x < o.values; ++x)
    if (x != d.answer_value && x != d.true_value) rest.push_back(x);
  for (int k : distinct(rng, static_cast<int>(rest.size()), kOptions - static_cast<int>(next)))
    contents[next++] = rest[static_cast<size_t>(k)];
  f.shown = place(rng, d.answer_value, position, contents);
  for (int i = 0; i < kOptions; ++i)
    it.options[static_cast<size_t>(i)] = {v.value(d.attribute, f.shown[static_cast<size_t>(i)])};
  it.answer = position;
  return it;
}

}  // namespace

FactTables build_facts(const WorldOptions& o, const WorldVocabulary& v, FamilySplits& out) {
  const int facts = o.entities * o.attributes;
  const int P = o.templates, H = o.held_out_templates;
  auto tables = stream(o.seed, kTablesStream);
  FactTables t;
  t.table.resize(static_cast<size_t>(facts));
  for (auto& x : t.table) x = below(tables, o.values);
  const auto order = distinct(tables, P, P);         // π
  const auto rank = distinct(tables, facts, facts);  // r_f
  std::vector<std::vector<int>> trained(static_cast<size_t>(facts));
  t.held_out.resize(static_cast<size_t>(facts));
  for (int f = 0; f < facts; ++f) {
    const int r = rank[static_cast<size_t>(f)];
    for (int j = 0; j < P; ++j) {
      const int tmpl = order[static_cast<size_t>((r + j) % P)];
      (j < H ? t.held_out : trained)[static_cast<size_t>(f)].push_back(tmpl);
    }
  }
  // Edits: the first `edits` facts of a seeded order; each trains its fact's
  // first trained template and holds out its held-out ones.
  const auto edit_order = distinct(tables, facts, facts);
  std::vector<int> edit_of(static_cast<size_t>(facts), -1);
  for (int e = 0; e < o.edits; ++e) {
    const int f = edit_order[static_cast<size_t>(e)];
    CounterfactualEdit ed;
    ed.entity = f / o.attributes;
    ed.attribute = f % o.attributes;
    ed.true_value = t.table[static_cast<size_t>(f)];
    ed.new_value = (ed.true_value + 1 + below(tables, o.values - 1)) % o.values;
    ed.trained_template = trained[static_cast<size_t>(f)].front();
    ed.held_out_templates = t.held_out[static_cast<size_t>(f)];
    edit_of[static_cast<size_t>(f)] = e;
    t.edits.push_back(std::move(ed));
  }
  // Validation: unedited facts (a seeded order), each through its last trained
  // template, which train then leaves out.
  std::vector<int> validation_template(static_cast<size_t>(facts), -1);
  {
    int64_t left = o.validation_items;
    for (int f : distinct(tables, facts, facts)) {
      if (left == 0) break;
      if (edit_of[static_cast<size_t>(f)] >= 0) continue;
      validation_template[static_cast<size_t>(f)] = trained[static_cast<size_t>(f)].back();
      --left;
    }
  }

  auto fact_draw = [&](int f, int tmpl, bool counterfactual, bool trained_paraphrase) {
    const int e = edit_of[static_cast<size_t>(f)];
    const int truth = t.table[static_cast<size_t>(f)];
    return FactDraw{f / o.attributes,
                    f % o.attributes,
                    truth,
                    counterfactual ? t.edits[static_cast<size_t>(e)].new_value : truth,
                    tmpl,
                    counterfactual,
                    e >= 0,
                    trained_paraphrase,
                    e};
  };
  // Each split: a list of draws in seeded order, answer positions running on
  // (so each draws-long run of one pair covers draws different positions).
  auto emit = [&](Split s, std::vector<std::pair<FactDraw, int>> pairs) {
    auto rng = stream(o.seed, split_stream(Family::kFact, s));
    shuffle(pairs, rng);
    int64_t slot = 0;
    for (const auto& [d, copies] : pairs)
      for (int c = 0; c < copies; ++c)
        out[static_cast<size_t>(s)].push_back(
            draw_fact(o, v, rng, d, static_cast<int>(slot++ % kOptions)));
  };
  std::vector<std::pair<FactDraw, int>> train, validation, test, edit_train, edit_held_out;
  for (int f = 0; f < facts; ++f) {
    const bool edited = edit_of[static_cast<size_t>(f)] >= 0;
    for (int tmpl : trained[static_cast<size_t>(f)]) {
      if (tmpl == validation_template[static_cast<size_t>(f)]) {
        validation.emplace_back(fact_draw(f, tmpl, false, false), 1);
      } else {
        train.emplace_back(fact_draw(f, tmpl, false, true), o.option_draws);
      }
    }
    for (int tmpl : t.held_out[static_cast<size_t>(f)]) {
      if (edited) {
        edit_held_out.emplace_back(fact_draw(f, tmpl, true, false), 1);
      } else {
        test.emplace_back(fact_draw(f, tmpl, false, false), 1);
      }
    }
    if (edited)
      edit_train.emplace_back(fact_draw(f, trained[static_cast<size_t>(f)].front(), true, true),
                              o.option_draws);
  }
  emit(Split::kTrain, std::move(train));
  emit(Split::kValidation, std::move(validation));
  emit(Split::kTest, std::move(test));
  emit(Split::kEditTrain, std::move(edit_train));
  emit(Split::kEditHeldOut, std::move(edit_held_out));
  return t;
}

}  // namespace galt::data::detail
