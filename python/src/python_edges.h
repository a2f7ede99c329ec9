// Constraint edges whose value is a Python callable (galt.Optimizer's
// add_constraint / add_proxy_constraint).
//
// The optimizer steps with the GIL released; each closure takes it only for
// the Python call and hands back the torch.Tensor's own at::Tensor, so the
// core's autograd Jacobian runs through the user's graph, not a copy.
// Whatever goes wrong inside the call becomes a Python exception that names
// the constraint, raised before the step has updated anything.
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "galt/graph/constraint_edge.h"

namespace galt::python {

namespace py = pybind11;

/// One constraint as a Python user states it. `sense` is "<=", ">=" or "==";
/// ">=" (value ≥ margin) is posed to the core as −value ≤ −margin, so its
/// C, λ and ρ in stats() are those of the "<=" form.
struct PythonConstraint {
  std::string name;
  py::object value;       ///< () -> 0-dim torch.Tensor, differentiable in the parameters
  py::object dual_value;  ///< None, or () -> number: a proxy for the dual update
  std::string sense = "<=";
  std::string channel = "safety";
  double margin = 0.0;
  std::vector<std::string> blocks;
  double lambda_init = 0.0;
  double rho_init = 0.0;
  double rho_max = 0.0;
  int layer = -1;
  bool batch_proxy = false;  ///< ConstraintEdge::batch_proxy
};

/// `is_parameter(t)`: whether t is one of the optimizer's tensors; a value
/// with no path to any of them is refused (its Jacobian would be zero).
using ParameterTest = std::function<bool(const at::TensorImpl*)>;

/// The core's edge for `c`. Throws ValueError for an unknown sense or
/// channel, TypeError when a callable is not callable.
ConstraintEdge make_edge(const PythonConstraint& c, ParameterTest is_parameter);

}  // namespace galt::python
