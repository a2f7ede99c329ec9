// LoRA-MLP: starts as its base, base frozen, adapters and head train, taps,
// deep clone, validation.
#include <galt/error.h>
#include <galt/graph/linear_tap.h>
#include <galt/models/lora_mlp.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

namespace galt::models {
namespace {

MLP make_base(uint64_t seed = 0) {
  torch::manual_seed(seed);
  return MLP(std::vector<int64_t>{20, 16, 12, 4});
}

TEST(LoRAMLP, StartsAsItsBase) {
  auto base = make_base();
  LoRAMLP lora(*base, 3, 2.0);
  auto x = torch::rand({6, 20});
  EXPECT_TRUE(torch::allclose(lora->forward(x), base->forward(x), 1e-6, 1e-7));
  EXPECT_EQ(lora->num_layers(), 3);
  EXPECT_EQ(lora->rank(), 3);
  EXPECT_TRUE(lora->base_frozen());
}

TEST(LoRAMLP, BlocksAreAdaptersThenHead) {
  auto base = make_base();
  LoRAMLP lora(*base, 3);
  auto blocks = lora->blocks();
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0].name, "lora1");
  EXPECT_EQ(blocks[1].name, "lora2");
  EXPECT_EQ(blocks[2].name, "head");
  EXPECT_EQ(blocks[0].params[0].sizes(), (std::vector<int64_t>{3, 20}));  // A [r, in]
  EXPECT_EQ(blocks[0].params[1].sizes(), (std::vector<int64_t>{16, 3}));  // B [out, r]
  EXPECT_EQ(blocks[1].params[0].sizes(), (std::vector<int64_t>{3, 16}));
  EXPECT_TRUE(blocks[0].params[1].eq(0).all().item<bool>());  // B starts at zero
  EXPECT_GT(blocks[0].params[0].abs().sum().item<double>(), 0.0);
  EXPECT_EQ(blocks[2].params[0].sizes(), (std::vector<int64_t>{4, 12}));
  lora->unfreeze_base();
  blocks = lora->blocks();
  std::vector<std::string> names;
  for (const auto& b : blocks) names.push_back(b.name);
  EXPECT_EQ(names, (std::vector<std::string>{"base1", "lora1", "base2", "lora2", "head"}));
  lora->freeze_base();
  EXPECT_EQ(lora->blocks().size(), 3u);
}

TEST(LoRAMLP, BaseStaysFrozenWhileAdaptersAndHeadTrain) {
  auto base = make_base();
  LoRAMLP lora(*base, 2);
  std::vector<at::Tensor> frozen, trainable;
  for (const auto& p : lora->named_parameters()) {
    (p.key().rfind("base", 0) == 0 ? frozen : trainable).push_back(p.value());
  }
  ASSERT_EQ(frozen.size(), 4u);
  ASSERT_EQ(trainable.size(), 6u);
  std::vector<at::Tensor> before;
  for (const auto& t : frozen) before.push_back(t.clone());
  auto head_before = trainable.back().clone();

  auto x = torch::rand({32, 20});
  auto y = torch::randint(0, 4, {32}, torch::kInt64);
  torch::optim::Adam opt(lora->parameters(), torch::optim::AdamOptions(1e-2));
  for (int step = 0; step < 5; ++step) {
    opt.zero_grad();
    torch::nn::functional::cross_entropy(lora->forward(x), y).backward();
    for (const auto& t : frozen) EXPECT_FALSE(t.grad().defined());
    opt.step();
  }
  for (size_t i = 0; i < frozen.size(); ++i) EXPECT_TRUE(torch::equal(frozen[i], before[i]));
  EXPECT_FALSE(torch::equal(trainable.back(), head_before));
  // The adapters moved off zero, so the model no longer equals its base.
  EXPECT_FALSE(torch::allclose(lora->forward(x), base->forward(x), 1e-4, 1e-5));
}

TEST(LoRAMLP, IsIndependentOfItsBase) {
  auto base = make_base();
  LoRAMLP lora(*base, 2);
  auto x = torch::rand({3, 20});
  auto y0 = lora->forward(x).detach();
  {
    torch::NoGradGuard g;
    base->layer(0)->weight.mul_(-1.0);
  }
  EXPECT_TRUE(torch::equal(lora->forward(x), y0));
}

