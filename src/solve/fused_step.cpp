#include "solve/fused_step.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace galt::fused {

namespace {

// Eight float lanes (GCC vector extension: one AVX register in the haswell
// clones, two SSE registers in the portable ones). Vectors only live inside
// functions and are passed by reference, so no ABI depends on them.
typedef float v8 __attribute__((vector_size(32)));
constexpr int64_t kLanes = 8;

// Columns per chunk: the chunk's s0, w and U W rows (k × 1 KiB) and the k
// Jacobian slices stay in L1 while every pair of edges reuses them.
constexpr int64_t kChunk = 256;

__attribute__((always_inline)) inline void load(v8& x, const float* p) {
  std::memcpy(&x, p, sizeof(v8));
}
__attribute__((always_inline)) inline void store(float* p, const v8& x) {
  std::memcpy(p, &x, sizeof(v8));
}
__attribute__((always_inline)) inline double hsum(const v8& x) {
  float t[kLanes];
  std::memcpy(t, &x, sizeof(v8));
  return (static_cast<double>(t[0]) + t[1] + t[2] + t[3]) + (static_cast<double>(t[4]) + t[5] + t[6] + t[7]);
}

// Σ a·b over n floats: eight lanes over the vector part, then the tail.
__attribute__((always_inline)) inline double dot(const float* a, const float* b, int64_t n) {
  v8 acc0 = {}, acc1 = {};
  int64_t c = 0;
  for (; c + 2 * kLanes <= n; c += 2 * kLanes) {
    v8 x0, y0, x1, y1;
    load(x0, a + c);
    load(y0, b + c);
    load(x1, a + c + kLanes);
    load(y1, b + c + kLanes);
    acc0 += x0 * y0;
    acc1 += x1 * y1;
  }
  for (; c + kLanes <= n; c += kLanes) {
    v8 x0, y0;
    load(x0, a + c);
    load(y0, b + c);
    acc0 += x0 * y0;
  }
  acc0 += acc1;
  double s = hsum(acc0);
  for (; c < n; ++c) s += static_cast<double>(a[c] * b[c]);
  return s;
}

struct Metric {
  float lr_wd, ss, isb, eps, lr, floor;
};

// D, s0 and w = η / max(D, floor) of one chunk, from the updated moments.
__attribute__((always_inline)) inline void metric_chunk(const float* p, const float* m,
                                                        const float* v, int64_t n, const Metric& q,
                                                        float* s0, float* w) {
  for (int64_t c = 0; c < n; ++c) {
    const float d = std::sqrt(v[c]) * q.isb + q.eps;
    s0[c] = -q.lr_wd * p[c] - q.ss * m[c] / d;
    w[c] = q.lr / std::max(d, q.floor);
  }
}

__attribute__((always_inline)) inline void weight_chunk(const float* v, int64_t n, const Metric& q,
                                                        float* w) {
  for (int64_t c = 0; c < n; ++c) {
    const float d = std::sqrt(v[c]) * q.isb + q.eps;
    w[c] = q.lr / std::max(d, q.floor);
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
    total += dot(d, d, len);
  }
  return total;
}

// G[i][j] += Σ_c (U W)[i][c] U[j][c] over one chunk for the rows i0..i0+3
// and the columns j0, j0+1: a 4×2 register tile (eight accumulators, six
// loads per eight multiply-adds, where a plain dot product needs two loads
// per multiply-add). Rows past the end point at a zero row and are not stored.
__attribute__((always_inline)) inline void gram_tile(const float* const* uw, const float* const* u,
                                                     int64_t nv, double* out) {
  v8 a00 = {}, a01 = {}, a10 = {}, a11 = {}, a20 = {}, a21 = {}, a30 = {}, a31 = {};
  const float *r0 = uw[0], *r1 = uw[1], *r2 = uw[2], *r3 = uw[3], *q0 = u[0], *q1 = u[1];
  for (int64_t c = 0; c < nv; c += kLanes) {
    v8 x0, x1, x2, x3, y0, y1;
    load(y0, q0 + c);
    load(y1, q1 + c);
    load(x0, r0 + c);
    load(x1, r1 + c);
    a00 += x0 * y0;
    a01 += x0 * y1;
    a10 += x1 * y0;
    a11 += x1 * y1;
    load(x2, r2 + c);
    load(x3, r3 + c);
    a20 += x2 * y0;
    a21 += x2 * y1;
    a30 += x3 * y0;
    a31 += x3 * y1;
  }
  // Transposed partial sums: out[a * 2 + b] (tails are added by the caller).
  out[0] = hsum(a00);
  out[1] = hsum(a01);
  out[2] = hsum(a10);
  out[3] = hsum(a11);
  out[4] = hsum(a20);
  out[5] = hsum(a21);
  out[6] = hsum(a30);
  out[7] = hsum(a31);
}

__attribute__((target_clones("arch=haswell", "default"))) void gram_impl(
    const float* p, const float* m, const float* v, const float* const* jac, int mm, int k,
    int64_t n, const Metric& q, double* G, double* G2, double* us0) {
  alignas(32) float s0[kChunk], w[kChunk], zero[kChunk] = {};
  const int rows = (mm + 3) / 4 * 4;  // padded to whole tiles
  std::vector<float> uw_buf(static_cast<size_t>(mm) * kChunk);
  std::vector<const float*> uw(static_cast<size_t>(rows), zero), u(static_cast<size_t>(rows), zero);
  for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
    const int64_t len = std::min(kChunk, n - c0);
    const int64_t nv = len / kLanes * kLanes;
    metric_chunk(p + c0, m + c0, v + c0, len, q, s0, w);
    for (int i = 0; i < mm; ++i) {
      if (jac[i] == nullptr) continue;
      const float* ji = jac[i] + c0;
      float* b = uw_buf.data() + static_cast<size_t>(i) * kChunk;
      for (int64_t c = 0; c < len; ++c) b[c] = ji[c] * w[c];
      uw[i] = b;
      u[i] = ji;
      us0[i] += dot(ji, s0, len);
    }
    for (int i0 = 0; i0 < mm; i0 += 4) {
      const int jend = std::min(i0 + 4, k);  // j ≤ i and j < k
      for (int j0 = 0; j0 < jend; j0 += 2) {
        double part[8];
        gram_tile(&uw[i0], &u[j0], nv, part);
        for (int a = 0; a < 4; ++a)
          for (int b = 0; b < 2; ++b) {
            const int i = i0 + a, j = j0 + b;
            if (i >= mm || j >= k || j > i || jac[i] == nullptr || jac[j] == nullptr) continue;
            double s = part[a * 2 + b];
            for (int64_t c = nv; c < len; ++c) s += static_cast<double>(uw[i][c] * u[j][c]);
            G[i * mm + j] += s;
          }
      }
    }
    if (G2 != nullptr)  // U W² Uᵀ = (U W)(U W)ᵀ over the acting rows
      for (int i = 0; i < k; ++i)
        for (int j = 0; j <= i; ++j)
          if (jac[i] != nullptr && jac[j] != nullptr) G2[i * k + j] += dot(uw[i], uw[j], len);
  }
}

