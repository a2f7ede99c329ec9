// JSON, Markdown and HTML reports of a continual benchmark (DESIGN §8: metrics and multi-seed results).
#include "galt/train/bench_report.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

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

json counters_json(const ComputeCounters& c) {
  return {{"forward_passes", c.forward_passes},
          {"block_forward_passes", c.block_forward_passes},
          {"local_backward_passes", c.local_backward_passes},
          {"global_backward_passes", c.global_backward_passes},
          {"jacobian_evaluations", c.jacobian_evaluations},
          {"steps", c.steps},
          {"local_steps", c.local_steps},
          {"global_steps", c.global_steps}};
}

// Per-method scalar metrics, one value per seed.
struct Metrics {
  std::vector<double> acc, forget, forget_diag, bwt, acc_task, acc_class, safety, safety_final,
      local_frac, wall;
};

Metrics metrics_of(const MethodResult& m, Scenario s) {
  Metrics out;
  for (const auto& r : m.runs) {
    const auto& h = r.headline(s);
    out.acc.push_back(final_average_accuracy(h));
    out.forget.push_back(forgetting_max(h));
    out.forget_diag.push_back(forgetting_diagonal(h));
    out.bwt.push_back(backward_transfer(h));
    out.acc_task.push_back(final_average_accuracy(r.acc_task_il));
    out.acc_class.push_back(final_average_accuracy(r.acc_class_il));
    out.safety.push_back(r.mean_safety_violation());
    out.safety_final.push_back(r.final_safety_violation());
    out.local_frac.push_back(r.counters.local_step_fraction());
    out.wall.push_back(r.wall_seconds);
  }
  return out;
}

std::string fmt(const std::vector<double>& v, int digits = 3) {
  if (v.empty() || std::isnan(v.front())) return "–";
  return format_summary(summarize(v), digits);
}

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
          {"seeds", seeds},
          {"methods", p.methods},
          {"method_options", opts}};
}

}  // namespace

json bench_json(const BenchResult& r) {
  const auto& p = r.protocol;
  json methods = json::object();
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
      sum.forward_passes += run.counters.forward_passes;
      sum.block_forward_passes += run.counters.block_forward_passes;
      sum.local_backward_passes += run.counters.local_backward_passes;
      sum.global_backward_passes += run.counters.global_backward_passes;
      sum.jacobian_evaluations += run.counters.jacobian_evaluations;
      sum.steps += run.counters.steps;
      sum.local_steps += run.counters.local_steps;
      sum.global_steps += run.counters.global_steps;
      json duals = json::array();
      for (const auto& d : run.duals) {
        json vals = json::array(), lam = json::array(), rho = json::array();
        for (size_t i = 0; i < d.step.size(); ++i) {
          vals.push_back(num(d.value[i]));
          lam.push_back(num(d.lambda[i]));
          rho.push_back(num(d.rho[i]));
        }
        duals.push_back({{"name", d.name}, {"step", d.step}, {"value", vals}, {"lambda", lam}, {"rho", rho}});
      }
      const auto& h = run.headline(p.scenario);
      per_seed.push_back({{"seed", run.seed},
                          {"final_avg_acc", num(final_average_accuracy(h))},
                          {"forgetting", num(forgetting_max(h))},
                          {"forgetting_diag", num(forgetting_diagonal(h))},
                          {"bwt", num(backward_transfer(h))},
                          {"safety_violation_rate", num(run.mean_safety_violation())},
                          {"safety_violation_final", num(run.final_safety_violation())},
                          {"local_step_fraction", run.counters.local_step_fraction()},
                          {"pretrain_accuracy", num(run.pretrain_accuracy)},
                          {"acc_matrix_task_il", matrix_json(run.acc_task_il)},
                          {"acc_matrix_class_il", matrix_json(run.acc_class_il)},
                          {"safety", {{"step", run.safety_steps}, {"rate", run.safety_rate}}},
                          {"duals", duals},
                          {"counters", counters_json(run.counters)},
                          {"wall_seconds", run.wall_seconds},
                          {"eval_seconds", run.eval_seconds}});
    }
    const double n = static_cast<double>(std::max<size_t>(m.runs.size(), 1));
    json counters = counters_json(sum);
    for (auto& [k, v] : counters.items()) v = v.get<double>() / n;
    methods[m.method] = {{"seeds", seeds},
                         {"final_avg_acc", summary_json(x.acc)},
                         {"forgetting", summary_json(x.forget)},
                         {"forgetting_diag", summary_json(x.forget_diag)},
                         {"bwt", summary_json(x.bwt)},
                         {"final_avg_acc_task_il", summary_json(x.acc_task)},
                         {"final_avg_acc_class_il", summary_json(x.acc_class)},
                         {"safety_violation_rate", summary_json(x.safety)},
                         {"safety_violation_final", summary_json(x.safety_final)},
                         {"local_step_fraction", summary_json(x.local_frac)},
                         {"acc_matrix", matrix_json(mean_matrix(head))},
                         {"acc_matrix_std", matrix_json(std_matrix(head))},
                         {"acc_matrix_task_il", matrix_json(mean_matrix(task_il))},
                         {"acc_matrix_class_il", matrix_json(mean_matrix(class_il))},
                         {"wall_seconds", summary_json(x.wall)},
                         {"counters", counters},
                         {"per_seed", per_seed}};
  }
  return {{"provenance", report::to_json(r.provenance)},
          {"protocol", protocol_json(p)},
          {"total_seconds", r.total_seconds},
          {"methods", methods}};
}

