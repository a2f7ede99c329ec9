// MLP: shapes, blocks, taps, seeded init, deep clone, and that it trains.
#include <galt/error.h>
#include <galt/graph/linear_tap.h>
#include <galt/models/mlp.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

namespace galt::models {
namespace {

TEST(MLP, ShapesAndBlocks) {
  torch::manual_seed(0);
  MLP net({784, 400, 400, 10});
  auto y = net->forward(torch::rand({5, 784}));
  EXPECT_EQ(y.sizes(), (std::vector<int64_t>{5, 10}));
  EXPECT_EQ(net->num_layers(), 3);
  const auto blocks = net->blocks();
  ASSERT_EQ(blocks.size(), 3u);
  const std::vector<std::vector<int64_t>> w = {{400, 784}, {400, 400}, {10, 400}};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(blocks[i].name, "fc" + std::to_string(i + 1));
    ASSERT_EQ(blocks[i].params.size(), 2u);
    EXPECT_EQ(blocks[i].params[0].sizes(), w[i]);
    EXPECT_EQ(blocks[i].params[1].sizes(), (std::vector<int64_t>{w[i][0]}));
    // The block's tensors are the module's own parameters.
    EXPECT_TRUE(blocks[i].params[0].is_same(net->layer(static_cast<int64_t>(i))->weight));
  }
  size_t total = 0;
  for (const auto& b : blocks) total += b.params.size();
  EXPECT_EQ(total, net->parameters().size());
}

TEST(MLP, ForwardIsReluMlp) {
  torch::manual_seed(1);
  MLP net({6, 5, 4, 3});
  auto x = torch::randn({7, 6});
  auto h = torch::relu(torch::addmm(net->layer(0)->bias, x, net->layer(0)->weight.t()));
  h = torch::relu(torch::addmm(net->layer(1)->bias, h, net->layer(1)->weight.t()));
  auto y = torch::addmm(net->layer(2)->bias, h, net->layer(2)->weight.t());
  EXPECT_TRUE(torch::allclose(net->forward(x), y, 1e-5, 1e-6));
  // forward_features: 0 = the input, k = after k hidden layers.
  EXPECT_TRUE(torch::equal(net->forward_features(x, 0), x));
  EXPECT_TRUE(torch::allclose(net->forward_features(x, 2), h, 1e-5, 1e-6));
  EXPECT_EQ(net->forward_features(x, 1).sizes(), (std::vector<int64_t>{7, 5}));
  EXPECT_THROW(net->forward_features(x, 3), InputError);
  EXPECT_THROW(net->forward_features(x, -1), InputError);
}

TEST(MLP, BadConfigAndInputAreInputErrors) {
  EXPECT_THROW(MLP(std::vector<int64_t>{784}), InputError);
  EXPECT_THROW(MLP(std::vector<int64_t>{784, 0, 10}), InputError);
  MLP net({4, 3, 2});
  EXPECT_THROW(net->forward(torch::rand({2, 5})), InputError);
  EXPECT_THROW(net->forward(torch::rand({4})), InputError);
}

TEST(MLP, SeededInitIsReproducibleAndTorchDefault) {
  torch::manual_seed(42);
  MLP a({784, 400, 10});
  torch::manual_seed(42);
  MLP b({784, 400, 10});
  torch::manual_seed(43);
  MLP c({784, 400, 10});
  EXPECT_TRUE(torch::equal(a->layer(0)->weight, b->layer(0)->weight));
  EXPECT_FALSE(torch::equal(a->layer(0)->weight, c->layer(0)->weight));
  // kaiming-uniform with a = sqrt(5): bound 1/sqrt(fan_in).
  const double bound = 1.0 / std::sqrt(784.0);
  EXPECT_LE(a->layer(0)->weight.abs().max().item<double>(), bound + 1e-7);
  EXPECT_GT(a->layer(0)->weight.abs().max().item<double>(), 0.9 * bound);
}

TEST(MLP, TapRecorderSeesEveryLayer) {
  MLP net({8, 6, 4, 3});
  auto x = torch::rand({5, 8});
  {
    TapRecorder rec;
    auto y = net->forward(x);
    ASSERT_EQ(rec.taps().size(), 3u);
    for (int64_t i = 0; i < 3; ++i) {
      const auto& tap = rec.taps()[static_cast<size_t>(i)];
      EXPECT_TRUE(tap.weight.is_same(net->layer(i)->weight));
      EXPECT_TRUE(tap.bias.is_same(net->layer(i)->bias));
      EXPECT_EQ(tap.input.size(0), 5);
      EXPECT_EQ(tap.output.size(1), net->layer(i)->weight.size(0));
    }
    EXPECT_TRUE(torch::equal(rec.taps()[0].input, x));
    EXPECT_TRUE(rec.taps()[2].output.is_same(y));
  }
  // forward_features taps the layers it runs.
  TapRecorder after;
  net->forward_features(x, 1);
  EXPECT_EQ(after.taps().size(), 1u);
}

TEST(MLP, CloneIsDeepAndKeepsTheRandomStream) {
  torch::manual_seed(5);
  MLP net({10, 8, 3});
  net->eval();
  torch::manual_seed(9);
  auto clone = std::dynamic_pointer_cast<MLPImpl>(net->clone_model());
  const auto after_clone = torch::rand({4});
  torch::manual_seed(9);
  EXPECT_TRUE(torch::equal(torch::rand({4}), after_clone)) << "clone_model drew random numbers";
  ASSERT_TRUE(clone);
  EXPECT_FALSE(clone->is_training());
  auto x = torch::rand({3, 10});
  EXPECT_TRUE(torch::equal(clone->forward(x), net->forward(x)));
  for (int64_t i = 0; i < 2; ++i) {
    EXPECT_NE(clone->layer(i)->weight.data_ptr(), net->layer(i)->weight.data_ptr());
    EXPECT_TRUE(clone->layer(i)->weight.requires_grad());
  }
  {
    torch::NoGradGuard g;
    clone->layer(0)->weight.add_(1.0);
  }
  EXPECT_FALSE(torch::equal(clone->forward(x), net->forward(x)));
  // Frozen tensors stay frozen in the copy and leave blocks().
  net->layer(0)->weight.set_requires_grad(false);
  auto frozen = std::dynamic_pointer_cast<MLPImpl>(net->clone_model());
  EXPECT_FALSE(frozen->layer(0)->weight.requires_grad());
  auto blocks = frozen->blocks();
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].params.size(), 1u);  // fc1: bias only
}

