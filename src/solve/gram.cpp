#include "solve/gram.h"

#include <torch/torch.h>

#include <algorithm>

namespace galt {

namespace {

// G[i][j] += Σ_c u[i][c]·w[c]·u[j][c] for j ≤ i, one chunk of columns at a
// time so every pair reuses it from cache. Compiled for AVX2 and a portable
// default; eight independent lanes vectorise without reassociation.
__attribute__((target_clones("avx2", "default"))) void weighted_gram_lower(
    const float* u, const float* w, int64_t k, int64_t d, int64_t ld, double* g) {
  constexpr int64_t kChunk = 2048;
  float uw[kChunk];
  for (int64_t c0 = 0; c0 < d; c0 += kChunk) {
    const int64_t n = std::min(kChunk, d - c0);
    for (int64_t i = 0; i < k; ++i) {
      const float* ui = u + i * ld + c0;
      for (int64_t c = 0; c < n; ++c) uw[c] = ui[c] * w[c0 + c];
      for (int64_t j = 0; j <= i; ++j) {
        const float* uj = u + j * ld + c0;
        float lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        int64_t c = 0;
        for (; c + 8 <= n; c += 8)
          for (int l = 0; l < 8; ++l) lane[l] += uw[c + l] * uj[c + l];
        float s = 0.0f;
        for (; c < n; ++c) s += uw[c] * uj[c];
        for (int l = 0; l < 8; ++l) s += lane[l];
        g[i * k + j] += s;
      }
    }
  }
}

}  // namespace

at::Tensor weighted_gram(const at::Tensor& u, const at::Tensor& w) {
  if (!u.device().is_cpu() || u.scalar_type() != torch::kFloat32 ||
      w.scalar_type() != torch::kFloat32 || u.stride(1) != 1 || !w.is_contiguous()) {
    return torch::mm(u * w, u.t()).to(torch::kFloat64);
  }
  const int64_t k = u.size(0), d = u.size(1);
  auto g = torch::zeros({k, k}, torch::kFloat64);
  double* gp = g.data_ptr<double>();
  weighted_gram_lower(u.data_ptr<float>(), w.data_ptr<float>(), k, d, u.stride(0), gp);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = i + 1; j < k; ++j) gp[i * k + j] = gp[j * k + i];
  return g;
}

}  // namespace galt
