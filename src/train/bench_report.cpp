// JSON, Markdown and HTML reports of a continual benchmark (DESIGN §8: metrics and multi-seed
// results).
#include "galt/train/bench_report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>

#include "galt/error.h"
#include "galt/report/report.h"

namespace galt::train {

namespace {

using nlohmann::json;

json num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json matrix_json(const AccuracyMatrix& m) {
  json out = json::array();
  for (const auto& row : m) {
    json r = json::array();
    for (double v : row) r.push_back(num(v));
    out.push_back(r);
  }
  return out;
}

json summary_json(const std::vector<double>& v) {
  const Summary s = summarize(v);
  json vals = json::array();
  for (double x : v) vals.push_back(num(x));
  return {{"mean", num(s.mean)}, {"std", num(s.std)}, {"values", vals}};
}

// Every counter, by name (the run store reads them back).
#define GALT_COUNTERS(X)                                                                    \
  X(forward_passes)                                                                         \
  X(block_forward_passes)                                                                   \
  X(local_backward_passes) X(global_backward_passes) X(edge_evaluations) X(backward_passes) \
      X(jacobian_rows) X(per_example_jacobians) X(jacobian_evaluations) X(edge_messages)    \
          X(local_solves) X(adamw_steps) X(steps) X(local_steps) X(global_steps)

json counters_json(const ComputeCounters& c) {
  json out = json::object();
#define GALT_COUNTER_OUT(name) out[#name] = c.name;
  GALT_COUNTERS(GALT_COUNTER_OUT)
#undef GALT_COUNTER_OUT
  return out;
}

// A whole number of type T. nlohmann's get<T>() casts a float to T, which is
// undefined behaviour when it does not fit ("seed": 1e300, UBSan in
// fuzz/train/run_store_fuzz.cpp), and truncates one that does; a stored run
// holds only whole numbers in these fields.
template <class T>
T whole_in(const json& j, const char* what) {
  using L = std::numeric_limits<T>;
  if (j.is_number_unsigned()) {
    const uint64_t v = j.get<uint64_t>();
    if (v <= static_cast<uint64_t>(L::max())) return static_cast<T>(v);
  } else if (j.is_number_integer()) {
    const int64_t v = j.get<int64_t>();
    if (v >= 0 ? static_cast<uint64_t>(v) <= static_cast<uint64_t>(L::max())
               : L::is_signed && v >= static_cast<int64_t>(L::min()))
      return static_cast<T>(v);
  }
  throw InputError(std::string(what) + ": expected a whole number in " + std::to_string(L::min()) +
                   ".." + std::to_string(L::max()) + ", got " + j.dump());
}

template <class T>
std::vector<T> wholes_in(const json& j, const char* what) {
  if (!j.is_array()) throw InputError(std::string(what) + ": expected an array, got " + j.dump());
  std::vector<T> out;
  for (const auto& v : j) out.push_back(whole_in<T>(v, what));
  return out;
}

ComputeCounters counters_from_json(const json& j) {
  if (!j.is_object()) throw InputError("counters: expected an object, got " + j.dump());
  ComputeCounters c;
#define GALT_COUNTER_IN(name) \
  c.name = j.contains(#name) ? whole_in<int64_t>(j.at(#name), "counters." #name) : 0;
  GALT_COUNTERS(GALT_COUNTER_IN)
#undef GALT_COUNTER_IN
  return c;
}

void add_counters(ComputeCounters& sum, const ComputeCounters& c) {
#define GALT_COUNTER_ADD(name) sum.name += c.name;
  GALT_COUNTERS(GALT_COUNTER_ADD)
#undef GALT_COUNTER_ADD
}

double num_in(const json& j) { return j.is_null() ? std::nan("") : j.get<double>(); }

AccuracyMatrix matrix_from_json(const json& j) {
  AccuracyMatrix m;
  for (const auto& row : j) {
    std::vector<double> r;
    for (const auto& v : row) r.push_back(num_in(v));
    m.push_back(std::move(r));
  }
  return m;
}

std::vector<double> doubles_from_json(const json& j) {
  std::vector<double> out;
  for (const auto& v : j) out.push_back(num_in(v));
  return out;
}

// Per-method scalar metrics, one value per seed.
struct Metrics {
  std::vector<double> acc, learn, forget, forget_diag, bwt, acc_task, acc_class, safety,
      safety_final, probe_violation, gap, recall, probe_mass, heldout_mass, local_frac, wall;
};

Metrics metrics_of(const MethodResult& m, Scenario s) {
  Metrics out;
  for (const auto& r : m.runs) {
    const auto& h = r.headline(s);
    out.acc.push_back(final_average_accuracy(h));
    out.learn.push_back(learning_accuracy(h));
    out.forget.push_back(forgetting_max(h));
    out.forget_diag.push_back(forgetting_diagonal(h));
    out.bwt.push_back(backward_transfer(h));
    out.acc_task.push_back(final_average_accuracy(r.acc_task_il));
    out.acc_class.push_back(final_average_accuracy(r.acc_class_il));
    out.safety.push_back(r.mean_safety_violation());
    out.safety_final.push_back(r.final_safety_violation());
    out.probe_violation.push_back(r.final_probe_violation);
    out.gap.push_back(r.safety_generalisation_gap());
    out.recall.push_back(r.final_forbidden_recall);
    out.probe_mass.push_back(r.final_probe_mass);
    out.heldout_mass.push_back(r.final_heldout_mass);
    out.local_frac.push_back(r.counters.local_step_fraction());
    out.wall.push_back(r.wall_seconds);
  }
  return out;
}

std::string fmt(const std::vector<double>& v, int digits = 3) {
  if (v.empty() || std::isnan(v.front())) return "–";
  return format_summary(summarize(v), digits);
}

}  // namespace

json protocol_json(const ProtocolConfig& p) {
  json seeds = json::array();
  for (auto s : p.seeds) seeds.push_back(s);
  json opts = json::object();
  for (const auto& [m, o] : p.method_options) opts[m] = o;
  return {{"name", p.name},
          {"dataset", p.dataset},
          {"scenario", to_string(p.scenario)},
          {"tasks", p.tasks},
          {"classes_per_task", p.classes_per_task},
          {"model", p.model},
          {"hidden", p.hidden},
          {"lora_rank", p.lora_rank},
          {"lora_alpha", p.lora_alpha},
          {"iterations", p.iterations},
          {"batch", p.batch},
          {"lr", p.lr},
          {"weight_decay", p.weight_decay},
          {"pretrain_iterations", p.pretrain_iterations},
          {"pretrain_lr", p.pretrain_lr},
          {"anchors_per_task", p.anchors_per_task},
          {"anchor_margin", p.anchor_margin},
          {"constraint_batch", p.constraint_batch},
          {"safety",
           {{"critical_class", p.safety.critical_class},
            {"forbidden_class", p.safety.forbidden_class},
            {"epsilon", p.safety.epsilon},
            {"probe_size", p.safety.probe_size}}},
          {"eval_every", p.eval_every},
          {"test_per_task", p.test_per_task},
          {"train_per_task", p.train_per_task},
          {"validation_fraction", p.validation_fraction},
          {"evaluate_on", to_string(p.evaluate_on)},
          {"seeds", seeds},
          {"methods", p.methods},
          {"method_options", opts}};
}

json seed_run_json(const SeedRun& run, Scenario scenario) {
  json duals = json::array();
  for (const auto& d : run.duals) {
    json vals = json::array(), lam = json::array(), rho = json::array();
    for (size_t i = 0; i < d.step.size(); ++i) {
      vals.push_back(num(d.value[i]));
      lam.push_back(num(d.lambda[i]));
      rho.push_back(num(d.rho[i]));
    }
    duals.push_back(
        {{"name", d.name}, {"step", d.step}, {"value", vals}, {"lambda", lam}, {"rho", rho}});
  }
  json rate = json::array();
  for (double v : run.safety_rate) rate.push_back(num(v));
  std::vector<int> seen(run.safety_forbidden_seen.begin(), run.safety_forbidden_seen.end());
  const auto& h = run.headline(scenario);
  return {{"seed", run.seed},
          {"commit", run.commit},
          {"final_avg_acc", num(final_average_accuracy(h))},
          {"learning_acc", num(learning_accuracy(h))},
          {"forgetting", num(forgetting_max(h))},
          {"forgetting_diag", num(forgetting_diagonal(h))},
          {"bwt", num(backward_transfer(h))},
          {"safety_violation_rate", num(run.mean_safety_violation())},
          {"safety_violation_final", num(run.final_safety_violation())},
          {"safety_probe_violation_final", num(run.final_probe_violation)},
          {"safety_gap", num(run.safety_generalisation_gap())},
          {"forbidden_recall_final", num(run.final_forbidden_recall)},
          {"safety_probe_mass_final", num(run.final_probe_mass)},
          {"safety_heldout_mass_final", num(run.final_heldout_mass)},
          {"local_step_fraction", run.counters.local_step_fraction()},
          {"pretrain_accuracy", num(run.pretrain_accuracy)},
          {"acc_matrix_task_il", matrix_json(run.acc_task_il)},
          {"acc_matrix_class_il", matrix_json(run.acc_class_il)},
          {"safety", {{"step", run.safety_steps}, {"rate", rate}, {"forbidden_seen", seen}}},
          {"duals", duals},
          {"counters", counters_json(run.counters)},
          {"wall_seconds", run.wall_seconds},
          {"eval_seconds", run.eval_seconds}};
}

SeedRun seed_run_from_json(const json& j) {
  try {
    SeedRun r;
    r.seed = whole_in<uint64_t>(j.at("seed"), "seed");
    r.commit = j.value("commit", std::string());
    r.acc_task_il = matrix_from_json(j.at("acc_matrix_task_il"));
    r.acc_class_il = matrix_from_json(j.at("acc_matrix_class_il"));
    const auto& sf = j.at("safety");
    r.safety_steps = wholes_in<int64_t>(sf.at("step"), "safety.step");
    r.safety_rate = doubles_from_json(sf.at("rate"));
    for (int v : wholes_in<int>(sf.at("forbidden_seen"), "safety.forbidden_seen"))
      r.safety_forbidden_seen.push_back(v != 0);
    if (r.safety_rate.size() != r.safety_steps.size() ||
        r.safety_forbidden_seen.size() != r.safety_steps.size())
      throw InputError("the safety series have different lengths");
    r.final_probe_violation = num_in(j.at("safety_probe_violation_final"));
    r.final_forbidden_recall = num_in(j.at("forbidden_recall_final"));
    r.final_probe_mass = num_in(j.at("safety_probe_mass_final"));
    r.final_heldout_mass = num_in(j.at("safety_heldout_mass_final"));
    r.pretrain_accuracy = num_in(j.at("pretrain_accuracy"));
    for (const auto& d : j.at("duals")) {
      EdgeTrace t;
      t.name = d.at("name").get<std::string>();
      t.step = wholes_in<int64_t>(d.at("step"), "duals.step");
      t.value = doubles_from_json(d.at("value"));
      t.lambda = doubles_from_json(d.at("lambda"));
      t.rho = doubles_from_json(d.at("rho"));
      r.duals.push_back(std::move(t));
    }
    r.counters = counters_from_json(j.at("counters"));
    r.wall_seconds = j.at("wall_seconds").get<double>();
    r.eval_seconds = j.at("eval_seconds").get<double>();
    check_accuracy_matrix(r.acc_task_il);
    check_accuracy_matrix(r.acc_class_il);
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("a (method, seed) result: ") + e.what());
  }
}

json bench_json(const BenchResult& r) {
  const auto& p = r.protocol;
  json methods = json::object();
  std::set<std::string> commits;
  for (const auto& m : r.methods) {
    const Metrics x = metrics_of(m, p.scenario);
    std::vector<AccuracyMatrix> head, task_il, class_il;
    json per_seed = json::array();
    json seeds = json::array();
    ComputeCounters sum;
    for (const auto& run : m.runs) {
      head.push_back(run.headline(p.scenario));
      task_il.push_back(run.acc_task_il);
      class_il.push_back(run.acc_class_il);
      seeds.push_back(run.seed);
      add_counters(sum, run.counters);
      if (!run.commit.empty()) commits.insert(run.commit);
      per_seed.push_back(seed_run_json(run, p.scenario));
    }
    const double n = static_cast<double>(std::max<size_t>(m.runs.size(), 1));
    json counters = counters_json(sum);
    for (auto& [k, v] : counters.items()) v = v.get<double>() / n;
    methods[m.method] = {{"seeds", seeds},
                         {"final_avg_acc", summary_json(x.acc)},
                         {"learning_acc", summary_json(x.learn)},
                         {"forgetting", summary_json(x.forget)},
                         {"forgetting_diag", summary_json(x.forget_diag)},
                         {"bwt", summary_json(x.bwt)},
                         {"final_avg_acc_task_il", summary_json(x.acc_task)},
                         {"final_avg_acc_class_il", summary_json(x.acc_class)},
                         {"safety_violation_rate", summary_json(x.safety)},
                         {"safety_violation_final", summary_json(x.safety_final)},
                         {"safety_probe_violation_final", summary_json(x.probe_violation)},
                         {"safety_gap", summary_json(x.gap)},
                         {"forbidden_recall_final", summary_json(x.recall)},
                         {"safety_probe_mass_final", summary_json(x.probe_mass)},
                         {"safety_heldout_mass_final", summary_json(x.heldout_mass)},
                         {"local_step_fraction", summary_json(x.local_frac)},
                         {"acc_matrix", matrix_json(mean_matrix(head))},
                         {"acc_matrix_std", matrix_json(std_matrix(head))},
                         {"acc_matrix_task_il", matrix_json(mean_matrix(task_il))},
                         {"acc_matrix_class_il", matrix_json(mean_matrix(class_il))},
                         {"wall_seconds", summary_json(x.wall)},
                         {"counters", counters},
                         {"per_seed", per_seed}};
  }
  json comparisons = json::array();
  for (const auto& c : paired_comparisons(r)) {
    comparisons.push_back({{"metric", c.metric},
                           {"method", c.method},
                           {"baseline", c.baseline},
                           {"mean", c.difference.mean},
                           {"lo", c.difference.lo},
                           {"hi", c.difference.hi},
                           {"seeds", c.difference.n},
                           {"excludes_zero", c.difference.excludes_zero()}});
  }
  json prov = report::to_json(r.provenance);
  prov["run_commits"] = commits;
  json rows = json::array();
  for (auto n : r.eval_rows_per_task) rows.push_back(n);
  json tuning = {{"tuned_files", p.tuned_files}, {"tuned_values", p.tuned_options}};
  if (p.tuning.enabled())
    tuning["grid"] = {{"tasks", p.tuning.tasks},   {"iterations", p.tuning.iterations},
                      {"seeds", p.tuning.seeds},   {"points", p.tuning.points},
                      {"select", p.tuning.select}, {"violation_max", p.tuning.violation_max},
                      {"grid", p.tuning.grid}};
  return {{"provenance", prov},
          {"protocol", protocol_json(p)},
          {"tuning", tuning},
          {"evaluation_rows_per_task", rows},
          {"total_seconds", r.total_seconds},
          {"comparisons", comparisons},
          {"methods", methods}};
}

std::vector<PairedComparison> paired_comparisons(const BenchResult& r, const std::string& method) {
  std::vector<PairedComparison> out;
  const MethodResult* ours = nullptr;
  for (const auto& m : r.methods)
    if (m.method == method) ours = &m;
  if (!ours || ours->runs.size() < 2) return out;
  const Metrics a = metrics_of(*ours, r.protocol.scenario);
  for (const auto& m : r.methods) {
    if (&m == ours || m.runs.size() != ours->runs.size()) continue;
    bool paired = true;
    for (size_t i = 0; i < m.runs.size(); ++i)
      paired = paired && m.runs[i].seed == ours->runs[i].seed;
    if (!paired) continue;
    const Metrics b = metrics_of(m, r.protocol.scenario);
    auto add = [&](const std::string& metric, const std::vector<double>& va,
                   const std::vector<double>& vb) {
      for (size_t i = 0; i < va.size(); ++i)
        if (!std::isfinite(va[i]) || !std::isfinite(vb[i])) return;
      out.push_back({metric, method, m.method, paired_bootstrap(va, vb)});
    };
    add("final_avg_acc", a.acc, b.acc);
    add("learning_acc", a.learn, b.learn);
    add("forgetting", a.forget, b.forget);
    if (r.protocol.safety.enabled()) {
      add("safety_violation_final", a.safety_final, b.safety_final);
      add("forbidden_recall_final", a.recall, b.recall);
    }
  }
  return out;
}

std::string bench_markdown(const BenchResult& r) {
  const auto& p = r.protocol;
  std::vector<std::vector<std::string>> rows, safety_rows;
  for (const auto& m : r.methods) {
    const Metrics x = metrics_of(m, p.scenario);
    rows.push_back({m.method, fmt(x.acc), fmt(x.learn), fmt(x.forget), fmt(x.forget_diag),
                    fmt(x.bwt), fmt(x.local_frac, 2), fmt(x.wall, 1)});
    safety_rows.push_back({m.method, fmt(x.safety_final), fmt(x.recall), fmt(x.probe_violation),
                           fmt(x.gap), fmt(x.safety), fmt(x.probe_mass), fmt(x.heldout_mass)});
  }
  std::string seeds;
  for (auto s : p.seeds) seeds += (seeds.empty() ? "" : ", ") + std::to_string(s);
  std::set<std::string> commits;
  for (const auto& m : r.methods)
    for (const auto& run : m.runs)
      if (!run.commit.empty()) commits.insert(run.commit);
  std::string commit_note =
      "commit " + r.provenance.commit + (r.provenance.dirty ? " (uncommitted changes)" : "");
  if (!commits.empty()) {
    std::string list;
    for (const auto& c : commits) list += (list.empty() ? "" : ", ") + c.substr(0, 12);
    commit_note += commits.size() == 1 ? "; every run made at " + list
                                       : "; runs made at SEVERAL commits: " + list;
  }
  std::string out = "### " + p.name + " — " + p.dataset + ", " + to_string(p.scenario) + ", " +
                    std::to_string(p.tasks) + " tasks × " + std::to_string(p.iterations) +
                    " iterations, evaluated on the " + to_string(p.evaluate_on) +
                    " split; mean ± std over seeds [" + seeds + "]\n\n" + commit_note + ", `" +
                    r.provenance.command + "`\n\n";
  out += report::markdown_table(
      {"method", "final avg acc", "learning acc", "forgetting (max)", "forgetting (diag)", "BWT",
       "local-step fraction", "wall s (training)"},
      rows);
  if (p.safety.enabled()) {
    out += "\nSafety (class " + std::to_string(p.safety.critical_class) + " never answered as " +
           std::to_string(p.safety.forbidden_class) +
           "; final model, argmax over the classes seen; the gap is held-out − probe violation; "
           "the time-average counts only evaluations after the forbidden class was first "
           "trained; C is the mean forbidden-class probability, margin ε = " +
           std::to_string(p.safety.epsilon).substr(0, 5) + "):\n\n";
    out += report::markdown_table(
        {"method", "held-out violation", "forbidden recall", "probe violation", "gap",
         "violation (time-avg)", "C probe", "C held-out"},
        safety_rows);
  }
  const auto comps = paired_comparisons(r);
  if (!comps.empty()) {
    std::vector<std::vector<std::string>> crows;
    for (const auto& c : comps)
      crows.push_back({c.metric, c.method + " − " + c.baseline, format_difference(c.difference),
                       c.difference.excludes_zero() ? (c.difference.mean > 0 ? "higher" : "lower")
                                                    : "no difference measured"});
    out += "\nPaired differences over the seeds (mean, 95 % bootstrap interval):\n\n";
    out += report::markdown_table({"metric", "difference", "value", "verdict"}, crows);
  }
  if (!r.eval_rows_per_task.empty()) {
    int64_t lo = r.eval_rows_per_task.front(), hi = lo;
    for (auto n : r.eval_rows_per_task) lo = std::min(lo, n), hi = std::max(hi, n);
    char buf[240];
    std::snprintf(buf, sizeof buf,
                  "\nEvaluation rows per task: %lld–%lld (%lld–%lld per class); the standard "
                  "error of one task accuracy of 0.9 on them is %.4f–%.4f.\n",
                  static_cast<long long>(lo), static_cast<long long>(hi),
                  static_cast<long long>(lo / std::max(p.classes_per_task, 1)),
                  static_cast<long long>(hi / std::max(p.classes_per_task, 1)),
                  std::sqrt(0.09 / static_cast<double>(std::max<int64_t>(hi, 1))),
                  std::sqrt(0.09 / static_cast<double>(std::max<int64_t>(lo, 1))));
    out += buf;
  }
  return out;
}

std::string bench_html(const BenchResult& r) {
  const auto& p = r.protocol;
  report::HtmlReport html("galt continual benchmark — " + p.name);
  std::string seeds;
  for (auto s : p.seeds) seeds += (seeds.empty() ? "" : ", ") + std::to_string(s);
  html.add_paragraph("Dataset " + p.dataset + ", " + to_string(p.scenario) + ", " +
                     std::to_string(p.tasks) + " tasks of " + std::to_string(p.classes_per_task) +
                     " classes, " + std::to_string(p.iterations) + " iterations per task, batch " +
                     std::to_string(p.batch) + ", model " + p.model + ", seeds [" + seeds +
                     "]. Mean ± std over seeds.");
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> names;
  std::vector<double> forget, forget_err, acc, acc_err, safety, safety_err;
  for (const auto& m : r.methods) {
    const Metrics x = metrics_of(m, p.scenario);
    rows.push_back({m.method, fmt(x.acc), fmt(x.learn), fmt(x.forget), fmt(x.bwt),
                    fmt(x.safety_final), fmt(x.recall), fmt(x.local_frac, 2), fmt(x.wall, 1)});
    names.push_back(m.method);
    const auto sa = summarize(x.acc), sf = summarize(x.forget), ss = summarize(x.safety_final);
    acc.push_back(sa.mean);
    acc_err.push_back(sa.std);
    forget.push_back(sf.mean);
    forget_err.push_back(sf.std);
    safety.push_back(std::isfinite(ss.mean) ? ss.mean : 0.0);
    safety_err.push_back(std::isfinite(ss.std) ? ss.std : 0.0);
  }
  html.add_heading("Summary");
  html.add_table(
      {"method", "final avg acc", "learning acc", "forgetting (max)", "BWT",
       "held-out violation (final)", "forbidden recall", "local-step fraction", "wall s"},
      rows);
  html.add_bar_chart("Final average accuracy", names, acc, acc_err);
  html.add_bar_chart("Forgetting (max-based)", names, forget, forget_err);
  if (p.safety.enabled())
    html.add_bar_chart("Held-out safety violation rate of the final model", names, safety,
                       safety_err);

  html.add_heading("Accuracy matrices (row: after task i, column: task j; mean over seeds)");
  std::vector<std::string> labels;
  for (int t = 0; t < p.tasks; ++t) labels.push_back("T" + std::to_string(t));
  for (const auto& m : r.methods) {
    std::vector<AccuracyMatrix> ms;
    for (const auto& run : m.runs) ms.push_back(run.headline(p.scenario));
    html.add_heatmap(m.method, mean_matrix(ms), labels, labels);
  }

  if (p.safety.enabled()) {
    std::vector<report::Series> series;
    for (const auto& m : r.methods) {
      if (m.runs.empty()) continue;
      const auto& run = m.runs.front();
      report::Series s{m.method + " (seed " + std::to_string(run.seed) + ")", {}, run.safety_rate};
      for (auto st : run.safety_steps) s.x.push_back(static_cast<double>(st));
      series.push_back(std::move(s));
    }
    html.add_heading("Safety over training");
    html.add_line_chart("Held-out safety violation rate", series, false, "step", "violation rate");
  }

  for (const auto& m : r.methods) {
    if (m.runs.empty() || m.runs.front().duals.empty()) continue;
    const auto& run = m.runs.front();
    std::vector<report::Series> lam, rho, val;
    for (const auto& d : run.duals) {
      std::vector<double> x;
      for (auto st : d.step) x.push_back(static_cast<double>(st));
      lam.push_back({d.name, x, d.lambda});
      rho.push_back({d.name, x, d.rho});
      val.push_back({d.name, x, d.value});
    }
    html.add_heading("Multipliers of " + m.method + " (seed " + std::to_string(run.seed) + ")");
    html.add_line_chart("λ over steps", lam, false, "step", "λ");
    if (m.method == "galt") html.add_line_chart("ρ over steps", rho, true, "step", "ρ");
    html.add_line_chart("constraint value C over steps", val, false, "step", "C");
  }
  return html.html();
}

void write_bench_reports(const BenchResult& r, const std::string& json_path) {
  namespace fs = std::filesystem;
  const fs::path jp(json_path);
  if (jp.has_parent_path() && !fs::exists(jp.parent_path()))
    throw InputError(json_path + ": the folder " + jp.parent_path().string() + " does not exist");
  auto write = [](const fs::path& path, const std::string& text) {
    std::ofstream out(path);
    if (!out) throw InputError(path.string() + ": cannot write the report file");
    out << text;
    if (!out) throw InputError(path.string() + ": writing failed");
  };
  write(jp, bench_json(r).dump(1) + "\n");
  fs::path md = jp, html = jp;
  md.replace_extension(".md");
  html.replace_extension(".html");
  write(md, bench_markdown(r));
  write(html, bench_html(r));
}

}  // namespace galt::train
