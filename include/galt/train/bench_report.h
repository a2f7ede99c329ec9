// Reports of a continual benchmark run (DESIGN §8): JSON (every number,
// per seed and aggregated), a Markdown table, and a self-contained HTML page
// (accuracy heatmaps, forgetting per method, safety violation and λ/ρ over
// steps).
//
// JSON layout:
//   { "protocol": {...the config...}, "total_seconds": s,
//     "methods": { "<name>": {
//         "seeds": [...],
//         "final_avg_acc": {"mean", "std", "values"},   // the protocol's scenario
//         "forgetting": {...}, "forgetting_diag": {...}, "bwt": {...},
//         "final_avg_acc_task_il": {...}, "final_avg_acc_class_il": {...},
//         "safety_violation_rate": {...},       // time-average, held-out items
//         "safety_violation_final": {...},
//         "local_step_fraction": {...},
//         "acc_matrix": [[...]], "acc_matrix_std": [[...]],   // mean over seeds
//         "acc_matrix_task_il": [[...]], "acc_matrix_class_il": [[...]],
//         "wall_seconds": {...}, "counters": {"<counter>": mean, ...},
//         "per_seed": [ { "seed", "final_avg_acc", ..., "acc_matrix_task_il",
//                         "acc_matrix_class_il", "safety": {"step": [...], "rate": [...]},
//                         "duals": [{"name", "step", "value", "lambda", "rho"}],
//                         "counters": {...}, "wall_seconds", "eval_seconds" } ] } } }
// NaN (a task not seen yet) is written as null.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "galt/train/runner.h"

namespace galt::train {

nlohmann::json bench_json(const BenchResult& r);

/// The protocol as JSON (every setting; the run store fingerprints it).
nlohmann::json protocol_json(const ProtocolConfig& p);
/// One (method, seed) run as JSON (the "per_seed" entries), and back. The
/// round trip keeps every field; seed_run_from_json throws galt::InputError
/// for a missing or malformed field.
nlohmann::json seed_run_json(const SeedRun& run, Scenario scenario);
SeedRun seed_run_from_json(const nlohmann::json& j);

/// `method` against every other method run on the same seeds: paired
/// differences over seeds (metrics.h) of final average accuracy, learning
/// accuracy, forgetting and — with a safety requirement — the final held-out
/// violation and the forbidden class's recall. Empty unless `method` has ≥ 2 seeds.
struct PairedComparison {
  std::string metric, method, baseline;
  PairedDifference difference;  ///< method − baseline
};
std::vector<PairedComparison> paired_comparisons(const BenchResult& r,
                                                 const std::string& method = "galt");
/// One row per method: final avg acc, forgetting, BWT, safety violation,
/// local-step fraction, wall seconds (mean ± std over the seeds).
std::string bench_markdown(const BenchResult& r);
/// The HTML page as a string.
std::string bench_html(const BenchResult& r);

/// Writes `json_path`, and beside it the same name with .md and .html.
/// Throws galt::InputError if a file cannot be written.
void write_bench_reports(const BenchResult& r, const std::string& json_path);

}  // namespace galt::train
