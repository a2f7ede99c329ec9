// The constraint quantities of the continual benchmark (DESIGN §8), shared
// by GALT (as ConstraintEdges) and by the baselines (as loss terms).
//
//  - Retention / memory (one per finished task): the anchor buffer holds N
//    rows of the task's TRAINING data and the model's output distribution on
//    them, frozen when the task ends:
//        C_retain(t) = mean_anchors KL(p_frozen ‖ p_current) − anchor_margin ≤ 0.
//    p_current is the softmax over the classes the model answers with now
//    (class-incremental: every class seen so far, so new classes that steal
//    probability mass from old answers raise the KL; task-incremental: the
//    anchor's own task's classes).
//  - Safety (from the first step): see SafetySpec in protocol.h.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "galt/train/protocol.h"

namespace galt::train {

/// Logits with the classes outside `mask` pushed to a large negative value
/// (−1e9, not −inf, so that 0·log 0 terms stay finite). `mask` is bool [C]
/// or [N, C].
at::Tensor masked_logits(const at::Tensor& logits, const at::Tensor& mask);

/// Mean cross-entropy over the rows, each row's softmax restricted to its mask.
at::Tensor masked_cross_entropy(const at::Tensor& logits, const at::Tensor& labels,
                                const at::Tensor& mask);

/// One finished task's anchors: the rows and the frozen output distribution.
struct AnchorSet {
  int task = 0;
  at::Tensor x;       ///< [n, 784] rows of the task's training split
  at::Tensor y;       ///< [n] their labels (used by replay and A-GEM)
  at::Tensor target;  ///< [n, C] frozen softmax (0 outside `mask`)
  at::Tensor mask;    ///< [C] bool: the classes the frozen softmax covers
  at::Tensor logits;  ///< [n, C] the raw logits frozen with `target` (ER + KD, DER++)
};

/// mean_rows KL(target ‖ softmax(masked logits)), a 0-dim tensor that carries
/// gradient through `logits`. `current_mask` is the mask of the current
/// answer set (see the file comment).
at::Tensor retention_kl(const at::Tensor& logits, const at::Tensor& target,
                        const at::Tensor& current_mask);

/// Mean over rows of the softmax probability (whole head) of `forbidden`.
at::Tensor forbidden_mass(const at::Tensor& logits, int64_t forbidden);

/// The safety requirement's data: a probe set (training items of the critical
/// class) and the held-out items (every test item of the critical class).
struct SafetyProbe {
  SafetySpec spec;
  at::Tensor probe_x;    ///< [m, 784] from the training split
  at::Tensor heldout_x;  ///< [h, 784] from the test split, never trained on
};

/// Share of rows whose argmax over the whole head is `forbidden`.
double violation_rate(const at::Tensor& logits, int64_t forbidden);

}  // namespace galt::train
