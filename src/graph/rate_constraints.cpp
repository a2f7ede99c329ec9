// Rate constraints as proxy edges (galt/graph/rate_constraints.h).
#include "galt/graph/rate_constraints.h"

#include <torch/torch.h>

#include <cmath>
#include <memory>

#include "galt/error.h"

namespace galt {

namespace {

void check(const RateBatch& b, int64_t cls, bool groups, const std::string& name) {
  if (!b.logits.defined() || b.logits.dim() != 2 || !b.labels.defined() || b.labels.dim() != 1 ||
      b.labels.size(0) != b.logits.size(0))
    throw InputError("rate constraint '" + name +
                     "': the batch needs logits [N, C] and labels [N] with the same N");
  if (cls < 0 || cls >= b.logits.size(1))
    throw InputError("rate constraint '" + name + "': class " + std::to_string(cls) +
                     " is not one of the " + std::to_string(b.logits.size(1)) + " logits");
  if (groups &&
      (!b.groups.defined() || b.groups.dim() != 1 || b.groups.size(0) != b.logits.size(0)))
    throw InputError("rate constraint '" + name + "': the batch needs groups [N] (0 or 1)");
}

// Mean of `v` over the rows where `mask` holds; `fallback` (with v's graph
// kept, zero gradient) when no row does.
at::Tensor masked_mean(const at::Tensor& v, const at::Tensor& mask, double fallback) {
  const auto n = mask.sum();
  if (n.item<int64_t>() == 0) return v.sum() * 0.0 + fallback;
  return (v * mask.to(v.dtype())).sum() / n.to(v.dtype());
}

double share(const at::Tensor& hit, const at::Tensor& mask, double fallback) {
  const int64_t n = mask.sum().item<int64_t>();
  if (n == 0) return fallback;
  return static_cast<double>((hit & mask).sum().item<int64_t>()) / static_cast<double>(n);
}

at::Tensor decided(const RateBatch& b, int64_t cls) { return b.logits.argmax(1).eq(cls); }

at::Tensor p_of(const RateBatch& b, int64_t cls) {
  return torch::softmax(b.logits, 1).select(1, cls);
}

// A proxy edge: value = surrogate(batch()), dual_value = exact(batch()).
ConstraintEdge proxy_edge(std::string name, double margin, std::function<RateBatch()> batch,
                          std::function<at::Tensor(const RateBatch&)> surrogate,
                          std::function<double(const RateBatch&)> exact) {
  if (!batch) throw InputError("rate constraint '" + name + "': the batch function is empty");
  ConstraintEdge e;
  e.name = name;
  e.channel = Channel::kTask;
  e.sense = Sense::kInequality;
  e.margin = margin;
  // The softmax relaxation is on another scale than the rate: only its
  // slope is used, the level the solve corrects is the rate's.
  e.batch_proxy = true;
  e.value = [batch, surrogate] { return surrogate(batch()); };
  e.dual_value = [batch, exact] {
    torch::NoGradGuard no_grad;
    return exact(batch());
  };
  return e;
}

void check_rate(double r, const std::string& name) {
  if (!(r >= 0.0 && r <= 1.0))
    throw InputError("rate constraint '" + name + "': the bound " + std::to_string(r) +
                     " is not a rate in [0, 1]");
}

}  // namespace

double recall_rate(const RateBatch& b, int64_t cls) {
  check(b, cls, false, "recall");
  return share(decided(b, cls), b.labels.eq(cls), 1.0);
}

double false_positive_rate(const RateBatch& b, int64_t cls) {
  check(b, cls, false, "false positive rate");
  return share(decided(b, cls), b.labels.ne(cls), 0.0);
}

double positive_rate_gap(const RateBatch& b, int64_t cls) {
  check(b, cls, true, "positive rate gap");
  const auto d = decided(b, cls);
  const auto g0 = b.groups.eq(0), g1 = b.groups.eq(1);
  if (g0.sum().item<int64_t>() == 0 || g1.sum().item<int64_t>() == 0) return 0.0;
  return std::abs(share(d, g0, 0.0) - share(d, g1, 0.0));
}

// C = value − margin: recall ≥ r is −recall − (−r) ≤ 0.
ConstraintEdge recall_at_least(std::string name, int64_t cls, double r,
                               std::function<RateBatch()> batch) {
  check_rate(r, name);
  return proxy_edge(
      name, -r, std::move(batch),
      [cls, name](const RateBatch& b) {
        check(b, cls, false, name);
        return -masked_mean(p_of(b, cls), b.labels.eq(cls), 1.0);
      },
      [cls](const RateBatch& b) { return -recall_rate(b, cls); });
}

ConstraintEdge false_positive_rate_at_most(std::string name, int64_t cls, double r,
                                           std::function<RateBatch()> batch) {
  check_rate(r, name);
  return proxy_edge(
      name, r, std::move(batch),
      [cls, name](const RateBatch& b) {
        check(b, cls, false, name);
        return masked_mean(p_of(b, cls), b.labels.ne(cls), 0.0);
      },
      [cls](const RateBatch& b) { return false_positive_rate(b, cls); });
}

ConstraintEdge positive_rate_gap_at_most(std::string name, int64_t cls, double r,
                                         std::function<RateBatch()> batch) {
  check_rate(r, name);
  return proxy_edge(
      name, r, std::move(batch),
      [cls, name](const RateBatch& b) {
        check(b, cls, true, name);
        const auto p = p_of(b, cls);
        const auto g0 = b.groups.eq(0), g1 = b.groups.eq(1);
        if (g0.sum().item<int64_t>() == 0 || g1.sum().item<int64_t>() == 0) return p.sum() * 0.0;
        return (masked_mean(p, g0, 0.0) - masked_mean(p, g1, 0.0)).abs();
      },
      [cls](const RateBatch& b) { return positive_rate_gap(b, cls); });
}

}  // namespace galt
