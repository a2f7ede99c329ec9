// RMSNorm, causal self-attention, feed-forward, pre-norm layer
// (include/galt/models/transformer_layer.h).
#include <galt/error.h>
#include <galt/models/transformer_layer.h>
#include <torch/torch.h>

#include <cmath>
#include <string>

namespace galt::models {

namespace {

constexpr double kInitStd = 0.02;  // GPT-2's

at::Tensor normal_parameter(torch::nn::Module& m, const std::string& name,
                            std::vector<int64_t> shape, double std) {
  at::Tensor t = torch::empty(shape);
  torch::nn::init::normal_(t, 0.0, std);
  return m.register_parameter(name, t);
}

}  // namespace

RMSNormImpl::RMSNormImpl(int64_t width, double eps) : eps_(eps) {
  if (width < 1) throw InputError("RMSNorm: width " + std::to_string(width) + ", expected >= 1");
  gain = register_parameter("gain", torch::ones({width}));
}

at::Tensor RMSNormImpl::forward(const at::Tensor& x) {
  return x * torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + eps_) * gain;
}

CausalSelfAttentionImpl::CausalSelfAttentionImpl(int64_t width, int64_t heads, double out_init_std)
    : width_(width), heads_(heads) {
  if (width < 1 || heads < 1 || width % heads != 0) {
    throw InputError("CausalSelfAttention: " + std::to_string(heads) +
                     " heads do not divide width " + std::to_string(width));
  }
  qkv_weight = normal_parameter(*this, "qkv_weight", {3 * width, width}, kInitStd);
  out_weight = normal_parameter(*this, "out_weight", {width, width}, out_init_std);
}

at::Tensor CausalSelfAttentionImpl::forward(const at::Tensor& x) {
  const int64_t n = x.size(0), t = x.size(1), dh = width_ / heads_;
  // [N, T, 3W] → three [N, H, T, dh]
  auto qkv = torch::nn::functional::linear(x, qkv_weight).view({n, t, 3, heads_, dh});
  qkv = qkv.permute({2, 0, 3, 1, 4});
  const at::Tensor q = qkv[0], k = qkv[1], v = qkv[2];
  at::Tensor scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(dh));
  const at::Tensor future =
      torch::ones({t, t}, torch::TensorOptions().dtype(torch::kBool).device(x.device())).triu(1);
  scores = scores.masked_fill(future, -std::numeric_limits<double>::infinity());
  const at::Tensor attention = torch::softmax(scores, -1);
  if (keep_attention) last_attention = attention.detach();
  const at::Tensor mixed = torch::matmul(attention, v).transpose(1, 2).reshape({n, t, width_});
  return torch::nn::functional::linear(mixed, out_weight);
}

FeedForwardImpl::FeedForwardImpl(int64_t width, int64_t hidden, double out_init_std) {
  if (width < 1 || hidden < 1) {
    throw InputError("FeedForward: width " + std::to_string(width) + ", hidden " +
                     std::to_string(hidden) + ", expected both >= 1");
  }
  fc_weight = normal_parameter(*this, "fc_weight", {hidden, width}, kInitStd);
  fc_bias = register_parameter("fc_bias", torch::zeros({hidden}));
  proj_weight = normal_parameter(*this, "proj_weight", {width, hidden}, out_init_std);
  proj_bias = register_parameter("proj_bias", torch::zeros({width}));
}

at::Tensor FeedForwardImpl::forward(const at::Tensor& x) {
  namespace F = torch::nn::functional;
  return F::linear(torch::gelu(F::linear(x, fc_weight, fc_bias)), proj_weight, proj_bias);
}

TransformerLayerImpl::TransformerLayerImpl(int64_t width, int64_t heads, int64_t hidden,
                                           int64_t layers) {
  if (layers < 1) {
    throw InputError("TransformerLayer: model depth " + std::to_string(layers) + ", expected >= 1");
  }
  // The residual-writing maps are scaled down so the stream's variance does
  // not grow with depth (GPT-2's 1/√(2L)).
  const double out_std = kInitStd / std::sqrt(2.0 * static_cast<double>(layers));
  norm1 = register_module("norm1", RMSNorm(width));
  attention = register_module("attention", CausalSelfAttention(width, heads, out_std));
  norm2 = register_module("norm2", RMSNorm(width));
  feed_forward = register_module("feed_forward", FeedForward(width, hidden, out_std));
}

at::Tensor TransformerLayerImpl::forward(const at::Tensor& x) {
  const at::Tensor h = x + attention->forward(norm1->forward(x));
  return h + feed_forward->forward(norm2->forward(h));
}

}  // namespace galt::models
