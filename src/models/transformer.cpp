// The small causal transformer (include/galt/models/transformer.h).
#include <galt/error.h>
#include <galt/models/transformer.h>
#include <torch/torch.h>

#include <sstream>
#include <string>

#include "models/global_rng_guard.h"

namespace galt::models {

void check_transformer_options(const TransformerOptions& o) {
  auto positive = [](int64_t v, const char* name) {
    if (v < 1) {
      throw InputError(std::string("transformer: ") + name + " = " + std::to_string(v) +
                       ", expected >= 1");
    }
  };
  positive(o.vocab, "vocab");
  positive(o.context, "context");
  positive(o.width, "width");
  positive(o.layers, "layers");
  positive(o.heads, "heads");
  positive(o.ff_multiplier, "ff_multiplier");
  positive(o.layers_per_block, "layers_per_block");
  if (o.width % o.heads != 0) {
    throw InputError("transformer: heads = " + std::to_string(o.heads) +
                     " does not divide width = " + std::to_string(o.width));
  }
  if (o.layers % o.layers_per_block != 0) {
    throw InputError("transformer: layers_per_block = " + std::to_string(o.layers_per_block) +
                     " does not divide layers = " + std::to_string(o.layers));
  }
}

CausalTransformerImpl::CausalTransformerImpl(TransformerOptions options) : options_(options) {
  check_transformer_options(options_);
  const int64_t w = options_.width;
  token_embedding = register_parameter("token_embedding", torch::empty({options_.vocab, w}));
  position_embedding =
      register_parameter("position_embedding", torch::empty({options_.context, w}));
  {
    torch::NoGradGuard no_grad;
    torch::nn::init::normal_(token_embedding, 0.0, 0.02);
    torch::nn::init::normal_(position_embedding, 0.0, 0.02);
  }
  for (int64_t l = 0; l < options_.layers; ++l) {
    layer_modules.push_back(register_module(
        "layer" + std::to_string(l + 1),
        TransformerLayer(w, options_.heads, options_.ff_multiplier * w, options_.layers)));
  }
  final_norm = register_module("final_norm", RMSNorm(w));
  unembedding = register_parameter("unembedding", torch::empty({options_.vocab, w}));
  torch::NoGradGuard no_grad;
  torch::nn::init::normal_(unembedding, 0.0, 0.02);
}

namespace {

void check_token_input(const at::Tensor& tokens, const TransformerOptions& o) {
  std::ostringstream s;
  if (!tokens.defined() || tokens.dim() != 2 || tokens.scalar_type() != torch::kLong ||
      tokens.size(0) < 1 || tokens.size(1) < 1 || tokens.size(1) > o.context) {
    s << "transformer: tokens ";
    if (tokens.defined()) {
      s << "of shape " << tokens.sizes() << " and type " << tokens.scalar_type();
    } else {
      s << "undefined";
    }
    s << ", expected [N, T] int64 with N >= 1 and 1 <= T <= " << o.context;
    throw InputError(s.str());
  }
  const int64_t lo = tokens.min().item<int64_t>(), hi = tokens.max().item<int64_t>();
  if (lo < 0 || hi >= o.vocab) {
    s << "transformer: token id " << (lo < 0 ? lo : hi) << " outside [0, " << o.vocab << ")";
    throw InputError(s.str());
  }
}

// Token rows plus the first T position rows: [N, T, width].
at::Tensor embed_tokens(const at::Tensor& tokens, const at::Tensor& token_table,
                        const at::Tensor& position_table) {
  const int64_t n = tokens.size(0), t = tokens.size(1);
  return token_table.index_select(0, tokens.reshape({-1})).view({n, t, token_table.size(1)}) +
         position_table.narrow(0, 0, t);
}

}  // namespace

at::Tensor CausalTransformerImpl::project(const at::Tensor& stream) {
  return torch::nn::functional::linear(final_norm->forward(stream), unembedding);
}

at::Tensor CausalTransformerImpl::forward(const at::Tensor& tokens) {
  check_token_input(tokens, options_);
  at::Tensor h = embed_tokens(tokens, token_embedding, position_embedding);
  for (auto& layer : layer_modules) h = layer->forward(h);
  return project(h);
}

at::Tensor CausalTransformerImpl::forward_features(const at::Tensor& tokens, int64_t layer) {
  if (layer < 0 || layer > options_.layers) {
    throw InputError("transformer: forward_features layer " + std::to_string(layer) +
                     " outside [0, " + std::to_string(options_.layers) + "]");
  }
  check_token_input(tokens, options_);
  at::Tensor h = embed_tokens(tokens, token_embedding, position_embedding);
  for (int64_t l = 0; l < layer; ++l) h = layer_modules[static_cast<size_t>(l)]->forward(h);
  return h;
}

std::vector<ParamBlock> CausalTransformerImpl::blocks() {
  std::vector<ParamBlock> out;
  auto add = [&out](std::string name, std::vector<at::Tensor> tensors) {
    ParamBlock b{std::move(name), {}};
    for (auto& t : tensors) {
      if (t.requires_grad()) b.params.push_back(t);
    }
    if (!b.params.empty()) out.push_back(std::move(b));
  };
  add("embed", {token_embedding, position_embedding});
  const int64_t g = options_.layers_per_block;
  for (int64_t first = 0; first < options_.layers; first += g) {
    std::vector<at::Tensor> tensors;
    for (int64_t l = first; l < first + g; ++l) {
      for (auto& p : layer_modules[static_cast<size_t>(l)]->parameters()) tensors.push_back(p);
    }
    add(g == 1 ? "layer" + std::to_string(first + 1)
               : "layers" + std::to_string(first + 1) + "-" + std::to_string(first + g),
        std::move(tensors));
  }
  add("head", {final_norm->gain, unembedding});
  return out;
}

std::optional<BlockChain> CausalTransformerImpl::chain() {
  for (const auto& p : parameters()) {
    if (!p.requires_grad()) return std::nullopt;
  }
  // The stages hold the model's own tensors and module holders (shared
  // storage), so updating a block updates what its stage computes.
  BlockChain c;
  const TransformerOptions o = options_;
  const at::Tensor tok = token_embedding, pos = position_embedding;
  c.stages.push_back([o, tok, pos](const at::Tensor& tokens) {
    check_token_input(tokens, o);
    return embed_tokens(tokens, tok, pos);
  });
  c.out_dim.push_back(o.width);
  const int64_t g = o.layers_per_block;
  for (int64_t first = 0; first < o.layers; first += g) {
    std::vector<TransformerLayer> group(layer_modules.begin() + first,
                                        layer_modules.begin() + first + g);
    c.stages.push_back([group](const at::Tensor& z) mutable {
      at::Tensor h = z;
      for (auto& layer : group) h = layer->forward(h);
      return h;
    });
    c.out_dim.push_back(o.width);
  }
  RMSNorm norm = final_norm;
  const at::Tensor unembed = unembedding;
  c.stages.push_back([norm, unembed](const at::Tensor& z) mutable {
    return torch::nn::functional::linear(norm->forward(z), unembed);
  });
  c.out_dim.push_back(o.vocab);
  return c;
}

std::shared_ptr<CausalTransformerImpl> CausalTransformerImpl::clone_model() const {
  std::shared_ptr<CausalTransformerImpl> copy;
  {
    detail::GlobalRngGuard keep_rng;  // the copy's own init is overwritten below
    copy = std::make_shared<CausalTransformerImpl>(options_);
  }
  copy->to(token_embedding.device(), token_embedding.scalar_type());
  const auto src = named_parameters(/*recurse=*/true);
  auto dst = copy->named_parameters(/*recurse=*/true);
  torch::NoGradGuard no_grad;
  for (const auto& item : src) {
    at::Tensor& d = dst[item.key()];
    d.copy_(item.value());
    d.set_requires_grad(item.value().requires_grad());
  }
  copy->train(is_training());
  return copy;
}

int64_t CausalTransformerImpl::parameter_count() const {
  const int64_t v = options_.vocab, c = options_.context, w = options_.width,
                f = options_.ff_multiplier * w;
  return v * w + c * w + options_.layers * (2 * w + 4 * w * w + 2 * f * w + f + w) + w + v * w;
}

}  // namespace galt::models
