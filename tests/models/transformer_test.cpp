// CausalTransformer: shapes, causality, blocks and chain, seeded init, deep
// clone, bad input, and that it learns a task only attention can solve.
#include <galt/error.h>
#include <galt/models/transformer.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

namespace galt::models {
namespace {

TransformerOptions small() {
  TransformerOptions o;
  o.vocab = 20;
  o.context = 16;
  o.width = 32;
  o.layers = 4;
  o.heads = 4;
  return o;
}

TEST(Transformer, ShapesAndParameterCount) {
  torch::manual_seed(0);
  CausalTransformer lm(small());
  const auto tokens = torch::randint(0, 20, {3, 11}, torch::kLong);
  EXPECT_EQ(lm->forward(tokens).sizes(), (std::vector<int64_t>{3, 11, 20}));
  EXPECT_EQ(lm->forward_features(tokens, 0).sizes(), (std::vector<int64_t>{3, 11, 32}));
  int64_t counted = 0;
  for (const auto& p : lm->parameters()) counted += p.numel();
  EXPECT_EQ(counted, lm->parameter_count());
}

TEST(Transformer, PositionSeesOnlyThePast) {
  torch::manual_seed(1);
  CausalTransformer lm(small());
  auto a = torch::randint(0, 20, {2, 12}, torch::kLong);
  auto b = a.clone();
  b.index_put_({torch::indexing::Slice(), 7}, (a.index({torch::indexing::Slice(), 7}) + 1) % 20);
  const auto la = lm->forward(a), lb = lm->forward(b);
  using torch::indexing::Slice;
  EXPECT_TRUE(torch::equal(la.index({Slice(), Slice(0, 7)}), lb.index({Slice(), Slice(0, 7)})));
  EXPECT_FALSE(torch::allclose(la.index({Slice(), 7}), lb.index({Slice(), 7})));
  // A shorter input gives the same logits on its positions (right padding
  // needs no mask).
  const auto prefix = lm->forward(a.index({Slice(), Slice(0, 5)}));
  EXPECT_TRUE(torch::allclose(prefix, la.index({Slice(), Slice(0, 5)}), 1e-5, 1e-6));
}

TEST(Transformer, AttentionIsCausalAndNormalised) {
  torch::manual_seed(2);
  CausalTransformer lm(small());
  lm->layer_modules[0]->attention->keep_attention = true;
  lm->forward(torch::randint(0, 20, {2, 9}, torch::kLong));
  const auto att = lm->layer_modules[0]->attention->last_attention;
  ASSERT_EQ(att.sizes(), (std::vector<int64_t>{2, 4, 9, 9}));
  EXPECT_TRUE(torch::allclose(att.sum(-1), torch::ones({2, 4, 9})));
  EXPECT_EQ(att.triu(1).abs().max().item<float>(), 0.0f);
}

TEST(Transformer, BlocksCoverEveryTensorOnce) {
  auto o = small();
  o.layers_per_block = 2;
  torch::manual_seed(3);
  CausalTransformer lm(o);
  const auto blocks = lm->blocks();
  std::vector<std::string> names;
  for (const auto& b : blocks) names.push_back(b.name);
  EXPECT_EQ(names, (std::vector<std::string>{"embed", "layers1-2", "layers3-4", "head"}));
  std::set<const void*> seen;
  size_t n = 0;
  for (const auto& b : blocks) {
    for (const auto& p : b.params) {
      seen.insert(p.unsafeGetTensorImpl());
      ++n;
    }
  }
  EXPECT_EQ(n, seen.size());
  EXPECT_EQ(n, lm->parameters().size());
  for (const auto& p : lm->parameters()) EXPECT_TRUE(seen.count(p.unsafeGetTensorImpl()));
}

TEST(Transformer, ChainEqualsForwardAndUsesTheBlocksTensors) {
  torch::manual_seed(4);
  CausalTransformer lm(small());
  auto chain = lm->chain();
  ASSERT_TRUE(chain.has_value());
  ASSERT_EQ(chain->size(), lm->blocks().size());
  EXPECT_EQ(chain->out_dim, (std::vector<int64_t>{32, 32, 32, 32, 32, 20}));
  const auto tokens = torch::randint(0, 20, {3, 10}, torch::kLong);
  EXPECT_TRUE(torch::equal(chain->forward(tokens), lm->forward(tokens)));
  // A change to a block's tensor changes the stage (shared storage) ...
  {
    torch::NoGradGuard no_grad;
    lm->blocks()[5].params[1].add_(0.1);  // head: the unembedding
  }
  EXPECT_TRUE(torch::equal(chain->forward(tokens), lm->forward(tokens)));
  // ... and stage v's gradient reaches block v's tensors only.
  const auto z = chain->stages[0](tokens).detach().requires_grad_(true);
  chain->stages[1](z).sum().backward();
  const auto blocks = lm->blocks();
  for (size_t v = 0; v < blocks.size(); ++v) {
    for (const auto& p : blocks[v].params) {
      EXPECT_EQ(p.grad().defined() && p.grad().abs().sum().item<double>() > 0, v == 1)
          << blocks[v].name;
    }
  }
  // A frozen tensor leaves no chain.
  lm->token_embedding.set_requires_grad(false);
  EXPECT_FALSE(lm->chain().has_value());
  EXPECT_EQ(lm->blocks()[0].params.size(), 1u);
}

TEST(Transformer, SeededInitAndIndependentClone) {
  torch::manual_seed(5);
  CausalTransformer a(small());
  torch::manual_seed(5);
  CausalTransformer b(small());
  const auto tokens = torch::randint(0, 20, {2, 8}, torch::kLong);
  EXPECT_TRUE(torch::equal(a->forward(tokens), b->forward(tokens)));
  a->layer_modules[1]->feed_forward->fc_bias.set_requires_grad(false);
  a->eval();
  torch::manual_seed(6);
  const auto expected_next = torch::rand({3});
  torch::manual_seed(6);
  auto c = a->clone_model();
  EXPECT_TRUE(torch::equal(torch::rand({3}), expected_next));  // generator untouched
  EXPECT_TRUE(torch::equal(c->forward(tokens), a->forward(tokens)));
  EXPECT_FALSE(c->is_training());
  EXPECT_FALSE(c->layer_modules[1]->feed_forward->fc_bias.requires_grad());
  {
    torch::NoGradGuard no_grad;
    c->unembedding.add_(1.0);
  }
  EXPECT_FALSE(torch::equal(c->forward(tokens), a->forward(tokens)));
}

TEST(Transformer, BadInputIsAnInputError) {
  CausalTransformer lm(small());
  EXPECT_THROW(lm->forward(torch::zeros({2, 17}, torch::kLong)), InputError);    // > context
  EXPECT_THROW(lm->forward(torch::zeros({2, 4})), InputError);                   // float
  EXPECT_THROW(lm->forward(torch::zeros({8}, torch::kLong)), InputError);        // 1-D
  EXPECT_THROW(lm->forward(torch::full({1, 3}, 20, torch::kLong)), InputError);  // id = vocab
  EXPECT_THROW(lm->forward(torch::full({1, 3}, -1, torch::kLong)), InputError);
  EXPECT_THROW(lm->forward_features(torch::zeros({1, 3}, torch::kLong), 5), InputError);
  auto o = small();
  o.heads = 5;
  EXPECT_THROW(CausalTransformer{o}, InputError);
  o = small();
  o.layers_per_block = 3;
  EXPECT_THROW(CausalTransformer{o}, InputError);
  o = small();
  o.vocab = 0;
  EXPECT_THROW(CausalTransformer{o}, InputError);
}

// Copy the token 3 positions back: no single position's embedding can
// answer, so a model that reaches near-zero loss attends.
TEST(Transformer, LearnsToCopyFromThePast) {
  torch::manual_seed(7);
  auto o = small();
  o.layers = 2;
  CausalTransformer lm(o);
  torch::optim::Adam adam(lm->parameters(), torch::optim::AdamOptions(3e-3));
  auto loss_on = [&](const at::Tensor& x) {
    using torch::indexing::Slice;
    const auto logits = lm->forward(x).index({Slice(), Slice(3)});
    return torch::nn::functional::cross_entropy(logits.reshape({-1, 20}),
                                                x.index({Slice(), Slice(0, -3)}).reshape({-1}));
  };
  const auto held_out = torch::randint(0, 20, {64, 16}, torch::kLong);
  const double before = loss_on(held_out).item<double>();
  for (int step = 0; step < 400; ++step) {
    adam.zero_grad();
    loss_on(torch::randint(0, 20, {32, 16}, torch::kLong)).backward();
    adam.step();
  }
  torch::NoGradGuard no_grad;
  const double after = loss_on(held_out).item<double>();
  EXPECT_GT(before, 2.5);  // ≈ ln 20 = 3.0 at init
  EXPECT_LT(after, 0.3) << "before " << before;
}

}  // namespace
}  // namespace galt::models