// Σ_e c_e J_e[c] over the non-zero rows, vector part; writes x = w·corr.
__attribute__((target_clones("arch=haswell", "default"))) double apply_impl(
    float* p, const float* m, const float* v, const float* const* jac, const float* cf, int k,
    int64_t n, const Metric& q, double alpha, bool rescale_only) {
  alignas(32) float s0[kChunk], w[kChunk];
  double total = 0.0;
  const float af = static_cast<float>(alpha);
  for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
    const int64_t len = std::min(kChunk, n - c0);
    const int64_t nv = len / kLanes * kLanes;
    if (rescale_only)
      weight_chunk(v + c0, len, q, w);
    else
      metric_chunk(p + c0, m + c0, v + c0, len, q, s0, w);
    float* pc = p + c0;
    v8 sq = {};
    for (int64_t c = 0; c < nv; c += kLanes) {
      v8 corr = {};
      for (int e = 0; e < k; ++e) {
        v8 je;
        load(je, jac[e] + c0 + c);
        corr += cf[e] * je;
      }
      v8 wc, pv;
      load(wc, w + c);
      load(pv, pc + c);
      const v8 x = wc * corr;
      if (rescale_only) {
        pv += af * x;
      } else {
        v8 sv;
        load(sv, s0 + c);
        pv += sv - x;
        sq += x * x;
      }
      store(pc + c, pv);
    }
    double tail = 0.0;
    for (int64_t c = nv; c < len; ++c) {
      float corr = 0.0f;
      for (int e = 0; e < k; ++e) corr += cf[e] * jac[e][c0 + c];
      const float x = w[c] * corr;
      if (rescale_only) {
        pc[c] += af * x;
      } else {
        pc[c] += s0[c] - x;
        tail += static_cast<double>(x * x);
      }
    }
    if (!rescale_only) total += hsum(sq) + tail;
  }
  return total;
}

