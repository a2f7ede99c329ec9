#include "solve/fused_step.h"

#include <algorithm>
#include <cmath>

namespace galt::fused {

namespace {

// Columns per chunk: the chunk buffers and the k Jacobian slices stay in L1/L2
// while every pair of edges reuses them.
constexpr int64_t kChunk = 512;

// Σ a·b over n floats in 32 independent lanes: four 8-wide accumulators, so
// the FMA latency does not serialise the loop (vectorises without
// reassociation).
__attribute__((always_inline)) inline float dot32(const float* a, const float* b, int64_t n) {
  float lane[32] = {};
  int64_t c = 0;
  for (; c + 32 <= n; c += 32)
    for (int l = 0; l < 32; ++l) lane[l] += a[c + l] * b[c + l];
  float s = 0.0f;
  for (; c < n; ++c) s += a[c] * b[c];
  for (int l = 0; l < 32; ++l) s += lane[l];
  return s;
}

// Both Σ a·c and Σ b·c in one sweep over c (16 lanes each).
__attribute__((always_inline)) inline void dot2(const float* a, const float* b, const float* x,
                                                int64_t n, float& ax, float& bx) {
  float la[16] = {}, lb[16] = {};
  int64_t c = 0;
  for (; c + 16 <= n; c += 16)
    for (int l = 0; l < 16; ++l) {
      la[l] += a[c + l] * x[c + l];
      lb[l] += b[c + l] * x[c + l];
    }
  float sa = 0.0f, sb = 0.0f;
  for (; c < n; ++c) {
    sa += a[c] * x[c];
    sb += b[c] * x[c];
  }
  for (int l = 0; l < 16; ++l) {
    sa += la[l];
    sb += lb[l];
  }
  ax = sa;
  bx = sb;
}

// D, s0 and w = η / max(D, floor) of one chunk, from the updated moments.
__attribute__((always_inline)) inline void metric_chunk(const float* p, const float* m,
                                                        const float* v, int64_t n, float lr_wd,
                                                        float ss, float isb, float eps, float lr,
                                                        float floor, float* s0, float* w) {
  for (int64_t c = 0; c < n; ++c) {
    const float d = std::sqrt(v[c]) * isb + eps;
    s0[c] = -lr_wd * p[c] - ss * m[c] / d;
    w[c] = lr / std::max(d, floor);
  }
}

__attribute__((target_clones("arch=haswell", "default"))) double moments_impl(
    float* m, float* v, const float* g, const float* const* jac, const float* f, int k, int64_t n,
    float b1, float b2, float c1, float c2, float isb, float eps) {
  double total = 0.0;
  float gl[kChunk], d[kChunk];
  for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
    const int64_t len = std::min(kChunk, n - c0);
    const float* gc = g + c0;
    for (int64_t c = 0; c < len; ++c) gl[c] = gc[c];
    for (int e = 0; e < k; ++e) {
      if (jac[e] == nullptr) continue;
      const float fe = f[e];
      const float* je = jac[e] + c0;
      for (int64_t c = 0; c < len; ++c) gl[c] += fe * je[c];
    }
    float* mc = m + c0;
    float* vc = v + c0;
    for (int64_t c = 0; c < len; ++c) {
      mc[c] = mc[c] * b1 + gc[c] * c1;
      vc[c] = vc[c] * b2 + c2 * gl[c] * gl[c];
      d[c] = std::sqrt(vc[c]) * isb + eps;
    }
    total += dot32(d, d, len);
  }
  return total;
}

__attribute__((target_clones("arch=haswell", "default"))) void gram_impl(
    const float* p, const float* m, const float* v, const float* const* jac, int mm, int k,
    int64_t n, float lr_wd, float ss, float isb, float eps, float lr, float floor, double* G,
    double* G2, double* us0) {
  float s0[kChunk], w[kChunk], uw[kChunk], uww[kChunk];
  for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
    const int64_t len = std::min(kChunk, n - c0);
    metric_chunk(p + c0, m + c0, v + c0, len, lr_wd, ss, isb, eps, lr, floor, s0, w);
    for (int i = 0; i < mm; ++i) {
      if (jac[i] == nullptr) continue;
      const float* ji = jac[i] + c0;
      for (int64_t c = 0; c < len; ++c) uw[c] = ji[c] * w[c];
      us0[i] += dot32(ji, s0, len);
      if (i >= k) {
        for (int j = 0; j <= i; ++j)
          if (jac[j] != nullptr) G[i * mm + j] += dot32(uw, jac[j] + c0, len);
        continue;
      }
      for (int64_t c = 0; c < len; ++c) uww[c] = uw[c] * w[c];
      for (int j = 0; j <= i; ++j) {
        if (jac[j] == nullptr) continue;
        float g1, g2;
        dot2(uw, uww, jac[j] + c0, len, g1, g2);
        G[i * mm + j] += g1;
        G2[i * k + j] += g2;
      }
    }
  }
}

