// `galt train --config FILE [--out DIR] [--executor serial|threads|processes]`:
// one graph-parallel GALT training run from a TOML run config
// (include/galt/train/run_config.h), with a progress bar, and
// DIR/run.json + DIR/report.html (run_report.h).
//
//   galt train --config configs/train-fortunes.toml --out runs/lm
//   galt launch --ranks 2 -- train --config ... --executor processes --out runs/lm2
//   torchrun --no-python --nproc-per-node 2 build/galt train ... --executor processes
//
// With processes, every rank runs the same program (the replicated design,
// docs/SCALING.md) and rank 0 alone writes the report; the rendezvous comes
// from torchrun's variables (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT).
// A bad config, more ranks than blocks or an unreachable rendezvous exit 2
// before training; a dead rank makes the others exit 1 naming it.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/option_checks.h"
#include "galt/dist/block_owner.h"
#include "galt/dist/process_executor.h"
#include "galt/dist/process_group.h"
#include "galt/dist/rendezvous.h"
#include "galt/error.h"
#include "galt/report/progress.h"
#include "galt/report/provenance.h"
#include "galt/solve/optimizer.h"
#include "galt/solve/threading.h"
#include "galt/train/run_config.h"
#include "galt/train/run_report.h"
#include "galt/train/training_run.h"

namespace galt::cli {

namespace {

struct TrainArgs {
  std::string config, out = "runs/train", executor, order;
  int64_t steps = 0, seed = -1;
  int threads = 0;
  double timeout = 30;
};

// The number of blocks a config's model has (for the partition check
// before any rank joins): an MLP's layers, or embed + layer groups + head.
int block_count(const train::RunConfig& c) {
  if (c.model == "mlp") return static_cast<int>(c.hidden.size()) + 1;
  return static_cast<int>(c.transformer.layers / c.transformer.layers_per_block) + 2;
}

void check_out(const std::string& out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(out, ec) && !fs::is_directory(out, ec))
    throw InputError("--out '" + out + "' exists and is not a folder");
  const fs::path parent = fs::path(out).has_parent_path() ? fs::path(out).parent_path() : ".";
  if (!fs::is_directory(parent, ec))
    throw InputError("--out '" + out + "': the folder '" + parent.string() + "' does not exist");
}

void run(const TrainArgs& a) {
  train::RunConfig c = train::load_run_config(a.config);
  if (a.steps > 0) c.steps = a.steps;
  if (a.seed >= 0) c.seed = static_cast<uint64_t>(a.seed);
  if (!a.executor.empty()) c.executor = a.executor;
  if (!a.order.empty()) c.order = a.order;
  if (a.threads > 0) c.threads = a.threads;
  train::check_run_config(c);
  check_out(a.out);

  const bool processes = c.executor == "processes";
  std::shared_ptr<dist::ProcessGroup> group;
  train::RunHooks hooks;
  if (processes) {
    if (!dist::Rendezvous::in_environment())
      throw InputError("--executor processes needs a launch: run it under galt launch or torchrun");
    dist::Rendezvous rv = dist::Rendezvous::from_environment();
    rv.timeout = std::chrono::milliseconds(static_cast<int64_t>(a.timeout * 1e3));
    rv.validate();
    dist::check_partition(block_count(c), rv.world_size);  // exit 2 on every rank
    // The replicas must do the same arithmetic: one thread each.
    configure_threads(1);
    group = std::make_shared<dist::ProcessGroup>(rv);
    hooks.configure = [&](Optimizer& opt) {
      dist::distribute(opt, group, {.partition = dist::parse_partition(c.partition)});
    };
  }
  std::optional<ScopedBlasThreads> blas;
  if (c.executor == "threads") {
    // Block-phase threads × BLAS threads ≤ cores (solve/executor.h).
    const ThreadConfig tc = configure_threads(0);
    blas.emplace(std::max(1, tc.cores / c.threads));
  } else if (!processes) {
    configure_threads(0);
  }
  const int rank = group ? group->rank() : 0;

  std::unique_ptr<report::Progress> bar;
  if (rank == 0) bar = std::make_unique<report::Progress>("train", c.steps);
  hooks.step_taken = [&](int64_t, int64_t) {
    if (bar) bar->advance();
  };
  const train::TrainingRunResult r = train::run_training(c, hooks);
  if (bar) bar->finish();
  if (rank != 0) return;
  train::write_run_report(r, report::provenance(invocation(), a.config), a.out);
  std::printf("%s %s: validation loss %.4f, %s %.4f; test loss %.4f, %s %.4f\n", c.model.c_str(),
              c.data.c_str(), r.validation.loss, r.metric.c_str(), r.validation.metric, r.test.loss,
              r.metric.c_str(), r.test.metric);
  std::printf("%lld steps (%.0f %% local), %.1f s training; fingerprint %s\n",
              static_cast<long long>(r.counters.steps), 100 * r.counters.local_step_fraction(),
              r.train_seconds, r.fingerprint.c_str());
  std::printf("report: %s/run.json, %s/report.html\n", a.out.c_str(), a.out.c_str());
}

}  // namespace

void register_train(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "One graph-parallel GALT training run from a config");
  cmd->add_option("--config", a->config, "TOML run config (include/galt/train/run_config.h)")
      ->required();
  cmd->add_option("--out", a->out, "folder for run.json and report.html");
  cmd->add_option("--executor", a->executor, "serial | threads | processes (default: the config's)")
      ->check(CLI::IsMember({"serial", "threads", "processes"}));
  cmd->add_option("--order", a->order, "jacobi | gauss-seidel (default: the config's)")
      ->check(CLI::IsMember({"jacobi", "gauss-seidel"}));
  cmd->add_option("--threads", a->threads, "block-phase threads (default: the config's)")
      ->check(integer_in(1, 256));
  cmd->add_option("--steps", a->steps, "override [train].steps")->check(at_least(1));
  cmd->add_option("--seed", a->seed, "override [train].seed")->check(at_least(0));
  cmd->add_option("--timeout", a->timeout, "processes: seconds any wait may take")
      ->check(finite_in(0, 86400, /*lo_inclusive=*/false));
  cmd->callback([a] { run(*a); });
}

}  // namespace galt::cli
