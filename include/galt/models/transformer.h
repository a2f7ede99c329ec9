// A small causal transformer over token ids — the carrier of the channels
// work (DESIGN §7) and the language model of the graph-parallel work
// (DESIGN §4): token and learned position embeddings, `layers` pre-norm
// layers (transformer_layer.h), a final RMSNorm and an untied unembedding.
//
//   torch::manual_seed(1);
//   galt::models::CausalTransformer lm({.vocab = 96, .context = 64,
//                                       .width = 64, .layers = 4, .heads = 4});
//   at::Tensor logits = lm->forward(tokens);        // [N, T] int64 -> [N, T, vocab]
//   auto blocks = lm->blocks();                     // "embed", "layer1", …, "head"
//   // one torch::optim::OptimizerParamGroup per block → galt::Optimizer
//
// Blocks (DESIGN §1): "embed" (token and position tables), one block per
// `layers_per_block` consecutive layers ("layer1", or "layers1-2"), and
// "head" (final norm gain, unembedding) — every trainable tensor in exactly
// one block. chain() cuts the model at the same places (DESIGN §4): stage 0
// maps token ids to the residual stream [N, T, width], each layer group maps
// the stream to the stream, the last stage maps it to logits, so a block can
// train on an upstream message and a forward edge can be evaluated through
// one block.
//
// The linear maps are not tapped (linear_tap.h): the per-example Jacobian
// trick is written for [N, in] inputs; the transformer's edges take their
// Jacobians by autograd.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "galt/graph/block_chain.h"
#include "galt/models/classifier.h"
#include "galt/models/transformer_layer.h"

namespace galt::models {

struct TransformerOptions {
  int64_t vocab = 128;           ///< token ids 0 … vocab−1
  int64_t context = 64;          ///< longest sequence
  int64_t width = 64;            ///< residual stream width
  int64_t layers = 4;            ///< pre-norm layers
  int64_t heads = 4;             ///< attention heads (divides width)
  int64_t ff_multiplier = 4;     ///< feed-forward hidden width = ff_multiplier · width
  int64_t layers_per_block = 1;  ///< consecutive layers per block (divides layers)
};

/// Throws galt::InputError naming the field unless every size is ≥ 1, heads
/// divides width and layers_per_block divides layers.
void check_transformer_options(const TransformerOptions& o);

class CausalTransformerImpl : public torch::nn::Module {
 public:
  explicit CausalTransformerImpl(TransformerOptions options);

  /// [N, T] int64 token ids, 1 ≤ T ≤ context, every id in [0, vocab) ->
  /// [N, T, vocab] logits; position t's logits depend on tokens 0 … t only.
  /// Throws galt::InputError for any other input.
  at::Tensor forward(const at::Tensor& tokens);
  /// The residual stream after `layer` layers, [N, T, width]: 0 is the
  /// embedding, `layers` the input of the final norm. Throws InputError for
  /// a layer outside [0, layers].
  at::Tensor forward_features(const at::Tensor& tokens, int64_t layer);

  /// "embed", the layer groups, "head" (tensors with requires_grad off are
  /// left out, a block left empty is dropped).
  std::vector<ParamBlock> blocks();
  /// One stage per block of blocks() when no tensor is frozen; nullopt
  /// otherwise (a frozen tensor would leave a stage without its block).
  std::optional<BlockChain> chain();
  /// Deep copy: same options, weights, requires_grad flags, train/eval mode,
  /// device and dtype; torch's global generator is left untouched.
  std::shared_ptr<CausalTransformerImpl> clone_model() const;

  const TransformerOptions& options() const { return options_; }
  /// The number of trainable scalars, by formula (tests check it against
  /// the tensors): V·W + C·W + L·(2W + 4W² + 2·F·W + F + W) + W + V·W, F the
  /// feed-forward width.
  int64_t parameter_count() const;

  at::Tensor token_embedding;     ///< [vocab, width]
  at::Tensor position_embedding;  ///< [context, width]
  std::vector<TransformerLayer> layer_modules;
  RMSNorm final_norm{nullptr};
  at::Tensor unembedding;  ///< [vocab, width]

 private:
  at::Tensor project(const at::Tensor& stream);

  TransformerOptions options_;
};
TORCH_MODULE(CausalTransformer);

}  // namespace galt::models
