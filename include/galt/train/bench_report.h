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

#include "galt/train/runner.h"

namespace galt::train {

nlohmann::json bench_json(const BenchResult& r);
/// One row per method: final avg acc, forgetting, BWT, safety violation,
/// local-step fraction, wall seconds (mean ± std over the seeds).
std::string bench_markdown(const BenchResult& r);
/// The HTML page as a string.
std::string bench_html(const BenchResult& r);

/// Writes `json_path`, and beside it the same name with .md and .html.
/// Throws galt::InputError if a file cannot be written.
void write_bench_reports(const BenchResult& r, const std::string& json_path);

}  // namespace galt::train
