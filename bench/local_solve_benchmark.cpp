// Local-solve cost against block size d and active edges k (DESIGN §2.2:
// O(d·k² + k³)). Run: build/bench/galt_bench_local_solve
#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include "galt/solve/local_solve.h"

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

}  // namespace

BENCHMARK_MAIN();
