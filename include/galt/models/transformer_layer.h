// The pieces of the small causal transformer (transformer.h): RMSNorm,
// causal multi-head self-attention, the GELU feed-forward map and the
// pre-norm residual layer built from them. Public so that the channels'
// routed experts (DESIGN §7) can reuse them.
//
// Every piece maps a residual stream [N, T, width] to [N, T, width]; rows of
// different examples never mix, and position t only sees positions ≤ t.
// Initialisation (GPT-2's): weights N(0, 0.02), the two maps that write into
// the residual stream (attention output, feed-forward projection) N(0, 0.02 /
// √(2·layers)), biases 0, norm gains 1 — drawn from torch's global generator,
// so torch::manual_seed(s) before construction gives a reproducible model.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

namespace galt::models {

/// y = x / √(mean(x²) + eps) · gain, over the last dimension.
class RMSNormImpl : public torch::nn::Module {
 public:
  explicit RMSNormImpl(int64_t width, double eps = 1e-6);
  at::Tensor forward(const at::Tensor& x);
  at::Tensor gain;  ///< [width], initialised to 1

 private:
  double eps_;
};
TORCH_MODULE(RMSNorm);

/// Causal self-attention with `heads` heads of width/heads each, one fused
/// q/k/v map and an output map (no biases). Padding after a sequence's end
/// needs no mask: an earlier position never attends to a later one.
class CausalSelfAttentionImpl : public torch::nn::Module {
 public:
  /// Throws galt::InputError unless width ≥ 1, heads ≥ 1 and heads divides width.
  CausalSelfAttentionImpl(int64_t width, int64_t heads, double out_init_std);
  at::Tensor forward(const at::Tensor& x);
  /// The attention weights [N, heads, T, T] (rows sum to 1, zero above the
  /// diagonal) of the last forward(), when `keep_attention` was set.
  at::Tensor last_attention;
  bool keep_attention = false;
  at::Tensor qkv_weight;  ///< [3·width, width]: rows q, then k, then v
  at::Tensor out_weight;  ///< [width, width]

 private:
  int64_t width_, heads_;
};
TORCH_MODULE(CausalSelfAttention);

/// x ↦ W₂ gelu(W₁ x + b₁) + b₂, hidden width `hidden`.
class FeedForwardImpl : public torch::nn::Module {
 public:
  FeedForwardImpl(int64_t width, int64_t hidden, double out_init_std);
  at::Tensor forward(const at::Tensor& x);
  at::Tensor fc_weight, fc_bias;      ///< [hidden, width], [hidden]
  at::Tensor proj_weight, proj_bias;  ///< [width, hidden], [width]
};
TORCH_MODULE(FeedForward);

/// One pre-norm layer: x + attn(norm₁ x), then h + ff(norm₂ h).
class TransformerLayerImpl : public torch::nn::Module {
 public:
  /// `layers` is the depth of the whole model (it scales the init of the two
  /// maps that write into the residual stream).
  TransformerLayerImpl(int64_t width, int64_t heads, int64_t hidden, int64_t layers);
  at::Tensor forward(const at::Tensor& x);
  RMSNorm norm1{nullptr}, norm2{nullptr};
  CausalSelfAttention attention{nullptr};
  FeedForward feed_forward{nullptr};
};
TORCH_MODULE(TransformerLayer);

}  // namespace galt::models
