// Values and Jacobians of an edge family (DESIGN §1, §2.3): the one
// implementation of per-edge Jacobians behind galt::Optimizer and behind any
// caller that linearises a family itself (the continual benchmark's GALT
// refresh, include/galt/train/protocol_constraints.h).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <vector>

#include "galt/graph/constraint_edge.h"
#include "galt/solve/compute_counters.h"

namespace galt {

/// One evaluation of an EdgeFamily: the raw values and, for every requested
/// tensor, the Jacobians of the differentiated edges stacked into one matrix
/// (so a block's U for these edges is a view, not a copy).
struct FamilyJacobians {
  /// The family slots (indices into EdgeFamily::edges) that were
  /// differentiated; row r of every matrix belongs to edge slots[r].
  std::vector<int> slots;
  /// Raw values (before the margins) of those edges, in `slots` order.
  std::vector<double> values;
  /// matrices[t]: [slots.size(), tensors[t].numel()], row r =
  /// ∂ values()[slots[r]] / ∂ tensors[t] flattened. Undefined when the
  /// Jacobian w.r.t. tensors[t] is zero for every edge (the tensor does not
  /// require grad, or the values do not depend on it).
  std::vector<at::Tensor> matrices;
  /// True when the per-example trick formed the Jacobians (one backward pass).
  bool per_example = false;

  /// Edge r's Jacobian w.r.t. tensors[t], shaped like `like` (a view of
  /// matrices[t]; zeros when that matrix is undefined).
  at::Tensor jacobian(size_t r, size_t t, const at::Tensor& like) const;
};

/// Calls `family.values()` once (gradient recording on, a TapRecorder
/// active) and differentiates the edges `slots` (empty: every edge) w.r.t.
/// `tensors`:
///  - by the per-example trick (DESIGN §2.3) when `family.rows` is set and
///    every tensor that requires grad is the weight or bias of a recorded
///    galt::tapped_linear whose batch is the family's whole Σ rows: one
///    backward pass of Σ values to the taps' outputs, then J_e(W) =
///    δ[rows_e]ᵀ x[rows_e], J_e(b) = Σ δ[rows_e] for all edges at once;
///  - else by one autograd pass per edge.
/// Counts in `counters`: edge_evaluations += 1, jacobian_rows += |slots|,
/// backward_passes += 1 (trick) or |slots| (autograd; 0 when the values carry
/// no gradient), per_example_jacobians += |slots| with the trick.
/// Throws InputError when values() does not return a 1-dim tensor of
/// |edges| entries, when a differentiated value is NaN/Inf (before any
/// backward pass), or on a bad `rows` / `slots` entry.
FamilyJacobians family_jacobians(const EdgeFamily& family, const std::vector<at::Tensor>& tensors,
                                 ComputeCounters& counters, const std::vector<int>& slots = {});

}  // namespace galt
