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
//
// Unknown tables or keys, wrong types and out-of-range values are errors
// (galt::InputError naming the file, the key and what was expected): a typo
// must never silently fall back to a default.
#pragma once

#include <string>

#include "galt/train/protocol.h"

namespace galt::train {

/// Parses a config file. Throws galt::InputError for a missing/unreadable
/// file, a TOML syntax error (with line and column), or a bad key/value.
ProtocolConfig load_bench_config(const std::string& path);
/// Same, from TOML text; `source` names it in error messages.
ProtocolConfig parse_bench_config(const std::string& text, const std::string& source = "<config>");

}  // namespace galt::train
