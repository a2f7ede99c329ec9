// Internal: values and per-block Jacobians of every edge of a graph at the
// current θ (DESIGN §2.3). Used by galt::Optimizer.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

#include "galt/graph/constraint_graph.h"
#include "galt/solve/block_step.h"
#include "galt/solve/compute_counters.h"

namespace galt {

struct EdgeJacobians {
  std::vector<double> values;  ///< C_e = value − margin
  /// rows[e][j][t]: edge e, its j-th touched block, that block's tensor t.
  std::vector<std::vector<std::vector<JacobianRow>>> rows;
  /// slot[e][b]: j for block b, or −1 when edge e does not touch block b.
  std::vector<std::vector<int>> slot;

  int slot_of(int e, int b) const { return slot[e][b]; }
  const JacobianRow& row(int e, int b, size_t t) const { return rows[e][slot[e][b]][t]; }
};

/// Evaluates every edge once. Standalone edges: one closure call and one
/// backward pass each. Families: galt::family_jacobians
/// (galt/solve/family_jacobians.h) — one closure call, then one backward pass
/// for all k edges when the per-example trick applies, else k passes; their
/// rows are views into one matrix per tensor. Throws InputError on a
/// non-scalar or NaN/Inf value.
EdgeJacobians evaluate_edge_jacobians(const ConstraintGraph& graph, ComputeCounters& counters);

}  // namespace galt
