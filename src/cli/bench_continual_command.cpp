// `galt bench continual --config FILE --json OUT`: runs a continual-learning
// benchmark config (configs/*.toml, see include/galt/train/config.h) and
// writes OUT (JSON), OUT with .md (the table) and OUT with .html (the plots).
#include <cstdio>

#include "cli/commands.h"
#include "cli/list_parser.h"
#include "galt/report/provenance.h"
#include "galt/error.h"
#include "galt/report/progress.h"
#include "galt/train/bench_report.h"
#include "galt/train/config.h"
#include "galt/train/runner.h"

namespace galt::cli {

namespace {

struct ContinualArgs {
  std::string config;
  std::string json = "continual.json";
  std::string seeds;
  std::string methods;
  int64_t iterations = 0;
  std::vector<std::string> options;  ///< METHOD.KEY=VALUE
};

// --option METHOD.KEY=VALUE: the same as `KEY = VALUE` in the config's
// [methods.METHOD] table (overrides it).
void apply_option(train::ProtocolConfig& p, const std::string& o) {
  const auto dot = o.find('.'), eq = o.find('=');
  if (dot == std::string::npos || eq == std::string::npos || dot == 0 || eq < dot + 2 ||
      eq + 1 == o.size())
    throw InputError("--option \"" + o + "\": expected METHOD.KEY=NUMBER, e.g. galt.rho_max=10");
  const std::string value = o.substr(eq + 1);
  double v = 0;
  try {
    size_t used = 0;
    v = std::stod(value, &used);
    if (used != value.size()) throw std::invalid_argument(value);
  } catch (const std::exception&) {
    throw InputError("--option \"" + o + "\": \"" + value + "\" is not a number");
  }
  p.method_options[o.substr(0, dot)][o.substr(dot + 1, eq - dot - 1)] = v;
}

void run_continual(const ContinualArgs& a) {
  train::ProtocolConfig p = train::load_bench_config(a.config);
  if (!a.seeds.empty()) {
    p.seeds.clear();
    for (int64_t v : parse_integer_list(a.seeds, {"--seeds", "a non-negative integer"}, 0))
      p.seeds.push_back(static_cast<uint64_t>(v));
  }
  if (!a.methods.empty()) p.methods = parse_list(a.methods, {"--methods", "a method name"});
  if (a.iterations > 0) p.iterations = a.iterations;
  for (const auto& o : a.options) apply_option(p, o);

  train::ContinualRunner runner(p);
  const int64_t per_run = runner.steps_per_run();
  report::Progress progress("continual " + p.name,
                            per_run * static_cast<int64_t>(p.methods.size() * p.seeds.size()));
  // Progress: a bar every 50 steps and a line per finished run.
  struct ProgressOutput : train::RunCallback {
    report::Progress& progress;
    int64_t per_run;
    train::Scenario scenario;
    ProgressOutput(report::Progress& pr, int64_t n, train::Scenario s)
        : progress(pr), per_run(n), scenario(s) {}
    void step_taken(const std::string& m, uint64_t seed, int64_t step, int64_t) override {
      if (step % 50 == 0) progress.advance(50, m + " seed " + std::to_string(seed));
    }
    void run_finished(const std::string& m, uint64_t seed, const train::SeedRun& r) override {
      progress.advance(per_run % 50, "");
      const auto& h = r.headline(scenario);
      char buf[200];
      std::snprintf(buf, sizeof buf, "%s seed %llu: final avg acc %.3f, forgetting %.3f, %.1f s",
                    m.c_str(), static_cast<unsigned long long>(seed),
                    train::final_average_accuracy(h), train::forgetting_max(h), r.wall_seconds);
      progress.advance(0, buf);
    }
  };
  runner.add_callback(std::make_shared<ProgressOutput>(progress, per_run, p.scenario));
  auto result = runner.run();
  result.provenance = report::provenance(invocation(), a.config);
  progress.finish();
  train::write_bench_reports(result, a.json);
  std::string base = a.json;
  const auto dot = base.rfind('.');
  if (dot != std::string::npos && base.find('/', dot) == std::string::npos) base.resize(dot);
  std::printf("%s\n", train::bench_markdown(result).c_str());
  std::printf("report: %s (JSON), %s.md (table), %s.html (plots)\n", a.json.c_str(), base.c_str(),
              base.c_str());
}

}  // namespace

void register_bench_continual(CLI::App& bench) {
  auto args = std::make_shared<ContinualArgs>();
  auto* cmd = bench.add_subcommand(
      "continual",
      "Continual-learning benchmark: GALT and baselines under retention and safety "
      "constraints (writes JSON, Markdown and HTML)");
  cmd->add_option("--config", args->config, "benchmark config (TOML), e.g. configs/demo.toml")
      ->required();
  cmd->add_option("--json", args->json, "output JSON path; .md and .html are written beside it")
      ->capture_default_str();
  cmd->add_option("--seeds", args->seeds, "override the config's seeds (comma-separated)");
  cmd->add_option("--methods", args->methods, "override the config's methods (comma-separated)");
  cmd->add_option("--iterations", args->iterations,
                  "override the iterations per task (0: the config's)");
  cmd->add_option("--option", args->options,
                  "METHOD.KEY=VALUE: a method option, as in the config's [methods.METHOD] table "
                  "(repeatable), e.g. --option galt.memory_rho_max=100");
  cmd->callback([args] { run_continual(*args); });
}

}  // namespace galt::cli
