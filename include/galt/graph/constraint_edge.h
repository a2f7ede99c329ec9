// ConstraintEdge: one persistent requirement of the constraint graph
// (DESIGN §1). An edge only knows how to produce its value; its Jacobian is
// taken by autograd (or by the per-example trick for edge families, §2.3).
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <string>
#include <vector>

namespace galt {

/// Which responsibility an edge carries.
enum class Channel { kForward, kTask, kSafety, kMemory, kAction };

/// Feasible set of an edge: C ≤ 0 or C = 0.
enum class Sense { kInequality, kEquality };

const char* to_string(Channel c);
const char* to_string(Sense s);

/// An edge's value and Jacobian delivered as a message instead of computed by
/// autograd (GTSAM's evaluateError shape): a linearisation kept between
/// refreshes, or a message from another block or process (DESIGN §4).
struct EdgeMessage {
  double value = 0.0;  ///< raw value (before the margin)
  /// ∂value/∂θ for every tensor of the touched blocks, in block order then
  /// tensor order; each the tensor's shape (or flat); undefined = zero.
  std::vector<at::Tensor> jacobian;
};

/// A constraint edge e. Its value is C_e(θ) = value() − margin; it is feasible
/// when C_e ≤ 0 (inequality) or C_e = 0 (equality).
///
/// `value` returns a 0-dim tensor computed with autograd from the blocks'
/// tensors (e.g. a KL divergence on an anchor batch). The optimizer calls it
/// once per step with gradient recording on, and differentiates it with
/// respect to the tensors of `blocks` (empty = every block).
struct ConstraintEdge {
  std::string name;
  Channel channel = Channel::kSafety;
  Sense sense = Sense::kInequality;
  /// Safety layer 0..N−1 (DESIGN §6); −1 when the edge is not a safety edge.
  int layer = -1;
  /// Subtracted from value(): C = value() − margin.
  double margin = 0.0;
  /// Names of the blocks the edge touches; empty means all blocks.
  std::vector<std::string> blocks;
  /// Initial multiplier λ_e (≥ 0 for inequalities).
  double lambda_init = 0.0;
  /// Initial penalty ρ_e (> 0); ≤ 0 means "use the optimizer's default".
  double rho_init = 0.0;
  /// Ceiling of this edge's ρ growth; ≤ 0 means "use the optimizer's
  /// rho_max". A memory edge with a low ceiling (or rho_max = rho_init: a
  /// fixed ρ) stays soft enough to let new tasks in, while a safety edge keeps
  /// the optimizer's high ceiling (docs/SOLVER.md, "Per-edge ρ ceilings").
  double rho_max = 0.0;
  /// The constraint's raw value (before the margin). Unused for edges added
  /// through an EdgeFamily.
  std::function<at::Tensor()> value;
  /// Instead of `value`: the value and Jacobian as a message (no autograd).
  std::function<EdgeMessage()> message;
  /// A proxy constraint (Cotter et al. 2019, "Optimization with
  /// non-differentiable constraints..."): when set, the dual update (λ, ρ)
  /// uses dual_value() − margin, while the local solve keeps the Jacobian of
  /// `value`/`message` (the differentiable surrogate). The proxy need not be
  /// differentiable — a rate on a batch, or the same quantity on rows the
  /// solve never sees, so that λ answers whether the constraint generalises.
  /// Called without gradient recording, only when a dual update runs; the
  /// value, like `value`'s, is raw (before the margin).
  std::function<double()> dual_value;
  /// The proxy is a rate measured on the step's batch: a noisy estimate, on
  /// another scale than its surrogate (a mean probability of 0.8 can come
  /// with a recall of 0.95), so that only the surrogate's slope is
  /// informative. Then (docs/SOLVER.md, "Proxy constraints"):
  ///  - the local solve corrects the proxy's violation dual_value() − margin
  ///    along the surrogate's Jacobian, instead of the surrogate's own value
  ///    (a proxy that is met exerts λ alone, not a penalty on a surrogate
  ///    that is not);
  ///  - the dual update uses the proxy's mean over the inner phase (every
  ///    step since the last dual update), not one batch's value.
  /// dual_value is called every step. Ignored without dual_value.
  bool batch_proxy = false;
};

/// Several edges whose values come from one closure returning a 1-dim tensor
/// [k] (value()[i] belongs to edges[i]). When the closure runs a model built
/// from galt::tapped_linear and edge i depends only on its own rows
/// `rows[i]` of the batch, the k Jacobians are formed from one backward pass
/// (DESIGN §2.3); otherwise they are taken by k autograd passes.
struct EdgeFamily {
  std::vector<ConstraintEdge> edges;
  std::function<at::Tensor()> values;
  /// Number of batch rows that belong to each edge, in order (the rows of
  /// edge i follow those of edge i−1). Empty: the per-example trick is off.
  std::vector<int64_t> rows;
};

}  // namespace galt
