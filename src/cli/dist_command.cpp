// `galt dist selftest`: one small constrained training run on every rank of
// a launch (galt launch, torchrun, or --rank/--world-size/--master-*) with the
// process executor (galt/dist/process_executor.h), or on one process with
// the serial executor; prints one JSON line per rank with the fingerprint of
// the final parameters, Adam state and duals, so a test can check that every
// rank and the serial run agree bit for bit, and the wall time per inner step.
//
//   galt dist selftest --executor serial                 # the reference
//   galt launch --ranks 2 -- dist selftest               # must print its checksum
//
// Everything that can be checked before training is (exit 2): the options,
// the rendezvous configuration, more ranks than blocks, an unreachable
// rendezvous. A rank that dies mid-run makes the others exit 1 naming it.
#include <signal.h>
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/option_checks.h"
#include "galt/dist/process_executor.h"
#include "galt/dist/replica_check.h"
#include "galt/error.h"
#include "galt/models/mlp.h"
#include "galt/solve/optimizer.h"
#include "galt/solve/threading.h"

namespace galt::cli {
namespace {

struct SelftestOptions {
  std::string executor = "processes";
  std::string order = "jacobi";
  std::string partition = "contiguous";
  int blocks = 4;
  int width = 32;
  int batch = 64;
  int steps = 30;
  int64_t seed = 0;
  int threads = 1;
  double timeout = 30;
  int64_t check_every = 10;
  // The rendezvous, when not from the environment.
  int rank = -1;
  int world_size = -1;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  // Fault injection for the tests.
  int die_rank = -1;
  int die_at_step = -1;
  int diverge_rank = -1;
};

constexpr int64_t kClasses = 8;
constexpr int64_t kRows = 512;

BlockOrder parse_order(const std::string& s) {
  if (s == "jacobi") return BlockOrder::kJacobi;
  if (s == "gauss-seidel") return BlockOrder::kGaussSeidel;
  throw InputError("--order '" + s + "': expected jacobi or gauss-seidel");
}

void validate(const SelftestOptions& o) {
  if (o.executor != "serial" && o.executor != "processes")
    throw InputError("--executor '" + o.executor + "': expected serial or processes");
  parse_order(o.order);
  dist::parse_partition(o.partition);
  auto at_least = [](const char* name, int64_t v, int64_t lo) {
    if (v < lo)
      throw InputError(std::string(name) + " is " + std::to_string(v) + "; it must be ≥ " +
                       std::to_string(lo));
  };
  at_least("--blocks", o.blocks, 1);
  at_least("--width", o.width, 1);
  at_least("--batch", o.batch, 1);
  at_least("--steps", o.steps, 1);
  at_least("--threads", o.threads, 1);
  at_least("--check-every", o.check_every, 0);
  // At most a day: the timeout becomes int64 milliseconds (and NaN fails both tests).
  if (!(o.timeout > 0 && o.timeout <= 86400))
    throw InputError("--timeout is " + std::to_string(o.timeout) +
                     "; it must be in (0, 86400] seconds");
}

dist::Rendezvous rendezvous_of(const SelftestOptions& o) {
  dist::Rendezvous rv;
  if (o.world_size >= 0 || o.rank >= 0) {
    if (o.world_size < 0 || o.rank < 0)
      throw InputError("--rank and --world-size go together (or neither: the environment)");
    rv.rank = o.rank;
    rv.world_size = o.world_size;
    rv.local_rank = o.rank;
    rv.master_addr = o.master_addr;
    rv.master_port = o.master_port;
  } else {
    if (!dist::Rendezvous::in_environment())
      throw InputError(
          "--executor processes needs a launch: run it under galt launch or torchrun, or pass "
          "--rank, --world-size, --master-addr and --master-port");
    rv = dist::Rendezvous::from_environment();
  }
  rv.timeout = std::chrono::milliseconds(static_cast<int64_t>(o.timeout * 1e3));
  rv.validate();
  return rv;
}

std::string hex(uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

void run_selftest(const SelftestOptions& o) {
  validate(o);
  const bool processes = o.executor == "processes";
  dist::Rendezvous rv;
  if (processes) {
    rv = rendezvous_of(o);
    dist::check_partition(o.blocks, rv.world_size);  // before joining: exit 2 on every rank
  }
  // The same arithmetic on every rank and in the serial reference: the
  // replicated design needs identical edge values everywhere (DESIGN §4).
  configure_threads(o.threads);
  std::shared_ptr<dist::ProcessGroup> group;
  if (processes) group = std::make_shared<dist::ProcessGroup>(rv);
  const int rank = processes ? group->rank() : 0;

  // Data: a random linear teacher's labels on Gaussian inputs; a probe set
  // for the safety edge.
  torch::manual_seed(o.seed);
  const auto x = torch::randn({kRows, o.width});
  const auto teacher = torch::randn({o.width, kClasses});
  const auto y = x.matmul(teacher).argmax(1);
  const auto probe = torch::randn({64, o.width});
  std::vector<int64_t> sizes{o.width};
  for (int i = 1; i < o.blocks; ++i) sizes.push_back(o.width);
  sizes.push_back(kClasses);
  models::MLP net(sizes);

  std::vector<torch::optim::OptimizerParamGroup> groups;
  std::vector<std::string> names;
  for (auto& b : net->blocks()) {
    names.push_back(b.name);
    groups.emplace_back(b.params,
                        std::make_unique<OptimizerOptions>(OptimizerOptions(1e-2).name(b.name)));
  }
  SolverOptions so;
  so.order = parse_order(o.order);
  so.dual.inner_steps = 5;
  Optimizer opt(std::move(groups), OptimizerOptions(1e-2), so);

  // Edges: a gain per layer (one block each), a balance between neighbours
  // (two blocks: a chain, so Gauss–Seidel has two colours) and a safety edge
  // on the output (the last two blocks).
  for (int i = 0; i < o.blocks; ++i) {
    const auto w = net->layer(i)->weight;
    const double init = w.detach().pow(2).mean().item<double>();
    opt.add_constraint({.name = "gain " + names[i],
                        .channel = Channel::kTask,
                        .margin = 0.8 * init,
                        .blocks = {names[i]},
                        .value = [w] { return w.pow(2).mean(); }});
  }
  for (int i = 0; i + 1 < o.blocks; ++i) {
    const auto a = net->layer(i)->weight, b = net->layer(i + 1)->weight;
    opt.add_constraint(
        {.name = "balance " + names[i] + "/" + names[i + 1],
         .channel = Channel::kTask,
         .sense = Sense::kEquality,
         .blocks = {names[i], names[i + 1]},
         .value = [a, b] { return a.pow(2).sum() / a.size(0) - b.pow(2).sum() / b.size(0); }});
  }
  {
    std::vector<std::string> tail{names.back()};
    if (o.blocks > 1) tail.insert(tail.begin(), names[names.size() - 2]);
    opt.add_constraint({.name = "safety: class 0",
                        .channel = Channel::kSafety,
                        .layer = 0,
                        .margin = 0.05,
                        .blocks = tail,
                        .value = [&net, probe] {
                          return torch::softmax(net->forward(probe), 1).select(1, 0).mean();
                        }});
  }
  std::shared_ptr<dist::ProcessExecutor> ex;
  if (processes)
    ex = dist::distribute(opt, group, {.partition = dist::parse_partition(o.partition)},
                          o.check_every);

  using Clock = std::chrono::steady_clock;
  // Process CPU time too: on a shared machine wall time measures the
  // scheduler's share as much as the work.
  auto cpu_now = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  };
  double step_seconds = 0, phase_seconds = 0, eval_seconds = 0, cpu_seconds = 0;
  int timed = 0;
  double loss = 0;
  const int warmup = std::min(2, o.steps - 1);
  for (int s = 1; s <= o.steps; ++s) {
    if (rank == o.die_rank && s == o.die_at_step) {
      std::fprintf(stderr, "rank %d: killing itself (SIGKILL) at step %d, as asked\n", rank, s);
      std::fflush(stderr);
      ::raise(SIGKILL);
    }
    const auto t0 = Clock::now();
    const double c0 = cpu_now();
    const auto idx = torch::randint(kRows, {o.batch}, torch::kLong);
    opt.zero_grad();
    auto l = torch::nn::functional::cross_entropy(net->forward(x.index_select(0, idx)),
                                                  y.index_select(0, idx));
    l.backward();
    opt.step();
    loss = l.item<double>();
    if (s > warmup) {
      step_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
      cpu_seconds += cpu_now() - c0;
      phase_seconds += opt.last_stats().solve_seconds;
      eval_seconds += opt.last_stats().evaluate_seconds;
      ++timed;
    }
    if (rank == o.diverge_rank && s == 2) {
      // A one-ulp change of one penalty on one rank: the replica check must
      // catch it (tests/dist).
      auto& d = opt.duals().dual(0);
      d.rho = std::nextafter(d.rho, 2 * d.rho);
    }
  }
  if (processes) dist::ReplicaCheck::check(*group, opt, o.steps);

  const auto f = dist::fingerprint(opt);
  uint64_t params = 14695981039346656037ull;
  for (uint64_t h : f.blocks) params = (params ^ h) * 1099511628211ull;
  std::string lambdas, rhos;
  for (size_t e = 0; e < opt.duals().size(); ++e) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%.17g", e ? "," : "",
                  opt.duals().dual(static_cast<int>(e)).lambda);
    lambdas += buf;
    std::snprintf(buf, sizeof buf, "%s%.17g", e ? "," : "",
                  opt.duals().dual(static_cast<int>(e)).rho);
    rhos += buf;
  }
  const std::string owners = [&] {
    std::string s;
    if (ex)
      for (size_t b = 0; b < ex->owners().size(); ++b)
        s += (b ? "," : "") + std::to_string(ex->owners()[b]);
    return s;
  }();
  std::printf(
      "{\"rank\": %d, \"world_size\": %d, \"executor\": \"%s\", \"order\": \"%s\", "
      "\"partition\": \"%s\", \"blocks\": %d, \"width\": %d, \"steps\": %d, \"seed\": %lld, "
      "\"checksum\": \"%s\", \"params_checksum\": \"%s\", \"duals_checksum\": \"%s\", "
      "\"loss\": %.17g, \"lambda\": [%s], \"rho\": [%s], \"owners\": [%s], "
      "\"seconds_per_step\": %.6g, \"cpu_seconds_per_step\": %.6g, "
      "\"block_phase_seconds_per_step\": %.6g, "
      "\"evaluate_seconds_per_step\": %.6g, \"exchange_seconds_per_step\": %.6g, "
      "\"bytes_per_step\": %lld, \"broadcasts_per_step\": %lld}\n",
      rank, processes ? group->world_size() : 1, opt.executor().name().c_str(), o.order.c_str(),
      o.partition.c_str(), o.blocks, o.width, o.steps, static_cast<long long>(o.seed),
      hex(f.combined()).c_str(), hex(params).c_str(), hex(f.duals).c_str(), loss, lambdas.c_str(),
      rhos.c_str(), owners.c_str(), timed ? step_seconds / timed : 0.0,
      timed ? cpu_seconds / timed : 0.0, timed ? phase_seconds / timed : 0.0,
      timed ? eval_seconds / timed : 0.0, ex ? ex->traffic().exchange_seconds / o.steps : 0.0,
      ex ? static_cast<long long>(ex->traffic().bytes / o.steps) : 0LL,
      ex ? static_cast<long long>(ex->traffic().broadcasts / o.steps) : 0LL);
  std::fflush(stdout);
  if (processes) group->barrier();  // nobody tears the store down under a peer
}

}  // namespace

