// EdgeHost: the narrow, graph-level interface of whatever holds a constraint
// graph's edges and their multipliers (galt::Optimizer implements it).
// Components that only add, remove and re-add edges — the ledger-governed
// memory edges (DESIGN §6), a map phase, a user's schedule — talk to this and
// not to the solver, so they do not depend on it.
#pragma once

#include <optional>
#include <string>

#include "galt/graph/constraint_edge.h"
#include "galt/graph/edge_id.h"

namespace galt {

/// An edge's multiplier λ_e and penalty ρ_e (DESIGN §3).
struct DualValue {
  double lambda = 0.0;
  double rho = 0.0;
};

class EdgeHost {
 public:
  virtual ~EdgeHost() = default;

  /// Adds an edge (its initial λ and ρ come from lambda_init / rho_init, so a
  /// removed edge is restored by passing its DualValue back). Throws
  /// galt::InputError for an invalid edge (duplicate name, unknown block, …).
  virtual EdgeId add_constraint(ConstraintEdge edge) = 0;

  /// Removes an edge and returns its λ and ρ at removal. Throws
  /// galt::InputError for an id that is not in the graph.
  virtual DualValue remove_constraint(EdgeId id) = 0;

  /// The edge of that name, if present.
  virtual std::optional<EdgeId> find_constraint(const std::string& name) const = 0;

  /// Current λ and ρ of an edge. Throws galt::InputError for an unknown id.
  virtual DualValue dual_value(EdgeId id) const = 0;
};

}  // namespace galt
