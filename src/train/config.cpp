// TOML benchmark configs (layout in include/galt/train/config.h).
#include "galt/train/config.h"

#include <toml++/toml.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "galt/error.h"
#include "train/toml_reader.h"

namespace galt::train {

namespace {

using detail::parse_toml;
using detail::Reader;

// Both datasets a config can name ("fashion", "mnist") have ten classes; the
// runner checks the split again against the loaded data.
constexpr int64_t kDatasetClasses = 10;

// The [methods.<name>] tables of `root`: numeric options per method.
std::map<std::string, MethodOptions> method_tables(const toml::table& root, const Reader& r,
                                                   const std::string&) {
  std::map<std::string, MethodOptions> out;
  if (const auto* node = root.get("methods")) {
    const auto* mt = node->as_table();
    if (!mt) r.fail("[methods]", "expected a table of [methods.<name>] tables");
    for (const auto& [name, sub] : *mt) {
      const auto* st = sub.as_table();
      const std::string n(name.str());
      if (!st) r.fail("methods." + n, "expected a table of numeric options");
      MethodOptions opts;
      for (const auto& [k, v] : *st) {
        const std::string key = "methods." + n + "." + std::string(k.str());
        auto d = v.value<double>();
        if (!d) r.fail(key, "expected a number");
        // The range of each option is its method's (OptionReader); no option means nan or inf.
        if (!std::isfinite(*d)) r.fail(key, "expected a finite number, got " + Reader::show(*d));
        opts[std::string(k.str())] = *d;
      }
      out[n] = opts;
    }
  }
  return out;
}

}  // namespace

ProtocolConfig parse_bench_config(const std::string& text, const std::string& source,
                                  ConfigLoadOptions options) {
  const toml::table root = parse_toml(text, source);
  Reader r(source);
  static const std::set<std::string> tables{"benchmark", "model",   "training", "memory",
                                            "safety",    "methods", "tuning"};
  for (const auto& [k, _] : root)
    if (!tables.count(std::string(k.str())))
      r.fail("[" + std::string(k.str()) + "]",
             "unknown table (known: benchmark, model, training, memory, safety, methods, tuning)");
  ProtocolConfig p;
  const auto* b = r.table(
      root, "benchmark",
      {"name", "dataset", "scenario", "tasks", "classes_per_task", "seeds", "methods", "tuned"});
  if (!b)
    r.fail("[benchmark]", "missing table (it names the dataset, scenario, seeds and methods)");
  p.name = r.string(b, "benchmark", "name", p.name);
  p.dataset = r.string(b, "benchmark", "dataset", p.dataset, {"fashion", "mnist"});
  const auto scen = r.string(b, "benchmark", "scenario", "class", {"class", "task"});
  p.scenario = scen == "task" ? Scenario::kTaskIncremental : Scenario::kClassIncremental;
  p.tasks = static_cast<int>(r.integer(b, "benchmark", "tasks", p.tasks, 1, kDatasetClasses));
  p.classes_per_task = static_cast<int>(
      r.integer(b, "benchmark", "classes_per_task", p.classes_per_task, 1, kDatasetClasses));
  if (int64_t{p.tasks} * p.classes_per_task > kDatasetClasses)
    r.fail("benchmark.tasks",
           std::to_string(p.tasks) + " tasks of " + std::to_string(p.classes_per_task) +
               " classes need more than the dataset's " + std::to_string(kDatasetClasses) +
               " classes (expected tasks * classes_per_task <= " + std::to_string(kDatasetClasses) +
               ")");
  p.seeds = r.array<uint64_t>(b, "benchmark", "seeds", p.seeds);
  p.methods = r.array<std::string>(b, "benchmark", "methods", p.methods);
  // tuned = "file.toml" or ["a.toml", "b.toml"] (merged; a key set twice is an error).
  if (b && b->get("tuned")) {
    if (b->get("tuned")->is_string())
      p.tuned_files = {r.string(b, "benchmark", "tuned", "")};
    else
      p.tuned_files = r.array<std::string>(b, "benchmark", "tuned", {});
  }
  if (p.seeds.empty()) r.fail("benchmark.seeds", "expected at least one seed");
  if (p.methods.empty()) r.fail("benchmark.methods", "expected at least one method");

  const auto* m = r.table(root, "model", {"kind", "hidden", "lora_rank", "lora_alpha"});
  p.model = r.string(m, "model", "kind", p.model, {"mlp", "lora_mlp"});
  p.hidden = r.array<int64_t>(m, "model", "hidden", p.hidden);
  for (auto h : p.hidden)
    if (h < 1) r.fail("model.hidden", "expected widths >= 1");
  p.lora_rank = r.integer(m, "model", "lora_rank", p.lora_rank, 1);
  p.lora_alpha = r.number(m, "model", "lora_alpha", p.lora_alpha);
  if (!(p.lora_alpha > 0)) r.fail("model.lora_alpha", "expected a number > 0");

  const auto* t = r.table(
      root, "training",
      {"iterations", "batch", "lr", "weight_decay", "pretrain_iterations", "pretrain_lr",
       "eval_every", "test_per_task", "train_per_task", "validation_fraction", "evaluate_on"});
  p.iterations = r.integer(t, "training", "iterations", p.iterations, 1);
  p.batch = r.integer(t, "training", "batch", p.batch, 1);
  p.lr = r.number(t, "training", "lr", p.lr);
  if (!(p.lr > 0)) r.fail("training.lr", "expected a number > 0");
  p.weight_decay = r.number(t, "training", "weight_decay", p.weight_decay);
  if (!(p.weight_decay >= 0)) r.fail("training.weight_decay", "expected a number >= 0");
  p.pretrain_iterations = r.integer(t, "training", "pretrain_iterations", p.pretrain_iterations, 0);
  p.pretrain_lr = r.number(t, "training", "pretrain_lr", p.pretrain_lr);
  if (!(p.pretrain_lr > 0)) r.fail("training.pretrain_lr", "expected a number > 0");
  p.eval_every = r.integer(t, "training", "eval_every", p.eval_every, 1);
  p.test_per_task = r.integer(t, "training", "test_per_task", p.test_per_task, 0);
  p.train_per_task = r.integer(t, "training", "train_per_task", p.train_per_task, 0);
  p.validation_fraction = r.number(t, "training", "validation_fraction", p.validation_fraction);
  if (!(p.validation_fraction >= 0 && p.validation_fraction < 1))
    r.fail("training.validation_fraction", "expected a number in [0, 1)");
  p.evaluate_on =
      r.string(t, "training", "evaluate_on", "test", {"test", "validation"}) == "validation"
          ? EvalSplit::kValidation
          : EvalSplit::kTest;
  if (p.evaluate_on == EvalSplit::kValidation && p.validation_fraction == 0)
    r.fail("training.evaluate_on", "\"validation\" needs validation_fraction > 0");

  const auto* mem =
      r.table(root, "memory", {"anchors_per_task", "anchor_margin", "constraint_batch"});
  p.anchors_per_task = r.integer(mem, "memory", "anchors_per_task", p.anchors_per_task, 1);
  p.anchor_margin = r.number(mem, "memory", "anchor_margin", p.anchor_margin);
  if (!(p.anchor_margin >= 0)) r.fail("memory.anchor_margin", "expected a number >= 0");
  p.constraint_batch = r.integer(mem, "memory", "constraint_batch", p.constraint_batch, 0);

  const auto* s =
      r.table(root, "safety",
              {"critical_class", "forbidden_class", "epsilon", "probe_size", "probe_shift"});
  if (s) {
    p.safety.critical_class = r.integer(s, "safety", "critical_class", -1, 0, kDatasetClasses - 1);
    p.safety.forbidden_class =
        r.integer(s, "safety", "forbidden_class", -1, 0, kDatasetClasses - 1);
    if (!s->get("critical_class") || !s->get("forbidden_class"))
      r.fail("[safety]", "needs both critical_class and forbidden_class");
    if (p.safety.critical_class == p.safety.forbidden_class)
      r.fail("safety.forbidden_class", "expected a class other than critical_class");
    p.safety.epsilon = r.number(s, "safety", "epsilon", p.safety.epsilon);
    if (!(p.safety.epsilon >= 0 && p.safety.epsilon < 1))
      r.fail("safety.epsilon", "expected a number in [0, 1)");
    p.safety.probe_size = r.integer(s, "safety", "probe_size", p.safety.probe_size, 1);
    p.safety.probe_shift = r.integer(s, "safety", "probe_shift", p.safety.probe_shift, 0);
    if (p.safety.probe_shift > 8) r.fail("safety.probe_shift", "expected 0..8 pixels");
  }

  p.method_options = method_tables(root, r, source);

  if (const auto* tu =
          r.table(root, "tuning",
                  {"tasks", "iterations", "seeds", "points", "select", "violation_max", "grid"})) {
    auto& spec = p.tuning;
    spec.tasks = static_cast<int>(r.integer(tu, "tuning", "tasks", 0, 0, kDatasetClasses));
    spec.iterations = r.integer(tu, "tuning", "iterations", 0, 0);
    spec.seeds = r.array<uint64_t>(tu, "tuning", "seeds", spec.seeds);
    if (spec.seeds.empty()) r.fail("tuning.seeds", "expected at least one selection seed");
    spec.points =
        static_cast<int>(r.integer(tu, "tuning", "points", 0, 1, std::numeric_limits<int>::max()));
    if (!tu->get("points")) r.fail("tuning.points", "missing (the grid points every method gets)");
    spec.select = r.string(tu, "tuning", "select", spec.select, {"accuracy", "safe_accuracy"});
    spec.violation_max = r.number(tu, "tuning", "violation_max", spec.violation_max);
    if (!(spec.violation_max >= 0 && spec.violation_max <= 1))
      r.fail("tuning.violation_max", "expected a number in [0, 1] (a violation rate)");
    if (const auto* g = tu->get("grid")) {
      const auto* gt = g->as_table();
      if (!gt) r.fail("tuning.grid", "expected a table of [tuning.grid.<method>] tables");
      for (const auto& [mname, sub] : *gt) {
        const std::string mn(mname.str());
        const auto* st = sub.as_table();
        if (!st) r.fail("tuning.grid." + mn, "expected a table of value lists");
        for (const auto& [k, v] : *st) {
          const std::string key = "tuning.grid." + mn + "." + std::string(k.str());
          const auto* a = v.as_array();
          if (!a || a->empty()) r.fail(key, "expected a non-empty array of numbers");
          std::vector<double> vals;
          for (const auto& e : *a) {
            auto d = e.value<double>();
            if (!d) r.fail(key, "expected an array of numbers");
            if (!std::isfinite(*d)) r.fail(key, "expected finite numbers, got " + Reader::show(*d));
            vals.push_back(*d);
          }
          spec.grid[mn][std::string(k.str())] = vals;
        }
      }
    }
  }

  const auto explicit_options = p.method_options;
  for (auto& file : p.tuned_files) {
    namespace fs = std::filesystem;
    fs::path tuned(file);
    if (tuned.is_relative()) tuned = fs::path(source).parent_path() / tuned;
    file = tuned.lexically_normal().string();
    std::ifstream in(file);
    // The error_code overload: a name the system refuses (too long, say)
    // is bad input, not a filesystem_error escaping as an internal error
    // (found by fuzz/train/config_fuzz.cpp).
    std::error_code ec;
    const bool exists = fs::exists(file, ec);
    if (!in && options.allow_missing_tuned && !ec && !exists) {
      p.missing_tuned_files.push_back(file);
      continue;
    }
    if (!in)
      r.fail("benchmark.tuned", "cannot read the tuned file " + file +
                                    (ec ? " (" + ec.message() + ")" : "") +
                                    " (run `galt bench tune` to make it)");
    std::stringstream ss;
    ss << in.rdbuf();
    const toml::table troot = parse_toml(ss.str(), file);
    Reader tr(file);
    for (const auto& [k, _] : troot)
      if (std::string(k.str()) != "methods")
        tr.fail("[" + std::string(k.str()) + "]",
                "a tuned file holds only [methods.<name>] tables");
    for (const auto& [m, opts] : method_tables(troot, tr, file))
      for (const auto& [k, v] : opts) {
        if (explicit_options.count(m) && explicit_options.at(m).count(k))
          r.fail("methods." + m + "." + k,
                 "set both in the config and in the tuned file " + file + ": keep one");
        p.method_options[m][k] = v;  // a later tuned file overrides an earlier one
        p.tuned_options[m][k] = v;
      }
  }
  return p;
}

ProtocolConfig load_bench_config(const std::string& path, ConfigLoadOptions options) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot read the config file (missing or unreadable)");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_bench_config(ss.str(), path, options);
}

const char* to_string(EvalSplit s) { return s == EvalSplit::kValidation ? "validation" : "test"; }

const char* to_string(Scenario s) {
  return s == Scenario::kTaskIncremental ? "task-incremental" : "class-incremental";
}

}  // namespace galt::train
