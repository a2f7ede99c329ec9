// `galt bench memory`: the trace-memory benchmarks (DESIGN §6).
//
//   symbolic   every (m, V) cell of stacks N = 2..8, V any set of
//              simultaneous violations, through a real ledger per access
//              policy; accuracy per regime (no_violation: V = ∅; bottom_up:
//              min V ≤ m, must quarantine; top_down: min V > m, must stay
//              readable) and on the held-out layer pairs.
//   heads      learned proposal heads on generated contrast packets
//              (layer_heads.h), several seeds.
//   external   the same heads on the public prototype's curriculum rows.
//   ledger     durable batched appends/s, access p50/p99 with many entries,
//              recovery time after a SIGKILL.
//
// Every result goes into one JSON object (keys documented in docs/MEMORY.md).
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "bench/memory/layer_heads.h"

namespace galt::memory {

struct SymbolicBenchmarkOptions {
  /// Stack sizes to enumerate. Default 2..8.
  std::vector<int> layers = {2, 3, 4, 5, 6, 7, 8};
  /// Shuffles the raise/resolve order of each cell.
  unsigned seed = 1;
};

struct LedgerBenchmarkOptions {
  /// Directory for the ledger files (removed afterwards). Default: a fresh
  /// directory under $TMPDIR.
  std::string work_dir;
  /// Durable (fsynced) appends measured, in batches of `batch`.
  std::int64_t appends = 200'000;
  std::int64_t batch = 1'000;
  /// Entries (each proposed, adjudicated, consolidated) in the ledger the
  /// access queries run against. Default 1,000,000.
  std::int64_t entries = 1'000'000;
  /// Random access queries timed one by one.
  std::int64_t queries = 200'000;
  /// Kill-and-reopen trials for the recovery time (median reported).
  int recovery_trials = 3;
  unsigned seed = 1;
};

struct HeadsBenchmarkOptions {
  ContrastPacketOptions packets;
  LayerHeadsOptions heads;
  /// Seeds (each: a fresh generator split and fresh model initialisation).
  std::vector<unsigned> seeds = {1, 2, 3};
  /// ../shared/data/galt-reference; empty skips the external check.
  std::string reference_dir;
};

struct MemoryBenchmarkOptions {
  bool symbolic = true, heads = true, ledger = true;
  SymbolicBenchmarkOptions symbolic_options;
  HeadsBenchmarkOptions heads_options;
  LedgerBenchmarkOptions ledger_options;
};

using Progress = std::function<void(const std::string&)>;

nlohmann::json run_symbolic_benchmark(const SymbolicBenchmarkOptions& options);
nlohmann::json run_ledger_benchmark(const LedgerBenchmarkOptions& options,
                                    const Progress& progress = nullptr);
/// Returns {"heads": ..., "external": ...} (external only with a
/// reference_dir).
nlohmann::json run_heads_benchmark(const HeadsBenchmarkOptions& options,
                                   const Progress& progress = nullptr);
nlohmann::json run_memory_benchmark(const MemoryBenchmarkOptions& options,
                                    const Progress& progress = nullptr);

}  // namespace galt::memory
