#include "solve/edge_jacobians.h"

#include <torch/torch.h>

#include <unordered_map>

#include "galt/error.h"
#include "galt/graph/linear_tap.h"

namespace galt {

at::Tensor EdgeJacobians::stacked(const std::vector<int>& es, int b, size_t t,
                                  const at::Tensor& param) const {
  const JacobianRow& first = row(es[0], b, t);
  bool consecutive = first.matrix.defined();
  for (size_t i = 1; i < es.size() && consecutive; ++i) {
    const JacobianRow& r = row(es[i], b, t);
    consecutive = r.matrix.defined() && r.matrix.is_same(first.matrix) &&
                  r.row == first.row + static_cast<int64_t>(i);
  }
  if (consecutive) return first.matrix.narrow(0, first.row, static_cast<int64_t>(es.size()));
  auto out = torch::zeros({static_cast<int64_t>(es.size()), param.numel()}, param.options());
  for (size_t i = 0; i < es.size(); ++i) {
    const JacobianRow& r = row(es[i], b, t);
    if (r.matrix.defined()) out[static_cast<int64_t>(i)].copy_(r.matrix[r.row]);
  }
  return out;
}

double EdgeJacobians::dot(int e, int b, size_t t, const at::Tensor& s) const {
  const JacobianRow& r = row(e, b, t);
  if (!r.matrix.defined()) return 0.0;
  return torch::dot(r.matrix[r.row], s).item<double>();
}

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

// The per-example trick (§2.3): one backward pass of Σ values to every tap's
// output, then J_e(W) = δ[rows_e]ᵀ x[rows_e], J_e(b) = Σ δ[rows_e], for all
// member edges at once (one batched product when the row counts are equal).
bool per_example_jacobians(const ConstraintGraph& g, const EdgeFamily& fam,
                           const std::vector<int>& members, const at::Tensor& values,
                           const std::vector<LinearTap>& taps,
                           std::vector<std::vector<std::vector<JacobianRow>>>& rows,
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

  torch::NoGradGuard no_grad;
  const auto m = static_cast<int64_t>(members.size());
  std::vector<int64_t> offset(fam.rows.size() + 1, 0);
  for (size_t i = 0; i < fam.rows.size(); ++i) offset[i + 1] = offset[i] + fam.rows[i];
  bool uniform = static_cast<int64_t>(fam.rows.size()) == m;
  for (size_t i = 0; i < fam.rows.size() && uniform; ++i) uniform = fam.rows[i] == fam.rows[0];
  // Rows of the members, as [m, ...] slices of an [N, ...] tensor.
  auto per_member = [&](const at::Tensor& x) -> at::Tensor {
    if (uniform) return x.reshape({m, fam.rows[0], x.size(1)});
    return at::Tensor();
  };
  // Jacobian matrix [m, numel] of one tensor: the sum over its taps.
  std::unordered_map<const void*, at::Tensor> matrix;
  for (const auto& [impl, uses] : by_tensor) {
    at::Tensor acc;
    for (const auto& [i, is_bias] : uses) {
      if (!deltas[i].defined()) continue;
      const at::Tensor d = deltas[i].detach();
      const at::Tensor x = used[i].input.detach();
      at::Tensor part;
      if (uniform) {
        const auto dm = per_member(d);  // [m, r, out]
        part = is_bias ? dm.sum(1) : torch::bmm(dm.transpose(1, 2), per_member(x)).reshape({m, -1});
      } else {
        std::vector<at::Tensor> parts;
        for (int e : members) {
          const int s = g.sources()[e].slot;
          const auto ds = d.narrow(0, offset[s], fam.rows[s]);
          parts.push_back(is_bias ? ds.sum(0)
                                  : torch::mm(ds.t(), x.narrow(0, offset[s], fam.rows[s])).reshape({-1}));
        }
        part = torch::stack(parts);
      }
      acc = acc.defined() ? acc + part : part;
    }
    if (acc.defined()) matrix[impl] = acc;
  }
  for (int64_t r = 0; r < m; ++r) {
    const int e = members[r];
    const auto& touched = g.touched_blocks(e);
    for (size_t j = 0; j < touched.size(); ++j) {
      const auto& params = g.blocks()[touched[j]].params();
      for (size_t t = 0; t < params.size(); ++t) {
        auto it = matrix.find(params[t].unsafeGetTensorImpl());
        if (it != matrix.end()) rows[e][j][t] = JacobianRow{it->second, r};
      }
    }
    counters.per_example_jacobians += 1;
  }
  return true;
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
  counters.jacobian_rows += 1;
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
    ev.values[e] = checked_value(v, edges[e]);
    autograd_jacobian(g, e, v.reshape({}), false, ev.rows[e], counters);
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
      throw InputError("edge family '" + fam.edges[0].name +
                       "': values() must return a 1-dim tensor of " +
                       std::to_string(fam.edges.size()) + " entries, got " +
                       (vals.defined() ? std::string(c10::str(vals.sizes())) : std::string("nothing")));
    const at::Tensor host = vals.detach().to(torch::kFloat64).cpu();
    for (int e : members) ev.values[e] = checked_value(host[g.sources()[e].slot], edges[e]);
    counters.jacobian_rows += static_cast<int64_t>(members.size());
    if (per_example_jacobians(g, fam, members, vals, recorder.taps(), ev.rows, counters)) continue;
    for (size_t i = 0; i < members.size(); ++i) {
      const int e = members[i];
      autograd_jacobian(g, e, vals[g.sources()[e].slot], i + 1 < members.size(), ev.rows[e], counters);
    }
  }
  return ev;
}

}  // namespace galt
