// `galt bench tune --config FILE --out TUNED.toml [--runs-dir DIR]`: chooses
// every method's settings on the validation split (DESIGN §8.1,
// include/galt/train/tuning.h): each method's grid from the config's
// [tuning] table — the same number of points for every method — runs on the
// selection seeds (never reported), the first tuning.tasks tasks, evaluated
// on the validation split carved from the training data. Writes TUNED.toml
// (the chosen values, and every point's score as comments) and TUNED.json
// (every run). With --runs-dir the grid points' runs are kept and a killed
// tuning resumes; --methods tunes a subset (two processes can share the
// grid), and the file then holds only those methods — run once more without
// --methods (every run then comes from --runs-dir) for the complete file.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/continual_common.h"
#include "cli/list_parser.h"
#include "galt/error.h"
#include "galt/report/progress.h"
#include "galt/report/provenance.h"
#include "galt/train/bench_report.h"
#include "galt/train/config.h"
#include "galt/train/metrics.h"
#include "galt/train/runner.h"
#include "galt/train/tuning.h"

namespace galt::cli {

namespace {

struct TuneArgs {
  std::string config;
  std::string out;
  std::string methods;
  std::string runs_dir;
  CheckpointOption checkpoints;
};

void run_tune(const TuneArgs& a) {
  // The tuned file this tuning makes (the config's last one) may not exist
  // yet, nor may --out; any other one must. A partial run (--methods) writes
  // elsewhere and its points are assembled later from the run store.
  const train::ProtocolConfig p = train::load_bench_config(a.config, {.allow_missing_tuned = true});
  namespace fs = std::filesystem;
  const auto same = [](const std::string& x, const std::string& y) {
    return fs::absolute(x).lexically_normal() == fs::absolute(y).lexically_normal();
  };
  for (const auto& f : p.missing_tuned_files)
    if (!same(f, a.out) && !same(f, p.tuned_files.back()))
      throw InputError(a.config + ": names the tuned file " + f +
                       ", which does not exist (tune that first; this command writes " + a.out +
                       ")");
  const auto& spec = p.tuning;
  train::check_tuning(spec, p);
  std::vector<std::string> methods;
  if (a.methods.empty()) {
    for (const auto& [m, _] : spec.grid) methods.push_back(m);
  } else {
    methods = parse_list(a.methods, {"--methods", "a method name"});
    for (const auto& m : methods)
      if (!spec.grid.count(m))
        throw InputError("--methods: '" + m + "' has no [tuning.grid." + m + "]");
  }
  const fs::path out(a.out);
  std::error_code ec;  // a name the system refuses (too long) is bad input too
  if (out.has_parent_path() && !fs::is_directory(out.parent_path(), ec))
    throw InputError(
        a.out + ": the folder " + out.parent_path().string() + " does not exist" +
        (ec && ec != std::errc::no_such_file_or_directory ? " (" + ec.message() + ")" : ""));

  // One job per (method, grid point); every job has the same length.
  struct Job {
    std::string method;
    train::MethodOptions point;
    train::ProtocolConfig protocol;
  };
  std::vector<Job> jobs;
  for (const auto& m : methods)
    for (const auto& point : train::grid_points(spec.grid.at(m)))
      jobs.push_back({m, point, train::tuning_protocol(p, spec, m, point)});
  // A bad value in any grid (a fraction for a count, say) fails here, not
  // after the points before it have trained.
  const int64_t checkpoint_every = a.checkpoints.steps(a.runs_dir);
  for (const auto& job : jobs) {
    train::ContinualRunner check(job.protocol);
    check.set_checkpoint_every(checkpoint_every);
    check.validate();
  }
  auto store = open_run_store(a.runs_dir);
  const data::TrainTest data = data::load_by_name(p.dataset);
  const auto& first = jobs.front().protocol;
  report::Progress progress(
      "tune " + p.name,
      static_cast<int64_t>(jobs.size() * first.seeds.size()) * first.tasks * first.iterations);

  std::map<std::string, std::vector<train::TunedPoint>> results;
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& [m, point, q] : jobs) {
    train::ContinualRunner runner(q);
    runner.set_data(data);
    runner.set_run_store(store);
    runner.set_checkpoint_every(checkpoint_every);
    runner.add_callback(
        std::make_shared<RunProgress>(progress, runner.steps_per_run(), q.scenario));
    const auto r = runner.run();
    train::TunedPoint tp;
    tp.options = point;
    std::vector<double> acc, viol;
    for (const auto& run : r.methods.front().runs) {
      acc.push_back(train::final_average_accuracy(run.headline(q.scenario)));
      viol.push_back(run.final_safety_violation());
    }
    tp.accuracy = train::summarize(acc).mean;
    tp.violation = q.safety.enabled() ? train::summarize(viol).mean : std::nan("");
    results[m].push_back(tp);
    runs.push_back({{"method", m},
                    {"options", point},
                    {"accuracy", tp.accuracy},
                    {"violation", std::isfinite(tp.violation) ? nlohmann::json(tp.violation)
                                                              : nlohmann::json(nullptr)},
                    {"result", train::bench_json(r)}});
  }
  progress.finish();
  std::map<std::string, size_t> chosen;
  for (const auto& [m, pts] : results) chosen[m] = train::select_point(spec, pts);

