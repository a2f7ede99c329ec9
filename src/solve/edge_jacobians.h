// Internal: values and per-block Jacobians of every edge of a graph at the
// current θ (DESIGN §2.3). Used by galt::Optimizer.
#pragma once

#include <ATen/core/Tensor.h>

#include <vector>

#include "galt/graph/constraint_graph.h"
#include "galt/solve/optimizer.h"

namespace galt {

struct EdgeJacobians {
  std::vector<double> values;  ///< C_e = value − margin
  /// jac[e][j][t]: Jacobian of edge e w.r.t. tensor t of its j-th touched
  /// block, flattened to [numel].
  std::vector<std::vector<std::vector<at::Tensor>>> jac;
  /// slot[e][b]: j for block b, or −1 when edge e does not touch block b.
  std::vector<std::vector<int>> slot;

  int slot_of(int e, int b) const { return slot[e][b]; }
  const at::Tensor& jacobian(int e, int b, size_t t) const { return jac[e][slot[e][b]][t]; }
};

/// Evaluates every edge once. Standalone edges: one closure call and one
/// backward pass each. Families: one closure call, then one backward pass for
/// all k edges when the per-example trick applies (every differentiated
/// tensor is the weight or bias of a recorded tapped_linear with as many rows
/// as the family's rows add up to), else k passes. Throws InputError on a
/// non-scalar or NaN/Inf value.
EdgeJacobians evaluate_edge_jacobians(const ConstraintGraph& graph, ComputeCounters& counters);

}  // namespace galt
