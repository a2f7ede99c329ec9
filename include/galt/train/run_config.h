// `galt train`'s run configs: one training run of one model on one dataset
// with graph-parallel GALT (DESIGN §4). TOML, every key optional:
//
//   [model]
//   kind = "mlp"              # "mlp" | "transformer"
//   hidden = [256, 256]       # mlp: hidden widths (input and output come from the data)
//   width = 64                # transformer: residual width, layers, heads,
//   layers = 4                #   feed-forward multiplier, layers per block
//   heads = 4                 #   (its vocabulary is the data's; its context
//   ff_multiplier = 4         #   is [data].window)
//   layers_per_block = 1
//
//   [data]
//   name = "fashion"          # "fashion" | "mnist" (images, mlp) | "fortunes" (text, transformer)
//   validation = 0.1          # images: stratified share of the training rows; fortunes:
//                             #   share of the documents (tuning and the curves)
//   test = 0.1                # fortunes: share of the documents held out (images: the test split)
//   window = 64               # fortunes: characters per training window (the context)
//   split_seed = 0
//
//   [train]
//   steps = 1000
//   batch = 128
//   lr = 1e-3                 # Adam's (no weight decay)
//   seed = 1                  # model initialisation and batch order
//   eval_every = 100          # validation curve (0: only at the end)
//   eval_rows = 2000          # validation rows (images) or windows (text) per curve point; 0: all
//   trace_every = 10          # constraint values, λ, ρ and losses recorded every N steps
//
//   [galt]
//   local_steps = true        # graph-parallel: blocks step on their upstream block's
//                             #   detached message between refreshes; false: end to end
//   refresh_period = 5        # P: a global refresh (end-to-end backprop, new forward
//                             #   references) every P steps
//   refresh_trigger = 0.5     # a forward-consistency value above this forces a refresh
//   forward_edges = true      # the forward-consistency edges C_fwd(v)
//   fwd_tol = 0.05            # their relative drift allowed
//   fwd_probe = 64            # rows of the refresh batch kept as their probe
//   rho_max = 100             # penalty ceiling of every edge
//   inner_steps = 1           # K_in: outer (dual) updates every K_in steps
//
//   [executor]
//   kind = "serial"           # "serial" | "threads" | "processes"
//   threads = 2               # threads: block-phase threads
//   order = "jacobi"          # "jacobi" | "gauss-seidel"
//   partition = "contiguous"  # processes: "contiguous" | "round-robin" blocks per rank
//
// Unknown tables or keys, wrong types, out-of-range values and a model that
// does not fit the data (an mlp on text, a transformer on images) are
// galt::InputError naming the file and the key, before any data is read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "galt/models/transformer.h"

namespace galt::train {

struct RunConfig {
  std::string source;  ///< the file it came from (for messages and the report)

  std::string model = "mlp";
  std::vector<int64_t> hidden = {256, 256};
  /// vocab and context are filled in from the data by the run.
  models::TransformerOptions transformer;

  std::string data = "fashion";
  double validation = 0.1;
  double test = 0.1;
  int64_t window = 64;
  uint64_t split_seed = 0;

  int64_t steps = 1000;
  int64_t batch = 128;
  double lr = 1e-3;
  uint64_t seed = 1;
  int64_t eval_every = 100;
  int64_t eval_rows = 2000;
  int64_t trace_every = 10;

  bool local_steps = true;
  int64_t refresh_period = 5;
  double refresh_trigger = 0.5;
  bool forward_edges = true;
  double fwd_tol = 0.05;
  int64_t fwd_probe = 64;
  double rho_max = 100.0;
  int64_t inner_steps = 1;

  std::string executor = "serial";
  int threads = 2;
  std::string order = "jacobi";
  std::string partition = "contiguous";

  bool text() const { return data == "fortunes"; }
};

/// Reads a run config. Throws galt::InputError for a missing or unreadable
/// file, a TOML syntax error (line and column), or a bad key or value.
RunConfig load_run_config(const std::string& path);
/// Same, from TOML text; `source` names it in messages.
RunConfig parse_run_config(const std::string& text, const std::string& source = "<config>");
/// The checks parse_run_config makes, for a config changed after parsing
/// (command-line overrides).
void check_run_config(const RunConfig& c);

}  // namespace galt::train
