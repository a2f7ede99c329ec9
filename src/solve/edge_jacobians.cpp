#include "solve/edge_jacobians.h"

#include <torch/torch.h>

#include <unordered_map>

#include "galt/error.h"
#include "galt/solve/family_jacobians.h"

namespace galt {

namespace {

// The tensors an edge is differentiated against, in (block, tensor) order.
struct Inputs {
  std::vector<at::Tensor> tensors;                  // requires_grad only
  std::vector<std::pair<size_t, size_t>> position;  // (touched slot j, tensor t)
};

Inputs inputs_of(const ConstraintGraph& g, int e) {
  Inputs in;
  const auto& touched = g.touched_blocks(e);
  for (size_t j = 0; j < touched.size(); ++j) {
    const auto& params = g.blocks()[touched[j]].params();
    for (size_t t = 0; t < params.size(); ++t)
      if (params[t].requires_grad()) {
        in.tensors.push_back(params[t]);
        in.position.emplace_back(j, t);
      }
  }
  return in;
}

std::vector<std::vector<JacobianRow>> empty_rows(const ConstraintGraph& g, int e) {
  std::vector<std::vector<JacobianRow>> out;
  for (int b : g.touched_blocks(e)) out.emplace_back(g.blocks()[b].params().size());
  return out;
}

double checked_value(double raw, const ConstraintEdge& edge) {
  const double x = raw - edge.margin;
  if (!std::isfinite(x))
    throw InputError("constraint edge '" + edge.name + "': value is " + std::to_string(x) +
                     " (NaN/Inf); nothing was updated");
  return x;
}

void check_scalar(const at::Tensor& v, const std::string& name) {
  if (!v.defined() || v.numel() != 1)
    throw InputError("constraint edge '" + name + "': value() must return a single number, got " +
                     (v.defined() ? std::string(c10::str(v.sizes())) : std::string("nothing")));
}

// Autograd Jacobian of `value` (one backward pass).
void autograd_jacobian(const ConstraintGraph& g, int e, const at::Tensor& value, bool retain,
                       std::vector<std::vector<JacobianRow>>& rows, ComputeCounters& counters) {
  const Inputs in = inputs_of(g, e);
  if (in.tensors.empty() || !value.requires_grad()) return;
  auto grads = torch::autograd::grad({value}, in.tensors, {}, retain, false, /*allow_unused=*/true);
  counters.backward_passes += 1;
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined()) continue;
    const auto [j, t] = in.position[i];
    rows[j][t] = JacobianRow{grads[i].detach().reshape({1, -1}), 0};
  }
}

// An edge that delivers its value and Jacobian itself: no autograd.
void message_jacobian(const ConstraintGraph& g, int e, const EdgeMessage& m, EdgeJacobians& ev,
                      ComputeCounters& counters) {
  const auto& edge = g.edges()[e];
  const double x = m.value - edge.margin;
  if (!std::isfinite(x))
    throw InputError("constraint edge '" + edge.name + "': message value is " + std::to_string(x) +
                     " (NaN/Inf); nothing was updated");
  ev.values[e] = x;
  const auto& touched = g.touched_blocks(e);
  size_t expected = 0;
  for (int b : touched) expected += g.blocks()[b].params().size();
  if (m.jacobian.size() != expected)
    throw InputError("constraint edge '" + edge.name + "': message has " +
                     std::to_string(m.jacobian.size()) + " Jacobian tensors, expected " +
                     std::to_string(expected) + " (one per tensor of its blocks)");
  size_t i = 0;
  for (size_t j = 0; j < touched.size(); ++j) {
    const auto& params = g.blocks()[touched[j]].params();
    for (size_t t = 0; t < params.size(); ++t, ++i) {
      const auto& jt = m.jacobian[i];
      if (!jt.defined()) continue;
      if (jt.numel() != params[t].numel())
        throw InputError("constraint edge '" + edge.name + "': message Jacobian " + std::to_string(i) +
                         " has " + std::to_string(jt.numel()) + " entries, the tensor has " +
                         std::to_string(params[t].numel()));
      ev.rows[e][j][t] = JacobianRow{jt.detach().reshape({1, -1}), 0};
    }
  }
  counters.edge_messages += 1;  // delivered, not formed: no pass
}

}  // namespace

EdgeJacobians evaluate_edge_jacobians(const ConstraintGraph& g, ComputeCounters& counters) {
  const auto& edges = g.edges();
  const int num_edges = static_cast<int>(edges.size());
  EdgeJacobians ev;
  ev.values.resize(num_edges);
  ev.rows.resize(num_edges);
  ev.slot.assign(num_edges, std::vector<int>(g.blocks().size(), -1));
  for (int e = 0; e < num_edges; ++e) {
    const auto& touched = g.touched_blocks(e);
    for (size_t j = 0; j < touched.size(); ++j) ev.slot[e][touched[j]] = static_cast<int>(j);
    ev.rows[e] = empty_rows(g, e);
  }

  torch::AutoGradMode enable_grad(true);
  // Standalone edges.
  for (int e = 0; e < num_edges; ++e) {
    if (g.sources()[e].family >= 0) continue;
    if (edges[e].message) {
      message_jacobian(g, e, edges[e].message(), ev, counters);
      continue;
    }
    const at::Tensor v = edges[e].value();
    counters.edge_evaluations += 1;
    check_scalar(v, edges[e].name);
    ev.values[e] = checked_value(v.item<double>(), edges[e]);
    autograd_jacobian(g, e, v.reshape({}), false, ev.rows[e], counters);
    counters.jacobian_rows += 1;
  }
  // Families: one closure call each; their Jacobians, by the per-example
  // trick when it applies (§2.3), come from family_jacobians as one matrix
  // per tensor, so a block's U over a family's edges is a view.
  for (size_t f = 0; f < g.families().size(); ++f) {
    const auto& fam = g.families()[f];
    std::vector<int> members, slots;
    for (int e = 0; e < num_edges; ++e)
      if (g.sources()[e].family == static_cast<int>(f)) {
        members.push_back(e);
        slots.push_back(g.sources()[e].slot);
      }
    if (members.empty()) continue;
    // Every tensor some member is differentiated against, each once.
    std::vector<at::Tensor> wrt;
    std::unordered_map<const void*, size_t> column;
    for (int e : members)
      for (const auto& p : inputs_of(g, e).tensors)
        if (column.emplace(p.unsafeGetTensorImpl(), wrt.size()).second) wrt.push_back(p);
    FamilyJacobians fj;
    try {
      fj = family_jacobians(fam, wrt, counters, slots);
    } catch (const InputError& err) {
      throw InputError(std::string(err.what()) + "; nothing was updated");
    }
    for (size_t r = 0; r < members.size(); ++r) {
      const int e = members[r];
      ev.values[e] = checked_value(fj.values[r], edges[e]);
      const auto& touched = g.touched_blocks(e);
      for (size_t j = 0; j < touched.size(); ++j) {
        const auto& params = g.blocks()[touched[j]].params();
        for (size_t t = 0; t < params.size(); ++t) {
          auto it = column.find(params[t].unsafeGetTensorImpl());
          if (it == column.end() || !fj.matrices[it->second].defined()) continue;
          ev.rows[e][j][t] = JacobianRow{fj.matrices[it->second], static_cast<int64_t>(r)};
        }
      }
    }
  }
  return ev;
}

}  // namespace galt
