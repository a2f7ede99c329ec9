// Rate constraints on a classifier (the Python issue §2; DESIGN §1): recall of
// a class ≥ r, false-positive rate of a class ≤ r, and the gap in predicted-
// positive rate between two groups ≤ r. A rate counts argmax decisions, so it
// has no gradient: each helper returns a PROXY edge (ConstraintEdge::
// dual_value) whose dual update uses the exact rate on the batch, while the
// local solve follows a differentiable surrogate — the same rate with the
// decision [argmax = c] relaxed to the softmax probability p_c (Cotter et
// al. 2019's proxy-Lagrangian scheme; Narasimhan et al. 2019 list the
// relaxations). The relaxation is on another scale than the rate (a mean
// probability of 0.8 can come with a recall of 0.95), so only its slope is
// used: the solve corrects the rate's violation along it
// (ConstraintEdge::batch_proxy). Both numbers are logged per dual update
// (DualUpdate::value is the exact rate's C, ::surrogate the relaxation's).
//
//   opt.add_constraint(galt::recall_at_least("recall_shirt", 6, 0.7, batch));
//
// `batch` returns the rows the rate is measured on, as the model sees them
// now: logits [N, C] with autograd (the surrogate's Jacobian flows through
// them) and integer labels [N]. The optimizer calls it twice per step — for
// the surrogate's value and Jacobian, then for the exact rate — so it should
// return the current step's rows (e.g. run the model on a batch the training
// loop sets). Rows of no relevant kind (no positives for recall, no
// negatives for the false-positive rate, an empty group) make the rate
// vacuous: it counts as met, with a zero surrogate gradient.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <string>

#include "galt/graph/constraint_edge.h"

namespace galt {

/// The rows a rate is measured on.
struct RateBatch {
  at::Tensor logits;  ///< [N, C], with autograd to the parameters
  at::Tensor labels;  ///< [N] int64 class labels
  at::Tensor groups;  ///< [N] int64 group ids 0/1 (positive_rate_gap only)
};

/// The exact rates on a batch (no autograd): share of label-`cls` rows whose
/// argmax is `cls`; share of other rows whose argmax is `cls`; |PPR(group 0)
/// − PPR(group 1)| with PPR the share of a group's rows whose argmax is `cls`.
/// Vacuous rates: recall 1, false-positive rate 0, gap 0.
double recall_rate(const RateBatch& b, int64_t cls);
double false_positive_rate(const RateBatch& b, int64_t cls);
double positive_rate_gap(const RateBatch& b, int64_t cls);

/// recall(cls) ≥ r: C = r − recall. Surrogate: r − mean p_cls over the
/// label-`cls` rows. Channel kTask unless changed on the returned edge.
ConstraintEdge recall_at_least(std::string name, int64_t cls, double r,
                               std::function<RateBatch()> batch);
/// FPR(cls) ≤ r: C = FPR − r. Surrogate: mean p_cls over the other rows − r.
ConstraintEdge false_positive_rate_at_most(std::string name, int64_t cls, double r,
                                           std::function<RateBatch()> batch);
/// |PPR₀(cls) − PPR₁(cls)| ≤ r: C = gap − r. Surrogate: |mean p_cls over
/// group 0 − mean p_cls over group 1| − r.
ConstraintEdge positive_rate_gap_at_most(std::string name, int64_t cls, double r,
                                         std::function<RateBatch()> batch);

}  // namespace galt
