#include "solve/edge_jacobians.h"

#include <torch/torch.h>

#include <unordered_map>

#include "galt/error.h"
#include "galt/graph/linear_tap.h"

namespace galt {

namespace {

// The tensors an edge is differentiated against, in (block, tensor) order.
struct Inputs {
  std::vector<at::Tensor> tensors;                   // requires_grad only
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

// Zero Jacobians of the right shapes for edge e.
std::vector<std::vector<at::Tensor>> zero_jacobians(const ConstraintGraph& g, int e) {
  std::vector<std::vector<at::Tensor>> out;
  for (int b : g.touched_blocks(e)) {
    std::vector<at::Tensor> per;
    for (const auto& p : g.blocks()[b].params()) per.push_back(torch::zeros({p.numel()}, p.options()));
    out.push_back(std::move(per));
  }
  return out;
}

double checked_value(const at::Tensor& v, const ConstraintEdge& edge) {
  const double x = v.item<double>() - edge.margin;
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
                       std::vector<std::vector<at::Tensor>>& jac, ComputeCounters& counters) {
  const Inputs in = inputs_of(g, e);
  if (in.tensors.empty() || !value.requires_grad()) return;
  auto grads = torch::autograd::grad({value}, in.tensors, {}, retain, false, /*allow_unused=*/true);
  counters.backward_passes += 1;
  for (size_t i = 0; i < grads.size(); ++i) {
    if (!grads[i].defined()) continue;
    const auto [j, t] = in.position[i];
    jac[j][t] = grads[i].detach().reshape({-1});
  }
}

// The per-example trick (§2.3): one backward pass of Σ values to every tap's
// output, then J_e(W) = δ[rows_e]ᵀ x[rows_e], J_e(b) = Σ δ[rows_e].
bool per_example_jacobians(const ConstraintGraph& g, const EdgeFamily& fam,
                           const std::vector<int>& members, const at::Tensor& values,
                           const std::vector<LinearTap>& taps,
                           std::vector<std::vector<std::vector<at::Tensor>>>& jac,
                           ComputeCounters& counters) {
  if (fam.rows.empty() || taps.empty() || !values.requires_grad()) return false;
  int64_t total = 0;
  for (auto r : fam.rows) total += r;
  // Only taps of differentiated tensors matter (a frozen base or teacher run
  // inside the closure is ignored); each must see the family's whole batch.
  std::unordered_map<const void*, bool> wanted;
  for (int e : members)
    for (const auto& p : inputs_of(g, e).tensors) wanted[p.unsafeGetTensorImpl()] = true;
  std::vector<LinearTap> used;
  for (const auto& tap : taps) {
    const bool w = wanted.count(tap.weight.unsafeGetTensorImpl()) > 0;
    const bool b = tap.bias.defined() && wanted.count(tap.bias.unsafeGetTensorImpl()) > 0;
    if (!w && !b) continue;
    if (tap.input.size(0) != total) return false;
    used.push_back(tap);
  }
  std::unordered_map<const void*, std::vector<std::pair<size_t, bool>>> by_tensor;  // tap, is_bias
  for (size_t i = 0; i < used.size(); ++i) {
    by_tensor[used[i].weight.unsafeGetTensorImpl()].push_back({i, false});
    if (used[i].bias.defined()) by_tensor[used[i].bias.unsafeGetTensorImpl()].push_back({i, true});
  }
  for (const auto& [impl, _] : wanted)
    if (!by_tensor.count(impl)) return false;
  std::vector<at::Tensor> outputs;
  for (const auto& t : used) outputs.push_back(t.output);
  auto deltas = torch::autograd::grad({values.sum()}, outputs, {}, false, false, true);
  counters.backward_passes += 1;
  std::vector<int64_t> offset(fam.rows.size() + 1, 0);
  for (size_t i = 0; i < fam.rows.size(); ++i) offset[i + 1] = offset[i] + fam.rows[i];

  torch::NoGradGuard no_grad;
  for (int e : members) {
    const int s = g.sources()[e].slot;
    const auto& touched = g.touched_blocks(e);
    for (size_t j = 0; j < touched.size(); ++j) {
      const auto& params = g.blocks()[touched[j]].params();
      for (size_t t = 0; t < params.size(); ++t) {
        if (!params[t].requires_grad()) continue;
        at::Tensor acc;
        for (const auto& [i, is_bias] : by_tensor[params[t].unsafeGetTensorImpl()]) {
          if (!deltas[i].defined()) continue;
          const auto d = deltas[i].narrow(0, offset[s], fam.rows[s]);
          at::Tensor part = is_bias ? d.sum(0)
                                    : torch::mm(d.t(), used[i].input.detach().narrow(0, offset[s],
                                                                                     fam.rows[s]));
          acc = acc.defined() ? acc + part : part;
        }
        if (acc.defined()) jac[e][j][t] = acc.reshape({-1});
      }
    }
    counters.per_example_jacobians += 1;
  }
  return true;
}

}  // namespace

EdgeJacobians evaluate_edge_jacobians(const ConstraintGraph& g, ComputeCounters& counters) {
  const auto& edges = g.edges();
  const int num_edges = static_cast<int>(edges.size());
  EdgeJacobians ev;
  ev.values.resize(num_edges);
  ev.jac.resize(num_edges);
  ev.slot.assign(num_edges, std::vector<int>(g.blocks().size(), -1));
  for (int e = 0; e < num_edges; ++e) {
    const auto& touched = g.touched_blocks(e);
    for (size_t j = 0; j < touched.size(); ++j) ev.slot[e][touched[j]] = static_cast<int>(j);
    ev.jac[e] = zero_jacobians(g, e);
  }

  torch::AutoGradMode enable_grad(true);
  // Standalone edges.
  for (int e = 0; e < num_edges; ++e) {
    if (g.sources()[e].family >= 0) continue;
    const at::Tensor v = edges[e].value();
    counters.edge_evaluations += 1;
    check_scalar(v, edges[e].name);
    ev.values[e] = checked_value(v, edges[e]);
    autograd_jacobian(g, e, v.reshape({}), false, ev.jac[e], counters);
    counters.jacobian_rows += 1;
  }
  // Families.
  for (size_t f = 0; f < g.families().size(); ++f) {
    const auto& fam = g.families()[f];
    std::vector<int> members;
    for (int e = 0; e < num_edges; ++e)
      if (g.sources()[e].family == static_cast<int>(f)) members.push_back(e);
    TapRecorder recorder;
    const at::Tensor vals = fam.values();
    counters.edge_evaluations += 1;
    if (!vals.defined() || vals.dim() != 1 ||
        vals.size(0) != static_cast<int64_t>(fam.edges.size()))
      throw InputError("edge family '" + fam.edges[0].name + "': values() must return a 1-dim tensor of " +
                       std::to_string(fam.edges.size()) + " entries, got " +
                       (vals.defined() ? std::string(c10::str(vals.sizes())) : std::string("nothing")));
    for (int e : members) ev.values[e] = checked_value(vals[g.sources()[e].slot], edges[e]);
    counters.jacobian_rows += static_cast<int64_t>(members.size());
    if (per_example_jacobians(g, fam, members, vals, recorder.taps(), ev.jac, counters)) continue;
    for (size_t i = 0; i < members.size(); ++i) {
      const int e = members[i];
      autograd_jacobian(g, e, vals[g.sources()[e].slot], i + 1 < members.size(), ev.jac[e], counters);
    }
  }
  return ev;
}

}  // namespace galt