std::string bench_markdown(const BenchResult& r) {
  const auto& p = r.protocol;
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : r.methods) {
    const Metrics x = metrics_of(m, p.scenario);
    rows.push_back({m.method, fmt(x.acc), fmt(x.forget), fmt(x.bwt), fmt(x.safety),
                    fmt(x.local_frac, 2), fmt(x.wall, 1)});
  }
  std::string seeds;
  for (auto s : p.seeds) seeds += (seeds.empty() ? "" : ", ") + std::to_string(s);
  std::string out = "### " + p.name + " — " + p.dataset + ", " + to_string(p.scenario) + ", " +
                    std::to_string(p.tasks) + " tasks × " + std::to_string(p.iterations) +
                    " iterations; mean ± std over seeds [" + seeds + "]\n\n" + "commit " +
                    r.provenance.commit + (r.provenance.dirty ? " (uncommitted changes)" : "") +
                    ", `" + r.provenance.command + "`\n\n";
  out += report::markdown_table({"method", "final avg acc", "forgetting (max)", "BWT",
                                 "safety violation (held-out, time-avg)", "local-step fraction",
                                 "wall s (training)"},
                                rows);
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
    rows.push_back({m.method, fmt(x.acc), fmt(x.forget), fmt(x.bwt), fmt(x.safety),
                    fmt(x.local_frac, 2), fmt(x.wall, 1)});
    names.push_back(m.method);
    const auto sa = summarize(x.acc), sf = summarize(x.forget), ss = summarize(x.safety);
    acc.push_back(sa.mean);
    acc_err.push_back(sa.std);
    forget.push_back(sf.mean);
    forget_err.push_back(sf.std);
    safety.push_back(std::isfinite(ss.mean) ? ss.mean : 0.0);
    safety_err.push_back(std::isfinite(ss.std) ? ss.std : 0.0);
  }
  html.add_heading("Summary");
  html.add_table({"method", "final avg acc", "forgetting (max)", "BWT", "safety violation",
                  "local-step fraction", "wall s"},
                 rows);
  html.add_bar_chart("Final average accuracy", names, acc, acc_err);
  html.add_bar_chart("Forgetting (max-based)", names, forget, forget_err);
  if (p.safety.enabled())
    html.add_bar_chart("Held-out safety violation rate (time-average)", names, safety, safety_err);

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