void register_dist(CLI::App& app) {
  auto* dist = app.add_subcommand("dist", "Multi-process runs over c10d/Gloo");
  dist->require_subcommand(1);
  auto o = std::make_shared<SelftestOptions>();
  auto* st = dist->add_subcommand(
      "selftest",
      "Train a small constrained MLP with the process executor on every rank (or serially) and "
      "print a fingerprint of the final state per rank");
  st->add_option("--executor", o->executor, "processes (every rank of a launch) or serial")
      ->capture_default_str();
  st->add_option("--order", o->order, "jacobi or gauss-seidel")->capture_default_str();
  st->add_option("--partition", o->partition, "Blocks to ranks: contiguous or round-robin")
      ->capture_default_str();
  st->add_option("--blocks", o->blocks, "Layers of the MLP (one block each)")
      ->capture_default_str();
  st->add_option("--width", o->width, "Input and hidden width")->capture_default_str();
  st->add_option("--batch", o->batch, "Rows per step")->capture_default_str();
  st->add_option("--steps", o->steps, "Optimizer steps")->capture_default_str();
  st->add_option("--seed", o->seed, "Seed of data, model and batches")
      ->capture_default_str()
      ->check(at_least(0));
  st->add_option("--threads", o->threads, "BLAS × intra-op threads of each process")
      ->capture_default_str();
  st->add_option("--timeout", o->timeout, "Seconds the rendezvous and each collective may take")
      ->capture_default_str();
  st->add_option("--check-every", o->check_every,
                 "Compare the ranks' state every N steps (0: only at the end)")
      ->capture_default_str();
  // -1, the default of these, means "not given": a given value must be a real one.
  st->add_option("--rank", o->rank, "This process's rank (else $RANK)")->check(at_least(0));
  st->add_option("--world-size", o->world_size, "Number of ranks (else $WORLD_SIZE)")
      ->check(at_least(1));
  st->add_option("--master-addr", o->master_addr, "Rank 0's address (with --rank)")
      ->capture_default_str();
  st->add_option("--master-port", o->master_port, "Rank 0's port (with --rank)")
      ->capture_default_str()
      ->check(integer_in(1, 65535));
  st->add_option("--die-rank", o->die_rank, "Fault test: this rank SIGKILLs itself ...")
      ->check(at_least(0));
  st->add_option("--die-at-step", o->die_at_step, "... at the start of this step")
      ->check(at_least(0));
  st->add_option("--diverge-rank", o->diverge_rank,
                 "Fault test: this rank nudges one penalty by one ulp after step 2")
      ->check(at_least(0));
  st->callback([o] {
    try {
      run_selftest(*o);
    } catch (const dist::PeerFailure& e) {
      throw CommandFailed(1, e.what());
    } catch (const dist::ReplicaDivergence& e) {
      throw CommandFailed(1, e.what());
    }
  });
}

}  // namespace galt::cli