TEST(LoRAMLP, AdapterScaleIsAlphaOverRank) {
  auto base = make_base();
  LoRAMLP lora(*base, 4, 2.0);
  auto params = lora->named_parameters();
  {
    torch::NoGradGuard g;
    params["lora1_B"].fill_(0.1);
  }
  auto x = torch::rand({5, 20});
  auto h = torch::relu(torch::addmm(params["base1_bias"], x, params["base1_weight"].t()) +
                       0.5 * x.matmul(params["lora1_A"].t()).matmul(params["lora1_B"].t()));
  h = torch::relu(torch::addmm(params["base2_bias"], h, params["base2_weight"].t()));
  auto y = torch::addmm(params["head_bias"], h, params["head_weight"].t());
  EXPECT_TRUE(torch::allclose(lora->forward(x), y, 1e-5, 1e-6));
}

TEST(LoRAMLP, TapsCoverTheTrainableMaps) {
  auto base = make_base();
  LoRAMLP lora(*base, 2);
  auto x = torch::rand({4, 20});
  {
    TapRecorder rec;
    lora->forward(x);
    // Per hidden layer A and B, then the head; the frozen base is not tapped.
    ASSERT_EQ(rec.taps().size(), 5u);
    auto blocks = lora->blocks();
    EXPECT_TRUE(rec.taps()[0].weight.is_same(blocks[0].params[0]));
    EXPECT_TRUE(rec.taps()[1].weight.is_same(blocks[0].params[1]));
    EXPECT_FALSE(rec.taps()[1].bias.defined());
    EXPECT_TRUE(rec.taps()[4].weight.is_same(blocks[2].params[0]));
  }
  lora->unfreeze_base();
  TapRecorder rec;
  lora->forward(x);
  EXPECT_EQ(rec.taps().size(), 7u);
}

TEST(LoRAMLP, CloneIsDeep) {
  auto base = make_base();
  LoRAMLP lora(*base, 2);
  {
    torch::NoGradGuard g;
    lora->named_parameters()["lora2_B"].normal_();
  }
  torch::manual_seed(11);
  auto copy = std::dynamic_pointer_cast<LoRAMLPImpl>(lora->clone_model());
  auto next = torch::rand({3});
  torch::manual_seed(11);
  EXPECT_TRUE(torch::equal(torch::rand({3}), next)) << "clone_model drew random numbers";
  ASSERT_TRUE(copy);
  auto x = torch::rand({3, 20});
  EXPECT_TRUE(torch::equal(copy->forward(x), lora->forward(x)));
  EXPECT_TRUE(copy->base_frozen());
  EXPECT_EQ(copy->blocks().size(), 3u);
  auto a = lora->named_parameters(), b = copy->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (const auto& p : a) {
    EXPECT_NE(p.value().data_ptr(), b[p.key()].data_ptr()) << p.key();
    EXPECT_EQ(p.value().requires_grad(), b[p.key()].requires_grad()) << p.key();
  }
  {
    torch::NoGradGuard g;
    b["head_bias"].add_(1.0);
  }
  EXPECT_FALSE(torch::equal(copy->forward(x), lora->forward(x)));
}

TEST(LoRAMLP, BadArgumentsAreInputErrors) {
  auto base = make_base();
  EXPECT_THROW(LoRAMLP(*base, 0), InputError);
  EXPECT_THROW(LoRAMLP(*base, 2, 0.0), InputError);
  EXPECT_THROW(LoRAMLP(*base, 2, -1.0), InputError);
  MLP single(std::vector<int64_t>{20, 4});
  EXPECT_THROW(LoRAMLP(*single, 2), InputError);
  LoRAMLP lora(*base, 2);
  EXPECT_THROW(lora->forward(torch::rand({2, 19})), InputError);
}

}  // namespace
}  // namespace galt::models

namespace galt::models {
namespace {

TEST(LoRAMLP, ChainOfItsBlocksEqualsForward) {
  torch::manual_seed(0);
  MLP base(std::vector<int64_t>{20, 16, 12, 4});
  LoRAMLP lora(*base, 3);
  {
    torch::NoGradGuard g;  // non-zero adapters, so the chain's up-path matters
    for (auto& b : lora->blocks())
      for (auto& p : b.params) p.add_(torch::randn_like(p) * 0.1);
  }
  const auto c = lora->chain();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->size(), lora->blocks().size());
  const auto x = torch::rand({5, 20});
  EXPECT_TRUE(torch::allclose(c->forward(x), lora->forward(x), 1e-5, 1e-6));
  lora->unfreeze_base();
  EXPECT_FALSE(lora->chain().has_value());
}

}  // namespace
}  // namespace galt::models
