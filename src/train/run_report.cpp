// run.json and report.html of a `galt train` run (include/galt/train/run_report.h).
#include "galt/train/run_report.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "galt/error.h"
#include "galt/report/html_report.h"
#include "train/atomic_file.h"

namespace galt::train {

namespace {

nlohmann::json evaluation_json(const RunEvaluation& e, const std::string& metric) {
  return {{"loss", e.loss}, {metric, e.metric}, {"rows", e.rows}};
}

nlohmann::json config_json(const RunConfig& c) {
  nlohmann::json m = {{"kind", c.model}};
  if (c.model == "mlp") {
    m["hidden"] = c.hidden;
  } else {
    m["width"] = c.transformer.width;
    m["layers"] = c.transformer.layers;
    m["heads"] = c.transformer.heads;
    m["ff_multiplier"] = c.transformer.ff_multiplier;
    m["layers_per_block"] = c.transformer.layers_per_block;
  }
  return {{"model", m},
          {"data",
           {{"name", c.data},
            {"validation", c.validation},
            {"test", c.test},
            {"window", c.window},
            {"split_seed", c.split_seed}}},
          {"train",
           {{"steps", c.steps},
            {"batch", c.batch},
            {"lr", c.lr},
            {"seed", c.seed},
            {"eval_every", c.eval_every},
            {"eval_rows", c.eval_rows},
            {"trace_every", c.trace_every}}},
          {"galt",
           {{"local_steps", c.local_steps},
            {"refresh_period", c.refresh_period},
            {"refresh_trigger", c.refresh_trigger},
            {"forward_edges", c.forward_edges},
            {"fwd_tol", c.fwd_tol},
            {"fwd_probe", c.fwd_probe},
            {"rho_max", c.rho_max},
            {"inner_steps", c.inner_steps}}},
          {"executor",
           {{"kind", c.executor},
            {"threads", c.threads},
            {"order", c.order},
            {"partition", c.partition}}}};
}

nlohmann::json counters_json(const ComputeCounters& c) {
  return {{"forward_passes", c.forward_passes},
          {"block_forward_passes", c.block_forward_passes},
          {"local_backward_passes", c.local_backward_passes},
          {"global_backward_passes", c.global_backward_passes},
          {"edge_evaluations", c.edge_evaluations},
          {"backward_passes", c.backward_passes},
          {"jacobian_rows", c.jacobian_rows},
          {"edge_messages", c.edge_messages},
          {"local_solves", c.local_solves},
          {"adamw_steps", c.adamw_steps},
          {"steps", c.steps},
          {"local_steps", c.local_steps},
          {"global_steps", c.global_steps}};
}

// NaN (ρ of a method without a penalty) has no JSON spelling: null.
nlohmann::json numbers(const std::vector<double>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (double x : v) a.push_back(std::isfinite(x) ? nlohmann::json(x) : nlohmann::json());
  return a;
}

std::string html_of(const TrainingRunResult& r) {
  report::HtmlReport h("galt train: " + r.config.model + " on " + r.config.data);
  const std::string mode = r.config.local_steps ? "graph-parallel (local steps, refresh every " +
                                                      std::to_string(r.config.refresh_period) + ")"
                                                : "end to end";
  h.add_paragraph(mode + ", executor " + r.config.executor + ", " + std::to_string(r.config.steps) +
                  " steps of batch " + std::to_string(r.config.batch) + ", seed " +
                  std::to_string(r.config.seed) + ".");
  h.add_table(
      {"split", "loss", r.metric},
      {{"validation", std::to_string(r.validation.loss), std::to_string(r.validation.metric)},
       {"test", std::to_string(r.test.loss), std::to_string(r.test.metric)}});
  std::vector<double> steps(r.trace_steps.begin(), r.trace_steps.end());
  h.add_line_chart("training loss", {{"train loss", steps, r.train_loss}}, false, "step", "loss");
  std::vector<double> es(r.eval_steps.begin(), r.eval_steps.end()), vm;
  for (const auto& e : r.validation_curve) vm.push_back(e.metric);
  h.add_line_chart("validation " + r.metric, {{r.metric, es, vm}}, false, "step", r.metric);
  if (!r.forward_edges.empty()) {
    std::vector<report::Series> value, lambda;
    for (const auto& t : r.forward_edges) {
      std::vector<double> x(t.step.begin(), t.step.end());
      value.push_back({t.name, x, t.value});
      lambda.push_back({t.name, x, t.lambda});
    }
    h.add_line_chart("forward-consistency violation C_fwd (≤ 0 holds)", value, false, "step", "C");
    h.add_line_chart("λ_fwd", lambda, false, "step", "λ");
  }
  const auto& c = r.counters;
  h.add_table(
      {"counter", "value"},
      {{"steps (local / global)", std::to_string(c.steps) + " (" + std::to_string(c.local_steps) +
                                      " / " + std::to_string(c.global_steps) + ")"},
       {"forward passes", std::to_string(c.forward_passes)},
       {"block forward passes", std::to_string(c.block_forward_passes)},
       {"local backward passes", std::to_string(c.local_backward_passes)},
       {"global backward passes", std::to_string(c.global_backward_passes)},
       {"training seconds", std::to_string(r.train_seconds)}});
  return h.html();
}

}  // namespace

nlohmann::json run_json(const TrainingRunResult& r, const report::Provenance& provenance) {
  nlohmann::json j;
  j["command"] = "galt train";
  j["provenance"] = report::to_json(provenance);
  j["config"] = config_json(r.config);
  j["metric"] = r.metric;
  j["blocks"] = r.blocks;
  j["block_parameters"] = r.block_parameters;
  j["data_rows"] = r.data_rows;
  j["validation"] = evaluation_json(r.validation, r.metric);
  j["test"] = evaluation_json(r.test, r.metric);
  nlohmann::json curve = nlohmann::json::array();
  for (size_t i = 0; i < r.eval_steps.size(); ++i) {
    auto e = evaluation_json(r.validation_curve[i], r.metric);
    e["step"] = r.eval_steps[i];
    curve.push_back(e);
  }
  j["validation_curve"] = curve;
  j["trace"] = {
      {"step", r.trace_steps}, {"train_loss", numbers(r.train_loss)}, {"refresh", r.refresh_step}};
  nlohmann::json fwd = nlohmann::json::array();
  for (const auto& t : r.forward_edges)
    fwd.push_back({{"name", t.name},
                   {"step", t.step},
                   {"value", numbers(t.value)},
                   {"lambda", numbers(t.lambda)},
                   {"rho", numbers(t.rho)}});
  j["forward_edges"] = fwd;
  j["counters"] = counters_json(r.counters);
  j["local_step_fraction"] = r.counters.local_step_fraction();
  j["refreshes"] = r.refreshes;
  j["train_seconds"] = r.train_seconds;
  j["eval_seconds"] = r.eval_seconds;
  j["fingerprint"] = r.fingerprint;
  return j;
}

void write_run_report(const TrainingRunResult& r, const report::Provenance& provenance,
                      const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw InputError("--out: cannot make the folder '" + dir + "': " + ec.message());
  detail::write_file_atomically(dir + "/run.json", {run_json(r, provenance).dump(2), "\n"});
  detail::write_file_atomically(dir + "/report.html", {html_of(r)});
}

}  // namespace galt::train
