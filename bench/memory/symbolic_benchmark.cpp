// Symbolic benchmark of the access rule (DESIGN §6): every (m, V) cell of stacks N = 2..8
// through a real ledger per access policy.
#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "bench/memory/contrast_packets.h"
#include "bench/memory/memory_benchmark.h"
#include "bench/memory/scratch_dir.h"
#include "galt/memory/trace_ledger.h"

namespace galt::memory {
namespace {

struct Tally {
  std::map<std::string, std::pair<long, long>> c;  // regime → (correct, total)
  void add(const std::string& key, bool ok) {
    c[key].first += ok ? 1 : 0;
    c[key].second += 1;
  }
  nlohmann::json json() const {
    nlohmann::json j;
    for (const auto& [k, v] : c) {
      j[k] = v.second ? static_cast<double>(v.first) / static_cast<double>(v.second) : 0.0;
      j["n_" + k] = v.second;
    }
    return j;
  }
};

}  // namespace

nlohmann::json run_symbolic_benchmark(const SymbolicBenchmarkOptions& options) {
  detail::ScratchDir dir("");
  std::mt19937 rng(options.seed);
  nlohmann::json out;
  for (AccessPolicyKind kind :
       {AccessPolicyKind::kHierarchical, AccessPolicyKind::kSameLayer, AccessPolicyKind::kFlush}) {
    Tally tally;
    for (int n : options.layers) {
      LedgerOptions lo;
      lo.stack.layers = n;
      lo.stack.hard = {0};
      lo.access = kind;
      auto ledger = TraceLedger::create(
          dir.file(std::string("symbolic-") + to_string(kind) + "-" + std::to_string(n) + ".db"),
          lo, OpenOptions{.durable = false});
      std::vector<EntryId> entry(n);
      for (int m = 0; m < n; ++m) {
        entry[m] = ledger.propose(m, "memory at layer " + std::to_string(m));
        ledger.adjudicate(entry[m], std::vector<double>(n, -1.0));
        ledger.consolidate(entry[m]);
      }
      for (unsigned subset = 0; subset < (1U << n); ++subset) {
        std::vector<int> layers;
        for (int k = 0; k < n; ++k) {
          if (subset & (1U << k)) layers.push_back(k);
        }
        std::shuffle(layers.begin(), layers.end(), rng);
        std::vector<ViolationId> raised;
        for (int k : layers) raised.push_back(ledger.raise_violation(k));
        for (int m = 0; m < n; ++m) {
          // Ground truth from the semantics (DESIGN §6), not from the policy:
          // a memory relies on every layer up to its own.
          bool must_quarantine = false, heldout = false;
          for (int v : layers) {
            must_quarantine = must_quarantine || v <= m;
            heldout = heldout || heldout_pair(m, v);
          }
          const bool ok = ledger.accessible(entry[m]) == !must_quarantine;
          const std::string regime =
              layers.empty() ? "no_violation" : (must_quarantine ? "bottom_up" : "top_down");
          tally.add(regime, ok);
          if (layers.size() >= 2) tally.add("multi_violation", ok);
          if (heldout) tally.add("heldout_" + regime, ok);
          tally.add("all", ok);
        }
        std::shuffle(raised.begin(), raised.end(), rng);
        for (ViolationId v : raised) ledger.resolve_violation(v);
      }
      // After every raise was resolved, everything is readable again.
      for (int m = 0; m < n; ++m) tally.add("after_resolve", ledger.accessible(entry[m]));
    }
    out[to_string(kind)] = tally.json();
  }
  out["layers"] = options.layers;
  out["held_out_pairs"] = "(m + 3v) mod 5 = 2";
  out["hierarchical_perfect"] =
      out["hierarchical"]["bottom_up"] == 1.0 && out["hierarchical"]["top_down"] == 1.0;
  out["same_layer_fails_bottom_up"] = out["same_layer"]["bottom_up"].get<double>() < 1.0;
  out["flush_fails_top_down"] = out["flush"]["top_down"].get<double>() < 1.0;
  return out;
}

}  // namespace galt::memory
