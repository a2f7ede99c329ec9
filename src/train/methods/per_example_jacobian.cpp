#include "train/methods/per_example_jacobian.h"

#include <torch/torch.h>

#include <unordered_map>

namespace galt::train::detail {

std::vector<std::vector<at::Tensor>> constraint_jacobians(const at::Tensor& values,
                                                          const std::vector<int64_t>& rows,
                                                          const std::vector<LinearTap>& taps,
                                                          const std::vector<at::Tensor>& params,
                                                          int64_t* backward_passes) {
  const size_t k = rows.size();
  std::vector<std::vector<at::Tensor>> jac(k, std::vector<at::Tensor>(params.size()));
  int64_t total = 0;
  for (auto r : rows) total += r;

  // Map every parameter to the taps that use it (as weight or as bias).
  std::unordered_map<const void*, size_t> index;
  for (size_t p = 0; p < params.size(); ++p) index[params[p].unsafeGetTensorImpl()] = p;
  struct Use {
    size_t tap;
    bool bias;
  };
  std::vector<std::vector<Use>> uses(params.size());
  std::vector<LinearTap> used;
  bool trick = total > 0;
  for (const auto& tap : taps) {
    auto w = index.find(tap.weight.unsafeGetTensorImpl());
    auto b = tap.bias.defined() ? index.find(tap.bias.unsafeGetTensorImpl()) : index.end();
    if (w == index.end() && b == index.end()) continue;  // a frozen tensor
    if (tap.input.size(0) != total) trick = false;
    if (w != index.end()) uses[w->second].push_back({used.size(), false});
    if (b != index.end()) uses[b->second].push_back({used.size(), true});
    used.push_back(tap);
  }
  for (const auto& u : uses)
    if (u.empty()) trick = false;

  if (trick) {
    std::vector<at::Tensor> outputs;
    for (const auto& t : used) outputs.push_back(t.output);
    auto deltas = torch::autograd::grad({values.sum()}, outputs, {}, false, false, true);
    if (backward_passes) *backward_passes += 1;
    torch::NoGradGuard no_grad;
    int64_t off = 0;
    for (size_t e = 0; e < k; ++e) {
      for (size_t p = 0; p < params.size(); ++p) {
        // Σ over the edge's rows of δ ⊗ input (weight) or δ (bias); the
        // first term is the result itself (no zero-filled accumulator).
        at::Tensor acc;
        for (const auto& u : uses[p]) {
          if (!deltas[u.tap].defined()) continue;
          const auto d = deltas[u.tap].narrow(0, off, rows[e]);
          at::Tensor term =
              u.bias ? d.sum(0)
                     : torch::mm(d.t(), used[u.tap].input.detach().narrow(0, off, rows[e]));
          acc = acc.defined() ? acc.add_(term) : std::move(term);
        }
        jac[e][p] = acc.defined() ? acc.view_as(params[p]) : torch::zeros_like(params[p]);
      }
      off += rows[e];
    }
    return jac;
  }
  for (size_t e = 0; e < k; ++e) {
    auto g = torch::autograd::grad({values[e]}, params, {}, e + 1 < k, false, true);
    if (backward_passes) *backward_passes += 1;
    for (size_t p = 0; p < params.size(); ++p)
      jac[e][p] = g[p].defined() ? g[p].detach() : torch::zeros_like(params[p]);
  }
  return jac;
}

}  // namespace galt::train::detail
