// Internal: the k×k weighted Gram matrix U·diag(w)·Uᵀ of a k×d row block
// with k small and d large (DESIGN §2.3: forming U A⁻¹ Uᵀ dominates the local
// solve).
#pragma once

#include <ATen/core/Tensor.h>

namespace galt {

/// G = u·diag(w)·uᵀ in double, for u [k, d] and w [d] of one dtype. On CPU
/// float32 a cache-blocked loop (float partial sums over chunks of 2048
/// columns, accumulated in double) replaces `(u*w)·uᵀ`, which costs a k×d
/// temporary and a GEMM that OpenBLAS runs slowly for this shape
/// (docs/PERFORMANCE.md); other dtypes and devices use torch::mm.
at::Tensor weighted_gram(const at::Tensor& u, const at::Tensor& w);

}  // namespace galt
