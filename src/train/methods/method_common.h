// Internal helpers shared by the methods: AdamW over the trainable blocks,
// the task loss, option parsing, memory sampling. The constraints themselves
// (anchors + safety probe in one forward pass) are the protocol's constraint
// set, galt/train/protocol_constraints.h.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/optim/adamw.h>

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "galt/solve/state_archive.h"
#include "galt/train/continual_method.h"
#include "galt/train/protocol_constraints.h"

namespace galt::train::detail {

/// Reads [methods.<name>] keys with defaults; finish() rejects unknown keys.
/// Every value must be finite (a NaN would pass any later comparison), and
/// each getter checks its range: a bad value is a galt::InputError naming
/// the method, the key, the value and the accepted range.
class OptionReader {
 public:
  OptionReader(std::string method, const MethodOptions& options)
      : method_(std::move(method)), options_(options) {}
  /// Any finite number.
  double get(const std::string& key, double def);
  /// get() that must be > 0 (or ≥ 0 with allow_zero).
  double positive(const std::string& key, double def, bool allow_zero = false);
  /// get() that must be a whole number ≥ 1 (a batch size, a period), or ≥ 0
  /// with allow_zero (a count where 0 means "off" or "all").
  int64_t count(const std::string& key, int64_t def, bool allow_zero = false);
  /// get() that must be 0 (off) or 1 (on).
  bool flag(const std::string& key, bool def);
  void finish() const;

 private:
  [[noreturn]] void fail(const std::string& key, double v, const std::string& expected) const;
  std::string method_;
  const MethodOptions& options_;
  std::set<std::string> used_;
};

/// Every trainable tensor of the model (the union of its blocks).
std::vector<at::Tensor> trainable_parameters(models::ClassifierImpl& model);

/// The benchmark's AdamW (bias-corrected, decoupled weight decay), the same
/// for every method: lr and weight_decay from the protocol.
torch::optim::AdamWOptions adamw_options(const ProtocolConfig& p);

/// A LibTorch optimiser's state (AdamW's moments and step counts) as the
/// nested archive `key` of a checkpoint, and back into an optimiser built
/// over the same parameters (InputError when it does not fit).
void save_optimizer(state::OutputArchive& a, const std::string& key,
                    const torch::optim::Optimizer& opt);
void load_optimizer(state::InputArchive& a, const std::string& key, torch::optim::Optimizer& opt);

/// Throws InputError (naming `what`) unless `loaded` is empty or holds one
/// tensor shaped like each of `params` (a method's per-parameter state read
/// from a checkpoint).
void check_like(const std::vector<at::Tensor>& loaded, const std::vector<at::Tensor>& params,
                const std::string& what);

/// One global step of a loss-based method: backward, AdamW step, and the
/// counters (one global backward pass, one global step).
void backward_and_step(TrainingContext& ctx, const at::Tensor& loss, torch::optim::Optimizer& opt);

/// Forward pass + masked cross-entropy (loss mask of the scenario); counts
/// one forward pass.
at::Tensor task_loss(TrainingContext& ctx, const at::Tensor& x, const at::Tensor& y);

/// Rows of the memory with what was frozen with them at their task's end
/// (constraints.h, AnchorSet). Undefined tensors when the memory is empty.
struct MemoryBatch {
  at::Tensor x;       ///< [n, 784]
  at::Tensor y;       ///< [n] labels
  at::Tensor logits;  ///< [n, C] raw logits frozen at the row's task end (undefined if
                      ///< an anchor set has none)
  at::Tensor mask;    ///< [n, C] bool: the row's anchor mask (classes its frozen output covers)
  at::Tensor rows;    ///< [n] int64: the rows' places in the memory (anchor sets in order)
  bool empty() const { return !x.defined(); }
};

/// The replay memory's sampler (replay, ER + KD, DER++, A-GEM; DESIGN §8):
/// draws rows of the memory — every anchor set of ctx.anchors together —
/// WITHOUT replacement within an epoch over the memory. An epoch is a seeded
/// permutation of every memory row, walked `n` rows per batch; when it is
/// used up the next permutation starts (a batch that straddles two epochs
/// takes the new epoch's rows from those not already in the batch, so a batch
/// never repeats a row and each epoch still visits every row exactly once),
/// and when the memory grows (a finished task's anchors) a new epoch starts
/// over the whole memory. A batch of n ≥ the memory's size is the whole memory
/// (in memory order).
class MemorySampler {
 public:
  explicit MemorySampler(uint64_t seed = 0) : gen_(seed) {}
  /// Restarts the stream (a method's begin(): one stream per run).
  void seed(uint64_t seed);
  /// The next `n` rows; an empty batch when the memory is empty. Throws
  /// galt::InputError for n < 1.
  MemoryBatch next(const TrainingContext& ctx, int64_t n);

  /// Checkpoints: the stream's state, the epoch's permutation and place.
  /// load() takes the gathered rows from ctx.anchors (restored first).
  void save(state::OutputArchive& a, const std::string& key) const;
  void load(state::InputArchive& a, const std::string& key, const TrainingContext& ctx);

 private:
  void gather(const std::vector<AnchorSet>& anchors);
  void collect(const std::vector<AnchorSet>& anchors, size_t sets);
  void reshuffle();
  std::mt19937_64 gen_;
  size_t sets_ = 0;  // anchor sets in the memory gathered below
  at::Tensor x_, y_, logits_, mask_;
  std::vector<int64_t> order_;  // this epoch's permutation
  size_t pos_ = 0;              // rows of order_ served
};

/// The default of every loss-based method's `safety_beta` option.
inline constexpr double kSafetyBeta = 1.0;

/// The safety requirement as a penalty, the loss-based baselines' part of the
/// "safety from birth" track (DESIGN §6, §8): beta · relu(C_raw − epsilon),
/// C_raw the protocol family's safety edge ALONE (no retention edges — those
/// are GALT's, Lagrangian GDA's and the soft penalty's mechanism) on the probe
/// rows drawn at ctx.step with protocol.constraint_batch rows
/// (draw_constraint_rows): the rows and the value every method sees at that
/// step. Reported to ctx.constraint_observer like any family evaluation; one
/// forward pass, counted. Undefined (nothing evaluated, nothing reported)
/// without a safety probe (ctx.safety null) or with beta = 0.
at::Tensor safety_penalty(TrainingContext& ctx, double beta);
/// `loss` plus safety_penalty(ctx, beta) when there is one (checked finite:
/// galt::InputError naming the penalised loss otherwise), else `loss`.
at::Tensor with_safety_penalty(TrainingContext& ctx, const at::Tensor& loss, double beta);

/// Experience replay's weighting (van de Ven et al., 2022): w·L_current +
/// (1 − w)·L_memory with w = 1/(tasks seen), so every task weighs the same.
at::Tensor replay_mix(const TrainingContext& ctx, const at::Tensor& current,
                      const at::Tensor& memory);

}  // namespace galt::train::detail
