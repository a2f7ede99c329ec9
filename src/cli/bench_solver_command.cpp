// `galt bench solver --json FILE`: exactness and speed of the local solve
// (DESIGN §2.2), and the cost of a GALT optimizer step next to AdamW on the
// same data (§2.3). Every number is measured in this run.
#include <time.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/commands.h"
#include "cli/json_output.h"
#include "cli/option_checks.h"
#include "galt/error.h"
#include "galt/models/mlp.h"
#include "galt/report/provenance.h"
#include "galt/solve/executor.h"
#include "galt/solve/local_solve.h"
#include "galt/solve/optimizer.h"
#include "galt/solve/threading.h"

namespace galt::cli {
namespace {

using Clock = std::chrono::steady_clock;

// --fused-min-per-edge (negative: the library's default), for every step bench.
int64_t g_fused_min_per_edge = -1;
SolverOptions bench_solver() {
  SolverOptions s;
  if (g_fused_min_per_edge >= 0) s.block.fused_min_per_edge = g_fused_min_per_edge;
  return s;
}

// CPU seconds of this process (all threads) and of the calling thread. On a
// shared, loaded machine wall time measures the scheduler's share as much as
// the work; CPU time measures the work (with --threads 1, where no BLAS
// worker spins, the process figure is the step's own).
double process_cpu() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}
double thread_cpu() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// One run of f: wall seconds, and process CPU seconds into *cpu.
template <class F>
double timed(F&& f, std::vector<double>& cpu) {
  const double c0 = process_cpu();
  const auto t0 = Clock::now();
  f();
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  cpu.push_back(process_cpu() - c0);
  return wall;
}

template <class F>
double median_seconds(int reps, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = Clock::now();
    f();
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

LocalSolveProblem random_problem(int64_t d, int64_t k, torch::Dtype dtype,
                                 at::Tensor* dense_u = nullptr, at::Tensor* a_inv_out = nullptr,
                                 at::Tensor* s0_out = nullptr) {
  auto opt = torch::TensorOptions().dtype(dtype);
  LocalSolveProblem p;
  auto a_inv = 1e-3 / (torch::pow(10.0, torch::rand({d}, opt) * 4 - 4) + 1e-8);
  auto s0 = torch::randn({d}, opt) * 1e-3;
  auto u = torch::randn({k, d}, opt);
  p.inv_metric = {a_inv};
  p.base_step = {s0};
  p.jacobian = {u};
  p.force = torch::randn({k}, torch::kFloat64);
  p.rho = torch::rand({k}, torch::kFloat64) * 10 + 0.1;
  if (dense_u) *dense_u = u;
  if (a_inv_out) *a_inv_out = a_inv;
  if (s0_out) *s0_out = s0;
  return p;
}

double max_rel_err(torch::Dtype dtype) {
  double worst = 0;
  for (int64_t k = 1; k <= 16; ++k) {
    at::Tensor u, a_inv, s0;
    auto p = random_problem(1000, k, dtype, &u, &a_inv, &s0);
    auto s = solve_local(p).step[0].to(torch::kFloat64);
    auto a = 1.0 / a_inv.to(torch::kFloat64);
    auto ud = u.to(torch::kFloat64);
    auto h = torch::diag(a) + ud.t().mm(torch::diag(p.rho)).mm(ud);
    auto b = a * s0.to(torch::kFloat64) - ud.t().mv(p.force);
    auto ref = torch::linalg::solve(h, b.unsqueeze(1), true).squeeze(1);
    worst = std::max(worst, ((s - ref).norm() / ref.norm()).item<double>());
  }
  return worst;
}

nlohmann::json solve_timings(int64_t max_d) {
  nlohmann::json out = nlohmann::json::array();
  for (int64_t d = 1000; d <= max_d; d *= 10) {
    for (int64_t k : {1, 2, 4, 8, 16, 32}) {
      auto p = random_problem(d, k, torch::kFloat32);
      const int reps = d >= 10000000 ? 3 : (d >= 1000000 ? 5 : 20);
      solve_local(p);  // warm-up
      const double s = median_seconds(reps, [&] { solve_local(p); });
      out.push_back({{"d", d}, {"k", k}, {"seconds", s}});
      std::fprintf(stderr, "  solve d=%-9lld k=%-3lld %.6f s\n", static_cast<long long>(d),
                   static_cast<long long>(k), s);
    }
  }
  return out;
}

// log-log slope of time against d (at fixed k) or k (at fixed d).
double slope(const nlohmann::json& solve, const char* vary, const char* fixed, int64_t at) {
  std::vector<double> xs, ys;
  for (const auto& r : solve)
    if (r[fixed].get<int64_t>() == at &&
        r[vary].get<int64_t>() >= (std::string(vary) == "d" ? 100000 : 4)) {
      xs.push_back(std::log(r[vary].get<double>()));
      ys.push_back(std::log(r["seconds"].get<double>()));
    }
  if (xs.size() < 2) return std::nan("");
  const double n = static_cast<double>(xs.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    sx += xs[i];
    sy += ys[i];
    sxx += xs[i] * xs[i];
    sxy += xs[i] * ys[i];
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

// The step benchmarks' k edges: edge e is the mean probability of class
// e % 10 on its own 16 rows of the probe batch (rows 16e … 16e + 15).
at::Tensor probe_class_mass(const at::Tensor& logits, int k) {
  auto p = torch::softmax(logits, 1);
  std::vector<at::Tensor> v;
  for (int e = 0; e < k; ++e) v.push_back(p.narrow(0, 16 * e, 16).select(1, e % 10).mean());
  return torch::stack(v);
}

// Those k edges as one family (16 rows each: the per-example trick applies).
EdgeFamily probe_family(int k, Sense sense, double margin, std::function<at::Tensor()> values) {
  EdgeFamily fam;
  for (int e = 0; e < k; ++e)
    fam.edges.push_back({.name = "p" + std::to_string(e), .sense = sense, .margin = margin});
  fam.values = std::move(values);
  fam.rows.assign(k, 16);
  return fam;
}

// Two MLPs with the same initialisation: GALT's and the baseline's.
std::pair<models::MLP, models::MLP> twin_mlps(const std::vector<int64_t>& sizes) {
  models::MLP a(sizes), b(sizes);
  torch::NoGradGuard g;
  auto pa = a->parameters(), pb = b->parameters();
  for (size_t i = 0; i < pa.size(); ++i) pb[i].copy_(pa[i]);
  return {a, b};
}

// One parameter group (a block) per block of the model, lr 1e-3.
std::vector<torch::optim::OptimizerParamGroup> block_groups(models::MLP& net) {
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (auto& b : net->blocks())
    groups.emplace_back(b.params,
                        std::make_unique<OptimizerOptions>(OptimizerOptions(1e-3).name(b.name)));
  return groups;
}

struct StepTiming {
  double galt = 0, adamw = 0, flops = 0;
  double galt_cpu = 0, adamw_cpu = 0;  // process CPU seconds (medians)
  double evaluate = 0, solve = 0;      // medians of the optimizer's own phases
};

// §2.3: k edges, each the mean probability of one class on its own 16-example
// probe batch (equalities, so every edge stays active and is solved).
StepTiming step_timing(int k, int reps, bool fused = true) {
  torch::manual_seed(0);
  const std::vector<int64_t> sizes{784, 256, 256, 10};
  auto [galt_net, adam_net] = twin_mlps(sizes);
  auto x = torch::rand({128, 784});
  auto y = torch::randint(0, 10, {128});
  auto probes = torch::rand({16 * k, 784});
  SolverOptions solver = bench_solver();
  solver.block.fused = fused;
  Optimizer galt(block_groups(galt_net), OptimizerOptions(1e-3), solver);
  galt.add_constraint_family(probe_family(k, Sense::kEquality, 0.05, [&, k] {
    return probe_class_mass(galt_net->forward(probes), k);
  }));
  torch::optim::AdamW adamw(adam_net->parameters(), torch::optim::AdamWOptions(1e-3));

  auto galt_step = [&] {
    galt.zero_grad();
    torch::nn::functional::cross_entropy(galt_net->forward(x), y).backward();
    galt.step();
  };
  auto adamw_step = [&] {
    adamw.zero_grad();
    auto logits = adam_net->forward(torch::cat({x, probes}));
    auto loss = torch::nn::functional::cross_entropy(logits.narrow(0, 0, 128), y) +
                probe_class_mass(logits.narrow(0, 128, 16 * k), k).sum();
    loss.backward();
    adamw.step();
  };
  for (int i = 0; i < 5; ++i) {
    galt_step();
    adamw_step();
  }
  StepTiming t;
  // Interleave the two so drift in machine load hits both alike.
  std::vector<double> g, a, ev, so, gc, ac;
  for (int i = 0; i < reps; ++i) {
    g.push_back(timed(galt_step, gc));
    ev.push_back(galt.last_stats().evaluate_seconds);
    so.push_back(galt.last_stats().solve_seconds);
    a.push_back(timed(adamw_step, ac));
  }
  t.galt_cpu = median_of(gc);
  t.adamw_cpu = median_of(ac);
  t.galt = median_of(g);
  t.adamw = median_of(a);
  t.evaluate = median_of(ev);
  t.solve = median_of(so);
  const double n = 128.0 + 16.0 * k;
  double macs = 0;
  for (size_t l = 0; l + 1 < sizes.size(); ++l)
    macs += static_cast<double>(sizes[l] * sizes[l + 1]);
  // forward 2·N·macs, backward 4·N·macs less the input gradient of layer 1.
  t.flops = 6 * n * macs - 2 * n * sizes[0] * sizes[1];
  if (galt.counters().per_example_jacobians == 0)
    throw std::runtime_error("bench solver: the per-example Jacobian path did not run");
  return t;
}

// gda_ratio: the same GALT step (k = 8 family edges evaluated — refreshed —
// every step) against Lagrangian gradient descent–ascent on the same rows and
// model, as src/train/methods/lagrangian_gda.cpp does it: task forward,
// constraint-rows forward, one backward of task + Σ λ_e C_e, AdamW, λ ascent.
struct GdaTiming {
  double galt = 0, gda = 0, galt_cpu = 0, gda_cpu = 0;
};
GdaTiming gda_timing(int k, int reps) {
  torch::manual_seed(0);
  const std::vector<int64_t> sizes{784, 256, 256, 10};
  auto [galt_net, gda_net] = twin_mlps(sizes);
  auto x = torch::rand({128, 784});
  auto y = torch::randint(0, 10, {128});
  auto probes = torch::rand({16 * k, 784});
  Optimizer galt(block_groups(galt_net), OptimizerOptions(1e-3), bench_solver());
  galt.add_constraint_family(probe_family(k, Sense::kInequality, 0.0, [&, k] {
    return probe_class_mass(galt_net->forward(probes), k);
  }));
  torch::optim::AdamW adamw(gda_net->parameters(), torch::optim::AdamWOptions(1e-3));
  std::vector<double> lambda(k, 0.0);
  auto galt_step = [&] {
    galt.zero_grad();
    torch::nn::functional::cross_entropy(galt_net->forward(x), y).backward();
    galt.step();
  };
  auto gda_step = [&] {
    adamw.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(gda_net->forward(x), y);
    const auto c = probe_class_mass(gda_net->forward(probes), k);
    loss = loss + (torch::tensor(lambda, c.options()) * c).sum();
    loss.backward();
    adamw.step();
    const auto cd = c.detach().to(torch::kDouble);
    const double* h = cd.data_ptr<double>();
    for (int e = 0; e < k; ++e) lambda[e] = std::max(0.0, lambda[e] + 0.5 * h[e]);
  };
  for (int i = 0; i < 5; ++i) {
    galt_step();
    gda_step();
  }
  std::vector<double> g, a, gc, ac;
  for (int i = 0; i < reps; ++i) {
    g.push_back(timed(galt_step, gc));
    a.push_back(timed(gda_step, ac));
  }
  return {median_of(g), median_of(a), median_of(gc), median_of(ac)};
}

// Runs `inner` and adds each block step's thread CPU seconds to the thread
// that ran it. The busiest thread's total is the block phase's critical path
// in CPU time, which other processes' load does not stretch (on this shared
// machine wall time under load measures the scheduler's share: two runnable
// threads get two shares, so the wall "speedup" can even exceed 2).
class CpuMeteredExecutor final : public Executor {
 public:
  explicit CpuMeteredExecutor(std::shared_ptr<Executor> inner) : inner_(std::move(inner)) {}
  std::string name() const override { return inner_->name(); }
  int concurrency() const override { return inner_->concurrency(); }
  void run(const BlockSchedule& schedule, const std::function<void(int)>& before_colour,
           const std::function<void(int)>& step) override {
    std::mutex mu;
    std::map<std::thread::id, double> per_thread;
    inner_->run(schedule, before_colour, [&](int b) {
      const double c0 = thread_cpu();
      step(b);
      const double c = thread_cpu() - c0;
      std::lock_guard<std::mutex> lock(mu);
      per_thread[std::this_thread::get_id()] += c;
    });
    total = busiest = 0;
    for (const auto& [id, c] : per_thread) {
      total += c;
      busiest = std::max(busiest, c);
    }
  }
  double total = 0, busiest = 0;  // of the last run

 private:
  std::shared_ptr<Executor> inner_;
};

// threads2_speedup: the block phase (Optimizer's StepStats::solve_seconds) of
// one inner iteration on 2 threads ÷ on 1, for a 4-block MLP 784-400-400-400-10
// with k = 8 active family edges touching every block (block Jacobi: one
// colour of 4 blocks). Interleaved, medians. Also in CPU time: serial block
// CPU ÷ the busiest thread's block CPU (the speedup a quiet machine would
// show, less the hand-off), and the threaded run's total block CPU ÷ the
// serial one (> 1: the threads slow each other, e.g. memory bandwidth).
struct ThreadTiming {
  double serial = 0, threaded = 0;
  double serial_cpu = 0, busiest_cpu = 0, threaded_total_cpu = 0;
};
ThreadTiming thread_timing(int reps) {
  // The thread budget (DESIGN rule: executor threads × BLAS threads ≤ cores):
  // two executor threads get one BLAS thread each for the whole measurement,
  // serial baseline included. With OpenBLAS at 2 threads its idle workers
  // spin on the second core after every task GEMM and the executor's second
  // thread waits for it (measured on a quiet machine: wall speedup 0.93 while
  // each thread did half the block CPU; docs/PERFORMANCE.md).
  const ScopedBlasThreads budget(1);
  const int k = 8;
  const std::vector<int64_t> sizes{784, 400, 400, 400, 10};
  auto make = [&](std::shared_ptr<Executor> ex) {
    torch::manual_seed(0);
    auto net = std::make_shared<models::MLP>(sizes);
    auto opt =
        std::make_shared<Optimizer>(block_groups(*net), OptimizerOptions(1e-3), bench_solver());
    opt->set_executor(std::move(ex));
    auto probes = torch::rand({16 * k, 784});
    opt->add_constraint_family(probe_family(k, Sense::kEquality, 0.05, [net, probes, k] {
      return probe_class_mass((*net)->forward(probes), k);
    }));
    return std::make_pair(net, opt);
  };
  auto ex1 = std::make_shared<CpuMeteredExecutor>(std::make_shared<SerialExecutor>());
  auto ex2 = std::make_shared<CpuMeteredExecutor>(std::make_shared<ThreadExecutor>(2));
  auto [net1, opt1] = make(ex1);
  auto [net2, opt2] = make(ex2);
  auto x = torch::rand({128, 784});
  auto y = torch::randint(0, 10, {128});
  auto step = [&](models::MLP& net, Optimizer& opt) {
    opt.zero_grad();
    torch::nn::functional::cross_entropy(net->forward(x), y).backward();
    opt.step();
    return opt.last_stats().solve_seconds;
  };
  for (int i = 0; i < 5; ++i) {
    step(*net1, *opt1);
    step(*net2, *opt2);
  }
  std::vector<double> a, b, ac, bc, bt;
  for (int i = 0; i < reps; ++i) {
    a.push_back(step(*net1, *opt1));
    ac.push_back(ex1->total);
    b.push_back(step(*net2, *opt2));
    bc.push_back(ex2->busiest);
    bt.push_back(ex2->total);
  }
  return {median_of(a), median_of(b), median_of(ac), median_of(bc), median_of(bt)};
}

double gemm_peak_gflops() {
  auto a = torch::rand({1024, 1024}), b = torch::rand({1024, 1024});
  torch::mm(a, b);
  const double s = median_seconds(15, [&] { torch::mm(a, b); });
  return 2.0 * 1024 * 1024 * 1024 / s / 1e9;
}

struct Options {
  std::string json;
  int64_t max_d = 10000000;
  int reps = 40;
  int threads = 0;
  bool steps_only = false;
  int64_t fused_min_per_edge = -1;
};

void run(const Options& o) {
  g_fused_min_per_edge = o.fused_min_per_edge;
  const ThreadConfig tc = configure_threads(o.threads);
  const std::string blas = blas_info();
  std::fprintf(stderr, "galt bench solver: %d cores, intra-op %d, BLAS threads %d, %s\n", tc.cores,
               tc.intra_op, tc.blas, blas.c_str());
  const bool to_stdout = o.json.empty() || o.json == "-";
  if (!to_stdout) check_json_output(o.json);  // fail now, not after minutes of work
  nlohmann::json j;
  j["threads"] = {{"cores", tc.cores}, {"intra_op", tc.intra_op}, {"blas", tc.blas}};
  j["blas"] = blas;
  torch::manual_seed(0);
  if (!o.steps_only) {
    j["max_rel_err"] = max_rel_err(torch::kFloat64);
    j["max_rel_err_float32"] = max_rel_err(torch::kFloat32);
    std::fprintf(stderr, "  max_rel_err (double) %.3g, (float) %.3g\n",
                 j["max_rel_err"].get<double>(), j["max_rel_err_float32"].get<double>());
    j["solve"] = solve_timings(o.max_d);
    j["solve_scaling"] = {{"d_exponent_at_k8", slope(j["solve"], "d", "k", 8)},
                          {"k_exponent_at_d1e6", slope(j["solve"], "k", "d", 1000000)}};
  }
  j["gemm_peak_gflops"] = gemm_peak_gflops();
  nlohmann::json ratio, cpu_ratio, detail;
  double adamw_gflops = 0;
  for (int k : {1, 4, 8}) {
    const StepTiming t = step_timing(k, o.reps);
    ratio["k" + std::to_string(k)] = t.galt / t.adamw;
    cpu_ratio["k" + std::to_string(k)] = t.galt_cpu / t.adamw_cpu;
    detail["k" + std::to_string(k)] = {{"galt_seconds", t.galt},
                                       {"adamw_seconds", t.adamw},
                                       {"galt_evaluate_seconds", t.evaluate},
                                       {"galt_solve_seconds", t.solve},
                                       {"galt_cpu_seconds", t.galt_cpu},
                                       {"adamw_cpu_seconds", t.adamw_cpu}};
    if (k == 8) adamw_gflops = t.flops / t.adamw / 1e9;
    std::fprintf(
        stderr,
        "  step k=%d: GALT %.5f s (edges %.5f, solves %.5f), AdamW(penalty) %.5f s, ratio %.3f "
        "(CPU %.3f)\n",
        k, t.galt, t.evaluate, t.solve, t.adamw, t.galt / t.adamw, t.galt_cpu / t.adamw_cpu);
  }
  {
    // The same k = 8 step through the general tensor path (SolverOptions::fused off).
    const StepTiming t = step_timing(8, o.reps, /*fused=*/false);
    ratio["k8_general_path"] = t.galt / t.adamw;
    cpu_ratio["k8_general_path"] = t.galt_cpu / t.adamw_cpu;
    detail["k8_general_path"] = {{"galt_seconds", t.galt},
                                 {"adamw_seconds", t.adamw},
                                 {"galt_evaluate_seconds", t.evaluate},
                                 {"galt_solve_seconds", t.solve},
                                 {"galt_cpu_seconds", t.galt_cpu},
                                 {"adamw_cpu_seconds", t.adamw_cpu}};
    std::fprintf(stderr,
                 "  step k=8, general path: GALT %.5f s (edges %.5f, solves %.5f), AdamW(penalty) "
                 "%.5f s, ratio %.3f (CPU %.3f)\n",
                 t.galt, t.evaluate, t.solve, t.adamw, t.galt / t.adamw, t.galt_cpu / t.adamw_cpu);
  }
  {
    const GdaTiming t = gda_timing(8, o.reps);
    j["gda_ratio"] = t.galt / t.gda;
    j["gda_ratio_cpu"] = t.galt_cpu / t.gda_cpu;
    detail["gda_k8"] = {{"galt_seconds", t.galt},
                        {"gda_seconds", t.gda},
                        {"galt_cpu_seconds", t.galt_cpu},
                        {"gda_cpu_seconds", t.gda_cpu}};
    std::fprintf(stderr,
                 "  step k=8 vs Lagrangian GDA: GALT %.5f s, GDA %.5f s, ratio %.3f (CPU %.3f)\n",
                 t.galt, t.gda, t.galt / t.gda, t.galt_cpu / t.gda_cpu);
  }
  {
    const ThreadTiming t = thread_timing(o.reps);
    j["threads2_speedup"] = t.serial / t.threaded;
    j["threads2_speedup_cpu"] = t.serial_cpu / t.busiest_cpu;
    j["threads2_cpu_inflation"] = t.threaded_total_cpu / t.serial_cpu;
    detail["block_phase_4_blocks"] = {{"serial_seconds", t.serial},
                                      {"threads2_seconds", t.threaded},
                                      {"serial_block_cpu_seconds", t.serial_cpu},
                                      {"threads2_busiest_thread_cpu_seconds", t.busiest_cpu},
                                      {"threads2_total_block_cpu_seconds", t.threaded_total_cpu}};
    std::fprintf(stderr,
                 "  block phase, 4 blocks, k=8: 1 thread %.5f s, 2 threads %.5f s, speedup %.3f; "
                 "CPU: serial %.5f s, busiest thread %.5f s (speedup %.3f), total %.5f s "
                 "(inflation %.3f)\n",
                 t.serial, t.threaded, t.serial / t.threaded, t.serial_cpu, t.busiest_cpu,
                 t.serial_cpu / t.busiest_cpu, t.threaded_total_cpu,
                 t.threaded_total_cpu / t.serial_cpu);
  }
  j["step_ratio"] = ratio;
  j["step_ratio_cpu"] = cpu_ratio;
  j["step_seconds"] = detail;
  j["adamw_gflops"] = adamw_gflops;
  std::fprintf(stderr, "  gemm peak %.1f GFLOP/s, AdamW step %.1f GFLOP/s\n",
               j["gemm_peak_gflops"].get<double>(), adamw_gflops);
  if (to_stdout) {
    j["command"] = "galt bench solver";
    j["provenance"] = report::to_json(report::provenance(invocation()));
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    write_json_output(std::move(j), o.json, "galt bench solver");
  }
}

}  // namespace

void register_bench_solver(CLI::App& bench) {
  auto o = std::make_shared<Options>();
  auto* cmd =
      bench.add_subcommand("solver", "Local-solve exactness and speed; GALT step vs AdamW step");
  cmd->add_option("--json", o->json, "write the JSON here (default: stdout)");
  cmd->add_option("--max-d", o->max_d, "largest block size d for the solve timings")
      ->check(integer_in(1000, 100000000));
  cmd->add_option("--reps", o->reps, "timed repetitions per step measurement")->check(at_least(1));
  cmd->add_option("--threads", o->threads, "cores to use (0: all)")->check(at_least(0, "0: all"));
  cmd->add_flag("--steps-only", o->steps_only,
                "only the step measurements (step_ratio, gda_ratio, threads2_speedup)");
  cmd->add_option("--fused-min-per-edge", o->fused_min_per_edge,
                  "BlockStepOptions::fused_min_per_edge for the step measurements (-1, the "
                  "default: the library's)")
      ->check(at_least(-1, "-1: the library's"));
  cmd->callback([o] { run(*o); });
}

}  // namespace galt::cli