__attribute__((target_clones("arch=haswell", "default"))) void apply_impl(
    float* p, const float* m, const float* v, const float* const* jac, const float* cf, int k,
    int64_t n, float lr_wd, float ss, float isb, float eps, float lr, float floor) {
  float s0[kChunk], w[kChunk], corr[kChunk];
  for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
    const int64_t len = std::min(kChunk, n - c0);
    metric_chunk(p + c0, m + c0, v + c0, len, lr_wd, ss, isb, eps, lr, floor, s0, w);
    for (int64_t c = 0; c < len; ++c) corr[c] = 0.0f;
    for (int e = 0; e < k; ++e) {
      if (jac[e] == nullptr) continue;
      const float ce = cf[e];
      const float* je = jac[e] + c0;
      for (int64_t c = 0; c < len; ++c) corr[c] += ce * je[c];
    }
    float* pc = p + c0;
    for (int64_t c = 0; c < len; ++c) pc[c] += s0[c] - w[c] * corr[c];
  }
}

std::vector<float> to_float(const double* x, int k) { return std::vector<float>(x, x + k); }

}  // namespace

double moments(TensorView& t, const Hyper& h, const double* force, int k) {
  const auto f = force != nullptr ? to_float(force, k) : std::vector<float>();
  return moments_impl(t.exp_avg, t.exp_avg_sq, t.grad, t.jac.data(), f.data(),
                      force != nullptr ? k : 0, t.n, static_cast<float>(h.beta1),
                      static_cast<float>(h.beta2), static_cast<float>(1 - h.beta1),
                      static_cast<float>(1 - h.beta2), static_cast<float>(t.inv_sqrt_bc2),
                      static_cast<float>(h.eps));
}

void gram(const TensorView& t, const Hyper& h, double floor, int m, int k, double* G, double* G2,
          double* us0) {
  gram_impl(t.param, t.exp_avg, t.exp_avg_sq, t.jac.data(), m, k, t.n,
            static_cast<float>(h.lr * h.weight_decay), static_cast<float>(t.step_size),
            static_cast<float>(t.inv_sqrt_bc2), static_cast<float>(h.eps), static_cast<float>(h.lr),
            static_cast<float>(floor > h.eps ? floor : 0.0), G, G2, us0);
}

void apply(TensorView& t, const Hyper& h, double floor, int k, const double* c) {
  const auto cf = to_float(c, k);
  apply_impl(t.param, t.exp_avg, t.exp_avg_sq, t.jac.data(), cf.data(), k, t.n,
             static_cast<float>(h.lr * h.weight_decay), static_cast<float>(t.step_size),
             static_cast<float>(t.inv_sqrt_bc2), static_cast<float>(h.eps),
             static_cast<float>(h.lr), static_cast<float>(floor > h.eps ? floor : 0.0));
}

}  // namespace galt::fused
