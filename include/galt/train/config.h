// Benchmark configs: TOML files in configs/ (DESIGN §8). Layout (every key
// optional except where noted; defaults are ProtocolConfig's):
//
//   [benchmark]
//   name = "classil-fashion"
//   dataset = "fashion"          # "fashion" | "mnist"
//   scenario = "class"           # "class" | "task"
//   tasks = 5
//   classes_per_task = 2
//   seeds = [0, 1, 2, 3, 4]
//   methods = ["galt", "adamw", "soft_penalty", "ewc", "si", "agem", "replay", "lagrangian_gda"]
//
//   [model]      kind = "mlp" | "lora_mlp", hidden = [400, 400], lora_rank, lora_alpha
//   [training]   iterations, batch, lr, weight_decay, pretrain_iterations, pretrain_lr,
//                eval_every, test_per_task, train_per_task,
//                validation_fraction (0.1), evaluate_on ("test" | "validation")
//   [memory]     anchors_per_task, anchor_margin, constraint_batch
//   [safety]     critical_class, forbidden_class, epsilon, probe_size
//                (omit the table for no safety requirement)
//   [methods.<name>]  per-method options (numbers), see each method's file
//   [tuning], [tuning.grid.<name>]  the validation grids (tuning.h)
//
// [benchmark] tuned = "FILE" or ["FILE", ...] names tuned files (written by
// `galt bench tune`, relative to the config's folder): their
// [methods.<name>] values are merged into the options; a key set both in the
// config and in a tuned file is an error; a later tuned file overrides an
// earlier one (the safety track re-tunes some of the standard track's values).
//
// Unknown tables or keys, wrong types and out-of-range values are errors
// (galt::InputError naming the file, the key and what was expected): a typo
// must never silently fall back to a default. Every number must be finite
// (TOML has nan and inf); counts have their minimum (1, or 0 where 0 means
// "all" or "none"); tasks × classes_per_task and the safety classes must fit
// the dataset's 10 classes. docs/RELIABILITY.md lists the ranges.
#pragma once

#include <string>

#include "galt/train/protocol.h"

namespace galt::train {

/// Parses a config file. Throws galt::InputError for a missing/unreadable
/// file, a TOML syntax error (with line and column), or a bad key/value.
/// A tuned file the config names but that does not exist yet is an error
/// unless `allow_missing_tuned` (galt bench tune, which makes it; the names
/// of the missing ones are then in ProtocolConfig::missing_tuned_files).
struct ConfigLoadOptions {
  bool allow_missing_tuned = false;
};
ProtocolConfig load_bench_config(const std::string& path, ConfigLoadOptions options = {});
/// Same, from TOML text; `source` names it in error messages.
ProtocolConfig parse_bench_config(const std::string& text, const std::string& source = "<config>",
                                  ConfigLoadOptions options = {});

}  // namespace galt::train
