// galt._galt: galt::Optimizer for Python. The package (python/galt) wraps
// it as a torch.optim.Optimizer; this module only converts.
//
// Tensors cross by torch's own casters (torch/extension.h): a parameter or a
// constraint's value is the at::Tensor inside the torch.Tensor, never a copy,
// so the core updates the user's parameters in place and differentiates
// through the user's autograd graph. step() runs without the GIL; the
// constraint closures take it back for their Python calls (python_edges.h).
#include <galt_build_commit.h>
#include <pybind11/stl.h>
#include <torch/extension.h>

#include <string>
#include <vector>

#include "galt/error.h"
#include "galt/solve/optimizer.h"
#include "python_edges.h"

namespace galt::python {

namespace {

// A torch.optim param group's hyper-parameters over `o`. Other keys (a
// scheduler's "initial_lr", "params") are not the core's business.
OptimizerOptions group_options(const py::dict& g, OptimizerOptions o) {
  if (g.contains("lr")) o.lr(g["lr"].cast<double>());
  if (g.contains("betas")) {
    const auto b = g["betas"].cast<std::pair<double, double>>();
    o.beta1(b.first).beta2(b.second);
  }
  if (g.contains("eps")) o.eps(g["eps"].cast<double>());
  if (g.contains("weight_decay")) o.weight_decay(g["weight_decay"].cast<double>());
  if (g.contains("name") && !g["name"].is_none()) o.name(g["name"].cast<std::string>());
  return o;
}

torch::optim::OptimizerParamGroup param_group(const py::dict& g) {
  return {g["params"].cast<std::vector<at::Tensor>>(),
          std::make_unique<OptimizerOptions>(group_options(g, OptimizerOptions()))};
}

SolverOptions solver_options(const py::dict& s) {
  SolverOptions o;
  for (const auto& [key, value] : s) {
    const auto k = key.cast<std::string>();
    if (k == "inner_steps") {
      o.dual.inner_steps = value.cast<int>();
    } else if (k == "rho_init") {
      o.dual.rho_init = value.cast<double>();
    } else if (k == "rho_max") {
      o.dual.rho_max = value.cast<double>();
    } else if (k == "penalty") {
      const auto rule = value.cast<std::string>();
      if (rule != "classical" && rule != "avbd")
        throw py::value_error("penalty '" + rule + "' is not \"classical\" or \"avbd\"");
      o.dual.rule = rule == "avbd" ? PenaltyRule::kAVBD : PenaltyRule::kClassical;
    } else if (k == "trust_radius") {
      o.trust.radius = value.cast<double>();
    } else {
      throw py::value_error("unknown solver option '" + k +
                            "' (inner_steps, rho_init, rho_max, penalty, trust_radius)");
    }
  }
  return o;
}

bool owns(const Optimizer& opt, const at::TensorImpl* t) {
  for (const auto& b : opt.graph().blocks())
    for (const auto& p : b.params())
      if (p.unsafeGetTensorImpl() == t) return true;
  return false;
}

py::dict stats(const Optimizer& opt) {
  const StepStats& s = opt.last_stats();
  py::dict edges;
  for (size_t e = 0; e < s.edges.size(); ++e) {
    const auto& x = s.edges[e];
    py::dict d;
    d["channel"] = to_string(x.channel);
    d["C"] = x.value;
    d["lambda"] = x.lambda;
    d["rho"] = x.rho;
    d["active"] = x.active;
    d["force"] = x.force;
    d["predicted_change"] = x.predicted_change;
    d["previous_predicted_change"] = x.previous_predicted_change;
    d["measured_change"] = x.measured_change;
    if (s.outer_update && e < s.dual_updates.size()) {
      const auto& u = s.dual_updates[e];
      d["dual_update"] =
          py::dict(py::arg("value") = u.value, py::arg("surrogate") = u.surrogate,
                   py::arg("lambda_before") = u.lambda_before,
                   py::arg("lambda_after") = u.lambda_after, py::arg("rho_before") = u.rho_before,
                   py::arg("rho_after") = u.rho_after, py::arg("rho_grew") = u.rho_grew);
    }
    edges[py::str(x.name)] = d;
  }
  py::dict blocks;
  for (const auto& b : s.blocks)
    blocks[py::str(b.name)] =
        py::dict(py::arg("active_edges") = b.active_edges, py::arg("trust_radius") = b.trust_radius,
                 py::arg("clipped") = b.clipped, py::arg("condition") = b.condition,
                 py::arg("damped") = b.damped, py::arg("correction_norm") = b.correction_norm);
  return py::dict(py::arg("step") = s.step, py::arg("outer_update") = s.outer_update,
                  py::arg("edges") = edges, py::arg("blocks") = blocks,
                  py::arg("evaluate_seconds") = s.evaluate_seconds,
                  py::arg("solve_seconds") = s.solve_seconds);
}

py::bytes save(const Optimizer& opt) {
  torch::serialize::OutputArchive archive;
  opt.save(archive);
  std::string out;
  archive.save_to([&](const void* data, size_t n) {
    out.append(static_cast<const char*>(data), n);
    return n;
  });
  return py::bytes(out);
}

void load(Optimizer& opt, const py::bytes& bytes) {
  const std::string in = bytes;
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(in.data(), in.size());
  } catch (const c10::Error& e) {
    throw InputError(std::string("load_state_dict: the 'galt' entry is not a saved galt "
                                 "optimizer (") +
                     e.what_without_backtrace() + ")");
  }
  opt.load(archive);
}

}  // namespace