  const auto prov = report::provenance(invocation(), a.config);
  std::string seeds;
  for (auto s : spec.seeds) seeds += (seeds.empty() ? "" : ", ") + std::to_string(s);
  const std::string header =
      "Tuned settings for " + a.config + " (made by galt bench tune; do not edit by hand).\n" +
      "command: " + prov.command + "\ncommit: " + prov.commit +
      (prov.dirty ? " (uncommitted changes)" : "") + ", " + prov.date + "\nselection seeds [" +
      seeds + "], " +
      (spec.tasks > 0 ? "first " + std::to_string(spec.tasks) : std::string("all")) + " tasks, " +
      std::to_string(spec.iterations > 0 ? spec.iterations : p.iterations) +
      " iterations per task.";
  {
    std::ofstream f(out);
    if (!f) throw InputError(a.out + ": cannot write");
    f << train::tuned_toml(results, chosen, spec, header);
  }
  fs::path js = out;
  js.replace_extension(".json");
  {
    nlohmann::json chosen_json = nlohmann::json::object();
    for (const auto& [m, i] : chosen) chosen_json[m] = results[m][i].options;
    std::ofstream f(js);
    if (!f) throw InputError(js.string() + ": cannot write");
    f << nlohmann::json{{"provenance", report::to_json(prov)},
                        {"chosen", chosen_json},
                        {"points", runs}}
             .dump(1)
      << "\n";
  }
  for (const auto& [m, i] : chosen) {
    std::string vals;
    for (const auto& [k, v] : results[m][i].options) vals += " " + k + "=" + std::to_string(v);
    std::printf("%s:%s (validation accuracy %.4f)\n", m.c_str(), vals.c_str(),
                results[m][i].accuracy);
  }
  std::printf("tuned: %s (values), %s (every point)\n", a.out.c_str(), js.string().c_str());
}

}  // namespace

void register_bench_tune(CLI::App& bench) {
  auto args = std::make_shared<TuneArgs>();
  auto* cmd = bench.add_subcommand(
      "tune",
      "Choose every method's settings on the validation split (the config's [tuning] grids, "
      "selection seeds never reported); writes the tuned TOML the config names");
  cmd->add_option("--config", args->config, "benchmark config with a [tuning] table")->required();
  cmd->add_option("--out", args->out, "tuned TOML to write (a .json with every point beside it)")
      ->required();
  cmd->add_option("--methods", args->methods, "tune only these methods (comma-separated)");
  cmd->add_option("--runs-dir", args->runs_dir,
                  "keep every grid point's runs in this folder and take finished ones from it");
  args->checkpoints.add_to(cmd);
  cmd->callback([args] { run_tune(*args); });
}

}  // namespace galt::cli
