#include "galt/solve/family_jacobians.h"

#include <torch/torch.h>

#include <cmath>
#include <string>
#include <unordered_map>

#include "galt/error.h"
#include "galt/graph/linear_tap.h"

namespace galt {

at::Tensor FamilyJacobians::jacobian(size_t r, size_t t, const at::Tensor& like) const {
  const at::Tensor& m = matrices.at(t);
  if (!m.defined()) return torch::zeros_like(like);
  return m[static_cast<int64_t>(r)].reshape(like.sizes());
}

namespace {

std::string family_name(const EdgeFamily& f) {
  return f.edges.empty() ? std::string("(no edges)") : f.edges[0].name;
}

// The differentiated tensors, each once (a tensor listed twice shares its
// matrix): unique[u] is a tensor, owner[t] its index in `unique` (−1: not
// differentiated).
struct Wrt {
  std::vector<at::Tensor> unique;
  std::vector<int> owner;
};

Wrt wrt_of(const std::vector<at::Tensor>& tensors) {
  Wrt w;
  std::unordered_map<const void*, int> seen;
  for (const auto& t : tensors) {
    if (!t.defined() || !t.requires_grad()) {
      w.owner.push_back(-1);
      continue;
    }
    auto [it, fresh] = seen.emplace(t.unsafeGetTensorImpl(), static_cast<int>(w.unique.size()));
    if (fresh) w.unique.push_back(t);
    w.owner.push_back(it->second);
  }
  return w;
}

// The per-example trick (§2.3): one backward pass of Σ values to every tap's
// output, then J_e(W) = δ[rows_e]ᵀ x[rows_e], J_e(b) = Σ δ[rows_e], for all
// edges at once (one batched product when every edge is differentiated and
// the row counts are equal). Fills `mats` (per unique tensor); false when
// the trick does not apply (nothing was computed then).
bool per_example(const EdgeFamily& fam, const std::vector<int>& slots, const at::Tensor& values,
                 const std::vector<LinearTap>& taps, const Wrt& wrt, std::vector<at::Tensor>& mats,
                 ComputeCounters& counters) {
  if (fam.rows.empty() || taps.empty() || wrt.unique.empty() || !values.requires_grad())
    return false;
  int64_t total = 0;
  for (auto r : fam.rows) total += r;
  std::unordered_map<const void*, int> wanted;
  for (size_t u = 0; u < wrt.unique.size(); ++u)
    wanted[wrt.unique[u].unsafeGetTensorImpl()] = static_cast<int>(u);
  // Only taps of differentiated tensors matter (a frozen base or teacher run
  // inside the closure is ignored); each must see the family's whole batch.
  std::vector<LinearTap> used;
  std::vector<std::vector<std::pair<size_t, bool>>> uses(wrt.unique.size());  // (tap, is_bias)
  for (const auto& tap : taps) {
    auto w = wanted.find(tap.weight.unsafeGetTensorImpl());
    auto b = tap.bias.defined() ? wanted.find(tap.bias.unsafeGetTensorImpl()) : wanted.end();
    if (w == wanted.end() && b == wanted.end()) continue;
    if (tap.input.size(0) != total) return false;
    if (w != wanted.end()) uses[w->second].push_back({used.size(), false});
    if (b != wanted.end()) uses[b->second].push_back({used.size(), true});
    used.push_back(tap);
  }
  for (const auto& u : uses)
    if (u.empty()) return false;  // a differentiated tensor outside every tap

  std::vector<at::Tensor> outputs;
  for (const auto& t : used) outputs.push_back(t.output);
  auto deltas = torch::autograd::grad({values.sum()}, outputs, {}, false, false, true);
  counters.backward_passes += 1;

  torch::NoGradGuard no_grad;
  const auto m = static_cast<int64_t>(slots.size());
  const auto k = static_cast<int64_t>(fam.rows.size());
  std::vector<int64_t> offset(fam.rows.size() + 1, 0);
  for (size_t i = 0; i < fam.rows.size(); ++i) offset[i + 1] = offset[i] + fam.rows[i];
  bool uniform = m == k;
  for (int64_t i = 0; i < m && uniform; ++i) uniform = slots[i] == i && fam.rows[i] == fam.rows[0];
  // Rows of the edges as [m, r, ·] slices of an [N, ·] tensor.
  auto per_edge = [&](const at::Tensor& x) { return x.reshape({m, fam.rows[0], x.size(1)}); };
  // Jacobian matrix [m, numel] of one tensor: the sum over its taps.
  for (size_t u = 0; u < uses.size(); ++u) {
    at::Tensor acc;
    for (const auto& [i, is_bias] : uses[u]) {
      if (!deltas[i].defined()) continue;
      const at::Tensor d = deltas[i].detach();
      const at::Tensor x = used[i].input.detach();
      at::Tensor part;
      if (uniform) {
        const auto dm = per_edge(d);  // [m, r, out]
        part = is_bias ? dm.sum(1) : torch::bmm(dm.transpose(1, 2), per_edge(x)).reshape({m, -1});
      } else {
        std::vector<at::Tensor> parts;
        for (int s : slots) {
          const auto ds = d.narrow(0, offset[s], fam.rows[s]);
          parts.push_back(
              is_bias ? ds.sum(0)
                      : torch::mm(ds.t(), x.narrow(0, offset[s], fam.rows[s])).reshape({-1}));
        }
        part = torch::stack(parts);
      }
      acc = acc.defined() ? acc + part : part;
    }
    mats[u] = acc;
  }
  counters.per_example_jacobians += m;
  return true;
}

// One autograd pass per edge.
void autograd_passes(const std::vector<int>& slots, const at::Tensor& values, const Wrt& wrt,
                     std::vector<at::Tensor>& mats, ComputeCounters& counters) {
  if (wrt.unique.empty() || !values.requires_grad()) return;
  const auto m = static_cast<int64_t>(slots.size());
  for (int64_t r = 0; r < m; ++r) {
    auto grads = torch::autograd::grad({values[slots[r]]}, wrt.unique, {},
                                       /*retain_graph=*/r + 1 < m, false, /*allow_unused=*/true);
    counters.backward_passes += 1;
    torch::NoGradGuard no_grad;
    for (size_t u = 0; u < grads.size(); ++u) {
      if (!grads[u].defined()) continue;
      if (!mats[u].defined())
        mats[u] = torch::zeros({m, wrt.unique[u].numel()}, grads[u].options());
      mats[u][r].copy_(grads[u].reshape({-1}));
    }
  }
}

}  // namespace

FamilyJacobians family_jacobians(const EdgeFamily& family, const std::vector<at::Tensor>& tensors,
                                 ComputeCounters& counters, const std::vector<int>& slots) {
  const std::string name = family_name(family);
  const auto k = static_cast<int64_t>(family.edges.size());
  if (!family.values) throw InputError("edge family '" + name + "': no values closure");
  if (!family.rows.empty() && static_cast<int64_t>(family.rows.size()) != k)
    throw InputError("edge family '" + name + "': rows has " + std::to_string(family.rows.size()) +
                     " entries for " + std::to_string(k) + " edges");
  for (auto r : family.rows)
    if (r <= 0) throw InputError("edge family '" + name + "': rows must be > 0");
  FamilyJacobians out;
  if (slots.empty()) {
    for (int i = 0; i < k; ++i) out.slots.push_back(i);
  } else {
    std::vector<bool> seen(static_cast<size_t>(k), false);
    for (int s : slots) {
      if (s < 0 || s >= k || seen[static_cast<size_t>(s)])
        throw InputError("edge family '" + name + "': slot " + std::to_string(s) +
                         " is out of range or repeated (the family has " + std::to_string(k) +
                         " edges)");
      seen[static_cast<size_t>(s)] = true;
    }
    out.slots = slots;
  }

  torch::AutoGradMode enable_grad(true);
  TapRecorder recorder;
  const at::Tensor vals = family.values();
  counters.edge_evaluations += 1;
  if (!vals.defined() || vals.dim() != 1 || vals.size(0) != k)
    throw InputError(
        "edge family '" + name + "': values() must return a 1-dim tensor of " + std::to_string(k) +
        " entries, got " +
        (vals.defined() ? std::string(c10::str(vals.sizes())) : std::string("nothing")));
  const at::Tensor host = vals.detach().to(torch::kFloat64).cpu().contiguous();
  const double* v = host.data_ptr<double>();
  for (int s : out.slots) {
    if (!std::isfinite(v[s]))
      throw InputError("constraint edge '" + family.edges[static_cast<size_t>(s)].name +
                       "': value is " + std::to_string(v[s]) + " (NaN/Inf)");
    out.values.push_back(v[s]);
  }
  counters.jacobian_rows += static_cast<int64_t>(out.slots.size());

  const Wrt wrt = wrt_of(tensors);
  std::vector<at::Tensor> mats(wrt.unique.size());
  out.per_example = per_example(family, out.slots, vals, recorder.taps(), wrt, mats, counters);
  if (!out.per_example) autograd_passes(out.slots, vals, wrt, mats, counters);
  out.matrices.resize(tensors.size());
  for (size_t t = 0; t < tensors.size(); ++t)
    if (wrt.owner[t] >= 0) out.matrices[t] = mats[static_cast<size_t>(wrt.owner[t])];
  return out;
}

}  // namespace galt
