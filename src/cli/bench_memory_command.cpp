// `galt bench memory --json OUT`: the trace-memory benchmarks (DESIGN §6;
// bench/memory/memory_benchmark.h). The default run takes a few minutes on
// two cores; flags scale it up.
#include <galt_paths.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>

#include "bench/memory/memory_benchmark.h"
#include "cli/commands.h"
#include "cli/json_output.h"
#include "cli/list_parser.h"
#include "cli/option_checks.h"
#include "galt/error.h"
#include "galt/report/provenance.h"

namespace galt::cli {
namespace {

struct BenchMemoryArgs {
  std::string json_out, only = "symbolic,ledger,heads", seeds = "1,2,3", reference, work_dir;
  long long entries = 1'000'000, appends = 200'000, batch = 1'000, queries = 200'000;
  int recovery_trials = 3, train_packets = 240, test_packets = 80, epochs = 10;
};

std::vector<unsigned> parse_seeds(const std::string& text) {
  const auto seeds = parse_integer_list(text, {"--seeds", "a non-negative integer"}, 0,
                                        std::numeric_limits<unsigned>::max());
  return {seeds.begin(), seeds.end()};
}

}  // namespace

void register_bench_memory(CLI::App& bench) {
  auto a = std::make_shared<BenchMemoryArgs>();
  auto* cmd = bench.add_subcommand("memory", "Trace-memory benchmarks (DESIGN §6)");
  cmd->add_option("--json", a->json_out, "Write the results here (JSON)")->required();
  cmd->add_option("--only", a->only, "Comma list of symbolic, ledger, heads (default all)");
  cmd->add_option("--seeds", a->seeds, "Seeds of the learned heads (default 1,2,3)");
  // Every count is ≥ 1: a zero would leave a median or a split of nothing.
  cmd->add_option("--entries", a->entries, "Entries in the access-latency ledger (1000000)")
      ->check(at_least(1));
  cmd->add_option("--appends", a->appends, "Durable appends timed (200000)")->check(at_least(1));
  cmd->add_option("--batch", a->batch, "Appends per committed batch (1000)")->check(at_least(1));
  cmd->add_option("--queries", a->queries, "Access queries timed (200000)")->check(at_least(1));
  cmd->add_option("--recovery-trials", a->recovery_trials, "Kill/reopen trials per mode (3)")
      ->check(at_least(1));
  cmd->add_option("--train-packets", a->train_packets, "Contrast packets in train (240)")
      ->check(at_least(1));
  cmd->add_option("--test-packets", a->test_packets, "Contrast packets in test (80)")
      ->check(at_least(1));
  cmd->add_option("--epochs", a->epochs, "Transformer training epochs (10)")->check(at_least(1));
  cmd->add_option("--reference", a->reference,
                  "galt-reference data for the external check (default "
                  "../shared/data/galt-reference next to the source tree; 'none' skips it)");
  cmd->add_option("--work-dir", a->work_dir, "Scratch directory for ledgers (default $TMPDIR)");
  cmd->callback([a] {
    memory::MemoryBenchmarkOptions o;
    o.symbolic = o.ledger = o.heads = false;
    for (const std::string& part :
         parse_choice_list(a->only, {"--only"}, {"symbolic", "ledger", "heads"})) {
      o.symbolic = o.symbolic || part == "symbolic";
      o.ledger = o.ledger || part == "ledger";
      o.heads = o.heads || part == "heads";
    }
    o.ledger_options.entries = a->entries;
    o.ledger_options.appends = a->appends;
    o.ledger_options.batch = a->batch;
    o.ledger_options.queries = a->queries;
    o.ledger_options.recovery_trials = a->recovery_trials;
    o.ledger_options.work_dir = a->work_dir;
    o.heads_options.seeds = parse_seeds(a->seeds);
    o.heads_options.packets.train_packets = a->train_packets;
    o.heads_options.packets.test_packets = a->test_packets;
    o.heads_options.heads.epochs = a->epochs;
    if (a->reference != "none") {
      std::string ref = a->reference;
      if (ref.empty()) ref = std::string(GALT_SOURCE_DIR) + "/../shared/data/galt-reference";
      if (!std::filesystem::exists(ref + "/curriculum/train.jsonl")) {
        throw InputError("--reference: '" + ref +
                         "' has no curriculum/train.jsonl (give the galt-reference folder, or "
                         "'none' to skip the external check)");
      }
      o.heads_options.reference_dir = ref;
    }
    check_json_output(a->json_out);  // fail now, not after minutes of work
    auto progress = [](const std::string& m) {
      std::fprintf(stderr, "[bench memory] %s\n", m.c_str());
    };
    write_json_output(memory::run_memory_benchmark(o, progress), a->json_out, "galt bench memory");
  });
}

}  // namespace galt::cli
