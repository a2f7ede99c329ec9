#include "python_edges.h"

#include <torch/csrc/autograd/functions/accumulate_grad.h>
#include <torch/extension.h>

#include <memory>
#include <unordered_set>

namespace galt::python {

namespace {

// A Python object the core may copy and drop without the GIL (the step runs
// without it): the last owner takes the GIL to release the reference.
using PythonRef = std::shared_ptr<py::object>;

PythonRef hold(py::object o) {
  return PythonRef(new py::object(std::move(o)), [](py::object* p) {
    py::gil_scoped_acquire gil;
    delete p;
  });
}

std::string type_name(const py::handle& o) {
  return py::str(py::type::handle_of(o).attr("__qualname__"));
}

// Calls `fn` (GIL held); an exception it raises becomes a RuntimeError naming
// the constraint, chained to the original (`raise ... from`). Interrupts
// (KeyboardInterrupt, SystemExit) pass through as they are.
py::object call(const py::object& fn, const std::string& name, const char* role) {
  try {
    return fn();
  } catch (py::error_already_set& e) {
    if (!e.matches(PyExc_Exception)) throw;
    const std::string msg = "constraint '" + name + "': its " + role + " callable raised " +
                            type_name(e.value()) + ": " + std::string(py::str(e.value())) +
                            "; nothing was updated";
    py::raise_from(e, PyExc_RuntimeError, msg.c_str());
    throw py::error_already_set();
  }
}

// Whether autograd can reach one of the optimizer's tensors from `t`: a walk
// of t's graph to its leaves (AccumulateGrad nodes hold the leaf). It stops
// at the first parameter, so a connected value costs a few nodes.
bool reaches_parameter(const at::Tensor& t, const ParameterTest& is_parameter) {
  if (!t.requires_grad()) return false;
  if (!t.grad_fn()) return is_parameter(t.unsafeGetTensorImpl());
  std::vector<torch::autograd::Node*> stack{t.grad_fn().get()};
  std::unordered_set<torch::autograd::Node*> seen;
  while (!stack.empty()) {
    torch::autograd::Node* n = stack.back();
    stack.pop_back();
    if (n == nullptr || !seen.insert(n).second) continue;
    if (auto* leaf = dynamic_cast<torch::autograd::AccumulateGrad*>(n))
      if (is_parameter(leaf->variable.unsafeGetTensorImpl())) return true;
    for (const auto& edge : n->next_edges()) stack.push_back(edge.function.get());
  }
  return false;
}

// The surrogate (the edge's value, differentiated by the core): a tensor of
// the user's graph, negated for ">=".
std::function<at::Tensor()> value_closure(const PythonConstraint& c, double sign,
                                          ParameterTest is_parameter) {
  return [fn = hold(c.value), name = c.name, sign, is_parameter]() -> at::Tensor {
    py::gil_scoped_acquire gil;
    const py::object out = call(*fn, name, "value");
    if (!THPVariable_Check(out.ptr()))
      throw py::type_error("constraint '" + name +
                           "': its value callable must return a torch.Tensor, got " +
                           type_name(out));
    const at::Tensor& t = THPVariable_Unpack(out.ptr());
    if (t.numel() != 1)
      throw py::value_error("constraint '" + name +
                            "': its value callable must return a single number, got a tensor of "
                            "shape " + std::string(c10::str(t.sizes())) + "; nothing was updated");
    if (!reaches_parameter(t, is_parameter))
      throw py::value_error("constraint '" + name +
                            "': its value is not connected to the optimizer's parameters (no "
                            "autograd path: computed under no_grad, detached, or from other "
                            "tensors), so it has no Jacobian; nothing was updated");
    return sign > 0 ? t : -t;
  };
}

// The proxy (ConstraintEdge::dual_value): any number, no gradient needed.
std::function<double()> proxy_closure(const PythonConstraint& c, double sign) {
  return [fn = hold(c.dual_value), name = c.name, sign]() -> double {
    py::gil_scoped_acquire gil;
    const py::object out = call(*fn, name, "proxy value");
    if (THPVariable_Check(out.ptr())) {
      const at::Tensor& t = THPVariable_Unpack(out.ptr());
      if (t.numel() != 1)
        throw py::value_error("constraint '" + name +
                              "': its proxy value callable must return a single number, got a "
                              "tensor of shape " + std::string(c10::str(t.sizes())) +
                              "; nothing was updated");
      return sign * t.item<double>();
    }
    if (!PyNumber_Check(out.ptr()))
      throw py::type_error("constraint '" + name +
                           "': its proxy value callable must return a number or a one-element "
                           "tensor, got " + type_name(out));
    return sign * py::float_(out).cast<double>();
  };
}

Channel parse_channel(const std::string& s, const std::string& name) {
  for (Channel c : {Channel::kForward, Channel::kTask, Channel::kSafety, Channel::kMemory,
                    Channel::kAction})
    if (s == to_string(c)) return c;
  throw py::value_error("constraint '" + name + "': channel '" + s +
                        "' is not one of forward, task, safety, memory, action");
}

void check_callable(const py::object& fn, const std::string& name, const char* role) {
  if (!PyCallable_Check(fn.ptr()))
    throw py::type_error("constraint '" + name + "': " + role + " must be callable, got " +
                         type_name(fn));
}

}  // namespace

ConstraintEdge make_edge(const PythonConstraint& c, ParameterTest is_parameter) {
  ConstraintEdge e;
  e.name = c.name;
  e.channel = parse_channel(c.channel, c.name);
  double sign = 1.0;
  if (c.sense == "<=") {
    e.sense = Sense::kInequality;
  } else if (c.sense == ">=") {
    e.sense = Sense::kInequality;
    sign = -1.0;
  } else if (c.sense == "==") {
    e.sense = Sense::kEquality;
  } else {
    throw py::value_error("constraint '" + c.name + "': sense '" + c.sense +
                          "' is not one of \"<=\", \">=\", \"==\"");
  }
  e.margin = sign * c.margin;
  e.blocks = c.blocks;
  e.lambda_init = c.lambda_init;
  e.rho_init = c.rho_init;
  e.rho_max = c.rho_max;
  e.layer = c.layer;
  check_callable(c.value, c.name, "value");
  e.value = value_closure(c, sign, std::move(is_parameter));
  if (!c.dual_value.is_none()) {
    check_callable(c.dual_value, c.name, "the proxy value");
    e.dual_value = proxy_closure(c, sign);
    e.batch_proxy = c.batch_proxy;
  }
  return e;
}

}  // namespace galt::python