PYBIND11_MODULE(_galt, m) {
  m.doc() = "galt::Optimizer for Python; use the galt package, not this module";
  // Bad input from the core (a NaN value, a non-scalar, an unknown block):
  // a ValueError the user can catch as galt.InputError.
  py::register_exception<InputError>(m, "InputError", PyExc_ValueError);
  // The commit this module was built from (cmake/build_commit.cmake), for
  // result files' provenance, and whether the tree had uncommitted changes.
  m.attr("build_commit") = GALT_BUILD_COMMIT;
  m.attr("build_dirty") = static_cast<bool>(GALT_BUILD_DIRTY);

  py::class_<Optimizer>(m, "Core")
      .def(py::init([](const py::list& groups, const py::dict& solver) {
             std::vector<torch::optim::OptimizerParamGroup> gs;
             for (const auto& g : groups) gs.push_back(param_group(g.cast<py::dict>()));
             return std::make_unique<Optimizer>(std::move(gs), OptimizerOptions(),
                                                solver_options(solver));
           }),
           py::arg("groups"), py::arg("solver"))
      .def("add_param_group",
           [](Optimizer& o, const py::dict& g) { o.add_param_group(param_group(g)); })
      .def("set_group_options",
           [](Optimizer& o, size_t i, const py::dict& g) {
             auto& opts = static_cast<OptimizerOptions&>(o.param_groups().at(i).options());
             opts = group_options(g, opts);
           })
      .def(
          "add_constraint",
          [](Optimizer& o, std::string name, py::object value, py::object dual_value,
             std::string sense, std::string channel, double margin, std::vector<std::string> blocks,
             double lambda_init, double rho_init, double rho_max, int layer, bool batch_proxy) {
            const PythonConstraint c{std::move(name),
                                     std::move(value),
                                     std::move(dual_value),
                                     std::move(sense),
                                     std::move(channel),
                                     margin,
                                     std::move(blocks),
                                     lambda_init,
                                     rho_init,
                                     rho_max,
                                     layer,
                                     batch_proxy};
            o.add_constraint(make_edge(c, [&o](const at::TensorImpl* t) { return owns(o, t); }));
          },
          py::arg("name"), py::arg("value"), py::arg("dual_value"), py::arg("sense"),
          py::arg("channel"), py::arg("margin"), py::arg("blocks"), py::arg("lambda_init"),
          py::arg("rho_init"), py::arg("rho_max"), py::arg("layer"), py::arg("batch_proxy") = false)
      .def("remove_constraint",
           [](Optimizer& o, const std::string& name) {
             const DualValue d = o.remove_constraint(name);
             return std::make_pair(d.lambda, d.rho);
           })
      .def("constraint_names",
           [](const Optimizer& o) {
             std::vector<std::string> names;
             for (const auto& e : o.graph().edges()) names.push_back(e.name);
             return names;
           })
      .def(
          "step", [](Optimizer& o) { o.step(); }, py::call_guard<py::gil_scoped_release>())
      .def("begin_task", &Optimizer::begin_task)
      .def("stats", &stats)
      .def("brief_report", [](const Optimizer& o) { return o.brief_report(); })
      .def("save", &save)
      .def("load", &load);
}

}  // namespace galt::python
