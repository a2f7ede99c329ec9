// Local-solve cost against block size d and active edges k (DESIGN §2.2:
// O(d·k² + k³)). Run: build/bench/galt_bench_local_solve
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "galt/solve/local_solve.h"
#include "galt/solve/optimizer.h"

namespace {

void BM_LocalSolve(benchmark::State& state) {
  const int64_t d = state.range(0), k = state.range(1);
  torch::manual_seed(0);
  galt::LocalSolveProblem p;
  p.inv_metric = {torch::rand({d}) + 0.1};
  p.base_step = {torch::randn({d}) * 1e-3};
  p.jacobian = {torch::randn({k, d})};
  p.force = torch::randn({k}, torch::kFloat64);
  p.rho = torch::ones({k}, torch::kFloat64);
  for (auto _ : state) benchmark::DoNotOptimize(galt::solve_local(p));
  state.counters["d"] = static_cast<double>(d);
  state.counters["k"] = static_cast<double>(k);
  state.SetComplexityN(d * k * k);
}
BENCHMARK(BM_LocalSolve)
    ->ArgsProduct({{1000, 10000, 100000, 1000000}, {1, 4, 16, 32}})
    ->Unit(benchmark::kMicrosecond)
    ->Complexity();

// One galt::Optimizer step of a block of d parameters with k active message
// edges (the continual method's case), through the fused path (arg 1) or the
// general tensor path (arg 0); Lagrangian metric and metric floor on.
void BM_OptimizerStep(benchmark::State& state) {
  const int64_t d = state.range(0), k = state.range(1);
  torch::manual_seed(0);
  auto w = (torch::randn({d}) * 0.01).requires_grad_(true);
  galt::SolverOptions so;
  so.block.fused = state.range(2) != 0;
  so.block.fused_min_per_edge = 0;  // measure the path itself
  so.block.lagrangian_metric = true;
  galt::Optimizer opt({w}, galt::OptimizerOptions(1e-3), so);
  std::vector<at::Tensor> jac;
  for (int64_t e = 0; e < k; ++e) {
    jac.push_back(torch::randn({d}) * 1e-3);
    galt::ConstraintEdge edge;
    edge.name = "e" + std::to_string(e);
    edge.message = [j = jac.back()] { return galt::EdgeMessage{0.1, {j}}; };
    opt.add_constraint(edge);
  }
  const auto g = torch::randn({d});
  for (auto _ : state) {
    w.mutable_grad() = g;
    opt.step();
  }
  state.counters["d"] = static_cast<double>(d);
  state.counters["k"] = static_cast<double>(k);
  state.counters["fused"] = static_cast<double>(state.range(2));
}
BENCHMARK(BM_OptimizerStep)
    ->ArgsProduct({{100000, 500000}, {1, 5, 8}, {0, 1}})
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