TEST(MLP, LearnsASmallProblem) {
  torch::manual_seed(3);
  MLP net({2, 16, 2});
  auto x = torch::randn({64, 2});
  auto y = (x.select(1, 0) * x.select(1, 1) > 0).to(torch::kInt64);  // XOR of signs
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(0.05));
  double first = 0, last = 0;
  for (int step = 0; step < 200; ++step) {
    opt.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item<double>();
  }
  EXPECT_LT(last, 0.5 * first);
}

}  // namespace
}  // namespace galt::models

namespace galt::models {
namespace {

TEST(MLP, ChainOfItsBlocksEqualsForward) {
  torch::manual_seed(4);
  MLP net({6, 5, 4, 3});
  const auto c = net->chain();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->size(), net->blocks().size());
  EXPECT_EQ(c->out_dim, (std::vector<int64_t>{5, 4, 3}));
  const auto x = torch::randn({7, 6});
  EXPECT_TRUE(torch::allclose(c->forward(x), net->forward(x)));
  // A frozen layer is no block: the chain no longer matches blocks().
  net->layer(0)->weight.set_requires_grad(false);
  net->layer(0)->bias.set_requires_grad(false);
  EXPECT_FALSE(net->chain().has_value());
}

}  // namespace
}  // namespace galt::models
