// galt::family_jacobians: the per-example trick (DESIGN §2.3) and the
// k-pass fallback both equal per-edge autograd Jacobians, and the passes are
// counted honestly.
#include "galt/solve/family_jacobians.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "galt/error.h"
#include "galt/graph/linear_tap.h"

namespace galt {
namespace {

// A two-layer net whose linear maps are tapped; `scale` (optional) enters
// outside every tap, which rules the trick out.
struct Net {
  at::Tensor w1 = (torch::randn({12, 6}) * 0.4).requires_grad_(true);
  at::Tensor b1 = (torch::randn({12}) * 0.1).requires_grad_(true);
  at::Tensor w2 = (torch::randn({4, 12}) * 0.4).requires_grad_(true);
  at::Tensor b2 = (torch::randn({4}) * 0.1).requires_grad_(true);
  at::Tensor scale = torch::ones({1}).requires_grad_(true);
  bool use_scale = false;
  at::Tensor forward(const at::Tensor& x) const {
    auto y = tapped_linear(torch::tanh(tapped_linear(x, w1, b1)), w2, b2);
    return use_scale ? y * scale : y;
  }
  std::vector<at::Tensor> params() const { return {w1, b1, w2, b2, scale}; }
};

// Edge i: mean over its own rows of the softmax mass on class i % 4.
EdgeFamily family_of(const Net& net, const at::Tensor& x, const std::vector<int64_t>& rows,
                     bool with_rows) {
  EdgeFamily f;
  for (size_t i = 0; i < rows.size(); ++i) f.edges.push_back({.name = "e" + std::to_string(i)});
  if (with_rows) f.rows = rows;
  f.values = [&net, x, rows] {
    const auto p = torch::softmax(net.forward(x), 1);
    std::vector<at::Tensor> v;
    int64_t off = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      v.push_back(p.narrow(0, off, rows[i]).select(1, static_cast<int64_t>(i % 4)).mean());
      off += rows[i];
    }
    return torch::stack(v);
  };
  return f;
}

// Reference: one autograd pass per edge, each from a fresh forward.
at::Tensor autograd_jacobian(const EdgeFamily& f, int slot, const at::Tensor& wrt) {
  const auto v = f.values()[slot];
  auto g = torch::autograd::grad({v}, {wrt}, {}, false, false, true)[0];
  return g.defined() ? g : torch::zeros_like(wrt);
}

void expect_equal_to_autograd(const EdgeFamily& f, const std::vector<at::Tensor>& wrt,
                              const FamilyJacobians& fj) {
  ASSERT_EQ(fj.matrices.size(), wrt.size());
  for (size_t r = 0; r < fj.slots.size(); ++r) {
    EXPECT_DOUBLE_EQ(fj.values[r], f.values()[fj.slots[r]].item<double>());
    for (size_t t = 0; t < wrt.size(); ++t) {
      const auto want = autograd_jacobian(f, fj.slots[r], wrt[t]);
      const auto got = fj.jacobian(r, t, wrt[t]);
      EXPECT_TRUE(torch::allclose(got, want, 1e-5, 1e-7))
          << "edge slot " << fj.slots[r] << ", tensor " << t << ": max |Δ| "
          << (got - want).abs().max().item<double>();
    }
  }
}

TEST(FamilyJacobians, PerExampleTrickEqualsAutogradWithOneBackwardPass) {
  torch::manual_seed(5);
  Net net;
  const std::vector<int64_t> rows(5, 3);
  const auto x = torch::randn({15, 6});
  const auto f = family_of(net, x, rows, /*with_rows=*/true);
  const std::vector<at::Tensor> wrt{net.w1, net.b1, net.w2, net.b2};
  ComputeCounters c;
  const auto fj = family_jacobians(f, wrt, c);
  EXPECT_TRUE(fj.per_example);
  EXPECT_EQ(c.edge_evaluations, 1);
  EXPECT_EQ(c.backward_passes, 1);
  EXPECT_EQ(c.jacobian_rows, 5);
  EXPECT_EQ(c.per_example_jacobians, 5);
  for (size_t t = 0; t < wrt.size(); ++t) {
    ASSERT_TRUE(fj.matrices[t].defined());
    EXPECT_EQ(fj.matrices[t].size(0), 5);
    EXPECT_EQ(fj.matrices[t].size(1), wrt[t].numel());
  }
  expect_equal_to_autograd(f, wrt, fj);
}

TEST(FamilyJacobians, WithoutRowsTakesOneAutogradPassPerEdge) {
  torch::manual_seed(6);
  Net net;
  const std::vector<int64_t> rows(4, 2);
  const auto x = torch::randn({8, 6});
  const auto f = family_of(net, x, rows, /*with_rows=*/false);
  const std::vector<at::Tensor> wrt{net.w1, net.b1, net.w2, net.b2};
  ComputeCounters c;
  const auto fj = family_jacobians(f, wrt, c);
  EXPECT_FALSE(fj.per_example);
  EXPECT_EQ(c.edge_evaluations, 1);
  EXPECT_EQ(c.backward_passes, 4);
  EXPECT_EQ(c.jacobian_rows, 4);
  EXPECT_EQ(c.per_example_jacobians, 0);
  expect_equal_to_autograd(f, wrt, fj);
}

TEST(FamilyJacobians, UnequalRowsAndASubsetOfSlots) {
  torch::manual_seed(7);
  Net net;
  const std::vector<int64_t> rows{2, 5, 1, 4};
  const auto x = torch::randn({12, 6});
  const auto f = family_of(net, x, rows, /*with_rows=*/true);
  const std::vector<at::Tensor> wrt{net.w2, net.b1};
  ComputeCounters c;
  const auto fj = family_jacobians(f, wrt, c, {1, 3});
  EXPECT_TRUE(fj.per_example);
  EXPECT_EQ(fj.slots, (std::vector<int>{1, 3}));
  EXPECT_EQ(c.backward_passes, 1);
  EXPECT_EQ(c.per_example_jacobians, 2);
  EXPECT_EQ(fj.matrices[0].size(0), 2);
  expect_equal_to_autograd(f, wrt, fj);
}

TEST(FamilyJacobians, ATensorOutsideEveryTapFallsBackToAutograd) {
  torch::manual_seed(8);
  Net net;
  net.use_scale = true;
  const std::vector<int64_t> rows(3, 4);
  const auto x = torch::randn({12, 6});
  const auto f = family_of(net, x, rows, /*with_rows=*/true);
  const auto wrt = net.params();
  ComputeCounters c;
  const auto fj = family_jacobians(f, wrt, c);
  EXPECT_FALSE(fj.per_example);
  EXPECT_EQ(c.backward_passes, 3);
  EXPECT_EQ(c.per_example_jacobians, 0);
  expect_equal_to_autograd(f, wrt, fj);
}

TEST(FamilyJacobians, FrozenTensorHasNoMatrix) {
  torch::manual_seed(9);
  Net net;
  const auto frozen = net.w1.detach();  // same values, no gradient
  const std::vector<int64_t> rows(2, 3);
  const auto x = torch::randn({6, 6});
  const auto f = family_of(net, x, rows, /*with_rows=*/true);
  ComputeCounters c;
  const auto fj = family_jacobians(f, {frozen, net.b2}, c);
  EXPECT_FALSE(fj.matrices[0].defined());
  EXPECT_TRUE(torch::equal(fj.jacobian(0, 0, frozen), torch::zeros_like(frozen)));
  ASSERT_TRUE(fj.matrices[1].defined());
  EXPECT_EQ(c.backward_passes, 1);
}

TEST(FamilyJacobians, NanValueIsAClearErrorBeforeAnyBackwardPass) {
  Net net;
  const auto x = torch::randn({4, 6});
  EdgeFamily f;
  f.edges = {{.name = "fine"}, {.name = "broken"}};
  f.rows = {2, 2};
  f.values = [&] {
    const auto y = net.forward(x).sum(1);
    return torch::stack({y.narrow(0, 0, 2).mean(), y.narrow(0, 2, 2).mean() * std::nan("")});
  };
  ComputeCounters c;
  try {
    family_jacobians(f, net.params(), c);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("broken"), std::string::npos) << e.what();
  }
  EXPECT_EQ(c.backward_passes, 0);
}

TEST(FamilyJacobians, WrongShapeOrSlotIsAClearError) {
  Net net;
  EdgeFamily f;
  f.edges = {{.name = "a"}, {.name = "b"}};
  f.values = [] { return torch::zeros({3}); };
  ComputeCounters c;
  EXPECT_THROW(family_jacobians(f, net.params(), c), InputError);
  f.values = [] { return torch::zeros({2}); };
  EXPECT_THROW(family_jacobians(f, net.params(), c, {2}), InputError);
  EXPECT_THROW(family_jacobians(f, net.params(), c, {0, 0}), InputError);
  f.rows = {1};
  EXPECT_THROW(family_jacobians(f, net.params(), c), InputError);
}

}  // namespace
}  // namespace galt
