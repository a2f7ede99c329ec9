// `galt bench continual --config FILE --json OUT`: runs a continual-learning
// benchmark config (configs/*.toml, see include/galt/train/config.h) and
// writes OUT (JSON), OUT with .md (the table) and OUT with .html (the plots).
// With --runs-dir DIR every finished (method, seed) run is kept in DIR and a
// re-started command takes the finished ones from there (run_store.h), and
// the run that was training continues from its last checkpoint
// (--checkpoint-every, run_checkpoint.h): a killed multi-hour run resumes,
// and its JSON is the uninterrupted one's.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iterator>

#include "cli/commands.h"
#include "cli/continual_common.h"
#include "cli/list_parser.h"
#include "cli/option_checks.h"
#include "galt/error.h"
#include "galt/report/progress.h"
#include "galt/report/provenance.h"
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
  std::string runs_dir;
  std::string evaluate_on;
  int64_t iterations = 0;
  std::vector<std::string> options;  ///< METHOD.KEY=VALUE
  CheckpointOption checkpoints;
};

void run_continual(const ContinualArgs& a) {
  train::ProtocolConfig p = train::load_bench_config(a.config);
  if (!a.seeds.empty()) {
    p.seeds.clear();
    for (int64_t v : parse_integer_list(a.seeds, {"--seeds", "a non-negative integer"}, 0))
      p.seeds.push_back(static_cast<uint64_t>(v));
  }
  if (!a.methods.empty()) p.methods = parse_list(a.methods, {"--methods", "a method name"});
  if (a.iterations > 0) p.iterations = a.iterations;
  if (!a.evaluate_on.empty())
    p.evaluate_on =
        a.evaluate_on == "validation" ? train::EvalSplit::kValidation : train::EvalSplit::kTest;
  for (const auto& o : a.options) apply_option(p, o);
  // Options for methods not run (a --methods subset) are dropped, not errors.
  for (auto it = p.method_options.begin(); it != p.method_options.end();)
    it = std::find(p.methods.begin(), p.methods.end(), it->first) == p.methods.end()
             ? p.method_options.erase(it)
             : std::next(it);

  // The report is written after the runs: a missing folder must fail now,
  // not after hours of training. The error_code overload: a name the
  // system refuses (too long) is bad input too, not a filesystem_error.
  const std::filesystem::path json(a.json);
  std::error_code ec;
  if (json.has_parent_path() && !std::filesystem::is_directory(json.parent_path(), ec))
    throw InputError(
        a.json + ": the folder " + json.parent_path().string() + " does not exist" +
        (ec && ec != std::errc::no_such_file_or_directory ? " (" + ec.message() + ")" : ""));

  train::ContinualRunner runner(p);
  runner.set_checkpoint_every(a.checkpoints.steps(a.runs_dir));
  runner.validate();  // bad methods or options: before --runs-dir is made
  auto store = open_run_store(a.runs_dir);
  runner.set_run_store(store);
  const int64_t per_run = runner.steps_per_run();
  report::Progress progress("continual " + p.name,
                            per_run * static_cast<int64_t>(p.methods.size() * p.seeds.size()));
  auto run_progress = std::make_shared<RunProgress>(progress, per_run, p.scenario);
  runner.add_callback(run_progress);
  auto result = runner.run();
  result.provenance = report::provenance(invocation(), a.config);
  progress.finish();
  train::write_bench_reports(result, a.json);
  std::string base = a.json;
  const auto dot = base.rfind('.');
  if (dot != std::string::npos && base.find('/', dot) == std::string::npos) base.resize(dot);
  std::printf("%s\n", train::bench_markdown(result).c_str());
  if (store)
    std::printf(
        "runs: %lld taken from %s, %lld run and stored there (%lld continued from a "
        "checkpoint)\n",
        static_cast<long long>(store->loaded()), a.runs_dir.c_str(),
        static_cast<long long>(store->saved()), static_cast<long long>(run_progress->resumed()));
  if (run_progress->checkpoints() > 0)
    std::printf(
        "checkpoints: %lld written, at most %.1f MB, %.3f s each on average\n",
        static_cast<long long>(run_progress->checkpoints()),
        static_cast<double>(run_progress->checkpoint_bytes()) / 1e6,
        run_progress->checkpoint_seconds() / static_cast<double>(run_progress->checkpoints()));
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
                  "override the iterations per task (0: the config's)")
      ->check(at_least(0, "0: the config's"));
  cmd->add_option("--runs-dir", args->runs_dir,
                  "keep every finished (method, seed) run in this folder and take finished runs "
                  "from it (resume)");
  args->checkpoints.add_to(cmd);
  cmd->add_option("--evaluate-on", args->evaluate_on,
                  "override the evaluation split: test or validation")
      ->check(CLI::IsMember({"test", "validation"}));
  cmd->add_option("--option", args->options,
                  "METHOD.KEY=VALUE: a method option, as in the config's [methods.METHOD] table "
                  "(repeatable), e.g. --option galt.memory_rho_max=100");
  cmd->callback([args] { run_continual(*args); });
}

}  // namespace galt::cli