Metric metric_of(const TensorView& t, const Hyper& h, double floor) {
  return Metric{static_cast<float>(h.lr * h.weight_decay), static_cast<float>(t.step_size),
                static_cast<float>(t.inv_sqrt_bc2),       static_cast<float>(h.eps),
                static_cast<float>(h.lr),                  static_cast<float>(floor > h.eps ? floor : 0.0)};
}

// The non-zero rows among the first k and their coefficients as floats.
void nonzero_rows(const TensorView& t, int k, const double* c, std::vector<const float*>& rows,
                  std::vector<float>& cf) {
  for (int e = 0; e < k; ++e)
    if (t.jac[e] != nullptr) {
      rows.push_back(t.jac[e]);
      cf.push_back(static_cast<float>(c[e]));
    }
}

}  // namespace

double moments(TensorView& t, const Hyper& h, const double* force, int k) {
  const auto f = force != nullptr ? std::vector<float>(force, force + k) : std::vector<float>();
  return moments_impl(t.exp_avg, t.exp_avg_sq, t.grad, t.jac.data(), f.data(),
                      force != nullptr ? k : 0, t.n, static_cast<float>(h.beta1),
                      static_cast<float>(h.beta2), static_cast<float>(1 - h.beta1),
                      static_cast<float>(1 - h.beta2), static_cast<float>(t.inv_sqrt_bc2),
                      static_cast<float>(h.eps));
}

void gram(const TensorView& t, const Hyper& h, double floor, int m, int k, double* G, double* G2,
          double* us0) {
  gram_impl(t.param, t.exp_avg, t.exp_avg_sq, t.jac.data(), m, k, t.n, metric_of(t, h, floor), G,
            G2, us0);
}

double apply(TensorView& t, const Hyper& h, double floor, int k, const double* c) {
  std::vector<const float*> rows;
  std::vector<float> cf;
  nonzero_rows(t, k, c, rows, cf);
  return apply_impl(t.param, t.exp_avg, t.exp_avg_sq, rows.data(), cf.data(),
                    static_cast<int>(rows.size()), t.n, metric_of(t, h, floor), 0.0, false);
}

void rescale(TensorView& t, const Hyper& h, double floor, int k, const double* c, double alpha) {
  std::vector<const float*> rows;
  std::vector<float> cf;
  nonzero_rows(t, k, c, rows, cf);
  apply_impl(t.param, t.exp_avg, t.exp_avg_sq, rows.data(), cf.data(),
             static_cast<int>(rows.size()), t.n, metric_of(t, h, floor), alpha, true);
}

}  // namespace galt::fused
