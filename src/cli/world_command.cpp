// `galt world`: the synthetic world of the channels work
// (include/galt/data/synthetic_world.h), for a person to look at.
//
//   galt world [--seed S] [--family task|safety|fact|tool] [--split test]
//              [--show N] [--json OUT]
//
// Prints the item counts per family and split, the test answers' letter
// counts, the task's Bayes ceiling (exact, and the Bayes rule on the test
// split), the contamination check of the training side against the
// evaluation side, and N decoded items per family of the chosen split; --json
// writes the same as one JSON object.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/option_checks.h"
#include "galt/data/synthetic_world.h"
#include "galt/error.h"
#include "galt/report/provenance.h"

namespace galt::cli {
namespace {

using data::Family;
using data::Item;
using data::Split;
using data::SyntheticWorld;

struct WorldArgs {
  uint64_t seed = 0;
  std::string family = "all";
  std::string split = "test";
  int show = 2;
  std::string json_out;
};

constexpr Family kFamilies[] = {Family::kTask, Family::kSafety, Family::kFact, Family::kTool};
constexpr Split kSplits[] = {Split::kTrain, Split::kValidation, Split::kTest, Split::kEditTrain,
                             Split::kEditHeldOut};

std::string letters(const std::vector<Item>& items) {
  std::array<int64_t, data::kOptions> c{};
  for (const auto& it : items) ++c[static_cast<size_t>(it.answer)];
  return std::to_string(c[0]) + "/" + std::to_string(c[1]) + "/" + std::to_string(c[2]) + "/" +
         std::to_string(c[3]);
}

std::string policies(uint8_t bits) {
  std::string s;
  for (auto p : {data::kConfirmDestructive, data::kOnlyRequestedTool, data::kNoHarmfulAction})
    if (bits & p) s += (s.empty() ? "" : ",") + std::string(data::policy_name(p));
  return s.empty() ? "-" : s;
}

// What an item is about, in words, and as JSON.
std::pair<std::string, nlohmann::json> describe(const SyntheticWorld& w, const Item& it) {
  const auto& v = w.vocabulary();
  std::ostringstream s;
  nlohmann::json j;
  switch (it.family) {
    case Family::kTask:
      s << "topic " << v.name(v.topic_label(it.task.topic)) << ", " << it.task.on_topic_words
        << " of " << it.question.size() - 1 << " words on topic";
      j = {{"topic", it.task.topic}, {"on_topic_words", it.task.on_topic_words}};
      break;
    case Family::kSafety:
      s << (it.safety.harmful ? "harmful" : "benign") << (it.safety.hard ? ", hard" : "")
        << " request: the safe response is "
        << data::response_name(it.safety.responses[static_cast<size_t>(it.answer)]);
      j = {{"harmful", it.safety.harmful}, {"hard", it.safety.hard}};
      break;
    case Family::kFact: {
      const auto& f = it.fact;
      s << v.name(v.entity(f.entity)) << " " << v.name(v.attribute(f.attribute)) << " → "
        << v.name(v.value(f.attribute, f.value));
      if (f.counterfactual)
        s << " (counterfactual; true " << v.name(v.value(f.attribute, f.true_value)) << ")";
      s << ", template " << f.template_id << " (" << (f.trained_paraphrase ? "trained" : "held out")
        << ")" << (f.edited && !f.counterfactual ? ", an edited fact's true value" : "");
      j = {{"entity", f.entity},
           {"attribute", f.attribute},
           {"value", f.value},
           {"true_value", f.true_value},
           {"template", f.template_id},
           {"counterfactual", f.counterfactual},
           {"edited", f.edited},
           {"trained_paraphrase", f.trained_paraphrase},
           {"edit", f.edit}};
      break;
    }
    case Family::kTool: {
      const auto& t = it.tool;
      s << v.name(v.tool(t.tool)) << (t.destructive ? " (destructive)" : " (safe)")
        << (t.requested ? ", requested" : ", not requested") << (t.confirmed ? ", confirmed" : "")
        << (t.harmful ? ", harmful" : "") << " → " << data::decision_name(t.correct)
        << "; violations";
      nlohmann::json viol = nlohmann::json::array();
      for (int i = 0; i < data::kOptions; ++i) {
        const auto bits = t.violations[static_cast<size_t>(i)];
        s << " " << char('A' + i) << ":" << policies(bits);
        viol.push_back(policies(bits));
      }
      j = {{"tool", t.tool},           {"destructive", t.destructive},
           {"requested", t.requested}, {"confirmed", t.confirmed},
           {"harmful", t.harmful},     {"correct", data::decision_name(t.correct)},
           {"violations", viol}};
      break;
    }
  }
  return {s.str(), j};
}

void run_world(const WorldArgs& a, std::ostream& out) {
  std::vector<Family> families;
  if (a.family == "all") {
    families.assign(std::begin(kFamilies), std::end(kFamilies));
  } else {
    try {
      families = {data::parse_family(a.family)};
    } catch (const InputError& e) {
      throw InputError(std::string("--family: ") + e.what() + " (or all)");
    }
  }
  Split split;
  try {
    split = data::parse_split(a.split);
  } catch (const InputError& e) {
    throw InputError(std::string("--split: ") + e.what());
  }
  if (!a.json_out.empty()) {  // refuse an unwritable output before the work
    std::ofstream probe(a.json_out, std::ios::app);
    if (!probe) throw InputError("--json: cannot write '" + a.json_out + "'");
  }

  const SyntheticWorld w(data::WorldOptions{.seed = a.seed});
  const auto& v = w.vocabulary();
  int64_t longest = 0;
  for (Split s : kSplits) {
    const auto b = data::tokenize(w.items(s), {.with_answer = true});
    if (b.lengths.numel() > 0) longest = std::max(longest, b.lengths.max().item<int64_t>());
  }
  nlohmann::json j = {{"command", "galt world"},
                      {"seed", a.seed},
                      {"vocabulary", v.size()},
                      {"longest_item_tokens", longest},
                      {"context", data::kMaxContext}};

  char line[256];
  std::snprintf(line, sizeof line,
                "galt world — seed %llu: %lld tokens, items of at most %lld tokens with the "
                "answer letter (context %lld)\n\n",
                static_cast<unsigned long long>(a.seed), static_cast<long long>(v.size()),
                static_cast<long long>(longest), static_cast<long long>(data::kMaxContext));
  out << line;
  std::snprintf(line, sizeof line, "%-8s %7s %11s %6s %11s %14s   %s\n", "family", "train",
                "validation", "test", "edit-train", "edit-held-out", "test answers A/B/C/D");
  out << line;
  for (Family f : families) {
    std::array<std::string, 5> n;
    for (Split s : kSplits) {
      const auto size = w.items(f, s).size();
      n[static_cast<size_t>(s)] = size == 0 ? "-" : std::to_string(size);
      j["counts"][std::string(data::family_name(f))][std::string(data::split_name(s))] = size;
    }
    const auto& test = w.items(f, Split::kTest);
    std::snprintf(line, sizeof line, "%-8s %7s %11s %6s %11s %14s   %s\n",
                  std::string(data::family_name(f)).c_str(), n[0].c_str(), n[1].c_str(),
                  n[2].c_str(), n[3].c_str(), n[4].c_str(), letters(test).c_str());
    out << line;
    j["test_answers"][std::string(data::family_name(f))] = letters(test);
  }
  out << "\n";

  const double bayes = w.task_bayes_accuracy();
  const double bayes_test = w.task_bayes_accuracy(w.items(Family::kTask, Split::kTest));
  std::snprintf(line, sizeof line,
                "task Bayes accuracy (the noise ceiling): %.4f exact; the Bayes rule scores "
                "%.4f on the test split\n",
                bayes, bayes_test);
  out << line;
  j["task_bayes_accuracy"] = {{"exact", bayes}, {"test", bayes_test}};
  int64_t hard = 0, hard_harmful = 0, policy = 0;
  for (const auto& it : w.items(Family::kSafety, Split::kTest)) {
    hard += it.safety.hard;
    hard_harmful += it.safety.hard && it.safety.harmful;
  }
  for (const auto& it : w.items(Family::kTool, Split::kTest)) policy += it.tool.policy_applies();
  std::snprintf(line, sizeof line,
                "safety: %lld hard test items (%lld harmful); tool: %lld of %zu test items test a "
                "policy\nedits: %zu, each 1 trained template × %d option orders and %d held-out "
                "paraphrases\n",
                static_cast<long long>(hard), static_cast<long long>(hard_harmful),
                static_cast<long long>(policy), w.items(Family::kTool, Split::kTest).size(),
                w.edits().size(), w.options().option_draws, w.options().held_out_templates);
  out << line;
  j["safety_hard_test_items"] = hard;
  j["tool_policy_test_items"] = policy;
  j["edits"] = w.edits().size();
  const auto training = w.training_side();
  const auto eval = w.evaluation_side();
  const auto dup = data::contamination(training, eval);
  int64_t exact = 0;
  for (const auto& d : dup) exact += d.exact;
  std::snprintf(line, sizeof line,
                "contamination, training side vs evaluation side: %lld exact, %lld near "
                "(near: question Jaccard ≥ %.2f)\n",
                static_cast<long long>(exact), static_cast<long long>(dup.size()) - exact,
                data::kNearDuplicateJaccard);
  out << line;
  j["contamination"] = {{"exact", exact},
                        {"near", static_cast<int64_t>(dup.size()) - exact},
                        {"threshold", data::kNearDuplicateJaccard}};

  // How close the evaluation side comes to the training side, per family:
  // each evaluation item's most similar training question.
  out << "nearest training question per evaluation item (question Jaccard, mean / max):";
  for (Family f : families) {
    std::vector<Item> fam_eval;
    for (const auto& it : eval)
      if (it.family == f) fam_eval.push_back(it);
    double sum = 0, top = 0;
    for (const auto& d : data::contamination(training, fam_eval, 1e-9)) {
      sum += d.jaccard;
      top = std::max(top, d.jaccard);
    }
    const double mean = fam_eval.empty() ? 0 : sum / double(fam_eval.size());
    std::snprintf(line, sizeof line, " %s %.2f / %.2f;", std::string(data::family_name(f)).c_str(),
                  mean, top);
    out << line;
    j["nearest_training_question"][std::string(data::family_name(f))] = {{"mean", mean},
                                                                         {"max", top}};
  }
  out << "\n";

  j["examples"] = nlohmann::json::array();
  if (a.show > 0) out << "\n" << data::split_name(split) << " examples:\n";
  for (Family f : families) {
    const auto& items = w.items(f, split);
    if (a.show > 0 && items.empty())
      out << "[" << data::family_name(f) << "] (no " << data::split_name(split) << " items)\n";
    for (size_t i = 0; i < items.size() && i < static_cast<size_t>(a.show); ++i) {
      const auto& it = items[i];
      const auto [text, meta] = describe(w, it);
      const std::string tokens = data::decode(v, data::render(it, true));
      out << "[" << data::family_name(f) << " " << i << "] answer " << char('A' + it.answer)
          << " — " << text << "\n  " << tokens << "\n";
      j["examples"].push_back({{"family", data::family_name(f)},
                               {"split", data::split_name(split)},
                               {"index", i},
                               {"answer", it.answer},
                               {"text", tokens},
                               {"about", text},
                               {"meta", meta}});
    }
  }
  if (!a.json_out.empty()) {
    j["provenance"] = report::to_json(report::provenance(invocation()));
    std::ofstream f(a.json_out);
    f << j.dump(2) << "\n";
    if (!f) throw InputError("--json: cannot write '" + a.json_out + "'");
  }
}

}  // namespace

void register_world(CLI::App& app, std::ostream& out) {
  auto a = std::make_shared<WorldArgs>();
  auto* cmd = app.add_subcommand(
      "world", "The synthetic world of the channels work: counts, Bayes ceiling, examples");
  cmd->add_option("--seed", a->seed, "world seed (0)")->check(at_least(0));
  cmd->add_option("--family", a->family, "task, safety, fact, tool or all (all)");
  cmd->add_option("--split", a->split,
                  "the examples' split: train, validation, test, edit-train, edit-held-out (test)");
  cmd->add_option("--show", a->show, "decoded examples per family (2)")->check(at_least(0));
  cmd->add_option("--json", a->json_out, "also write the summary and the examples here (JSON)");
  cmd->callback([a, &out] { run_world(*a, out); });
}

}  // namespace galt::cli
