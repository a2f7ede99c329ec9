#include <gtest/gtest.h>
#include <torch/torch.h>

#include "galt/error.h"
#include "galt/graph/constraint_graph.h"
#include "galt/graph/linear_tap.h"

namespace galt {
namespace {

TEST(ConstraintGraph, RejectsBadBlocks) {
  ConstraintGraph g;
  auto w = torch::zeros({2}, torch::requires_grad());
  g.add_block(Block("a", {w}));
  EXPECT_THROW(g.add_block(Block("a", {torch::zeros({1}, torch::requires_grad())})), InputError);
  EXPECT_THROW(g.add_block(Block("", {w})), InputError);
  EXPECT_THROW(g.add_block(Block("empty", {})), InputError);
  EXPECT_THROW(g.add_block(Block("ints", {torch::zeros({2}, torch::kInt64)})), InputError);
  EXPECT_THROW(g.add_block(Block("nonleaf", {w * 2})), InputError);
}

TEST(ConstraintGraph, RejectsBadEdges) {
  ConstraintGraph g;
  auto w = torch::zeros({2}, torch::requires_grad());
  g.add_block(Block("a", {w}));
  auto v = [&] { return w.sum(); };
  EXPECT_THROW(g.add_edge({.name = "", .value = v}), InputError);
  EXPECT_THROW(g.add_edge({.name = "x", .blocks = {"b"}, .value = v}), InputError);
  EXPECT_THROW(g.add_edge({.name = "x", .blocks = {"a", "a"}, .value = v}), InputError);
  EXPECT_THROW(g.add_edge({.name = "x", .lambda_init = -1, .value = v}), InputError);
  EXPECT_THROW(g.add_edge({.name = "x"}), InputError);  // no closure
  g.add_edge({.name = "x", .value = v});
  EXPECT_THROW(g.add_edge({.name = "x", .value = v}), InputError);
  EXPECT_EQ(g.touched_blocks(0), std::vector<int>{0});
}

TEST(ConstraintGraph, FamiliesValidateRows) {
  ConstraintGraph g;
  auto w = torch::zeros({2}, torch::requires_grad());
  g.add_block(Block("a", {w}));
  EdgeFamily f;
  f.edges = {{.name = "p"}, {.name = "q"}};
  f.values = [&] { return torch::stack({w.sum(), w.sum()}); };
  f.rows = {3};
  EXPECT_THROW(g.add_family(f), InputError);
  f.rows = {3, 0};
  EXPECT_THROW(g.add_family(f), InputError);
  f.rows = {3, 3};
  EXPECT_EQ(g.add_family(f), 0);
  EXPECT_EQ(g.sources()[1].slot, 1);
  g.remove_edge("p");
  EXPECT_EQ(g.families().size(), 1u);
  g.remove_edge("q");
  EXPECT_EQ(g.families().size(), 0u);
}

TEST(LinearTap, RecordsOnlyWhileARecorderIsActive) {
  auto x = torch::randn({4, 3});
  auto w = torch::randn({2, 3}, torch::requires_grad());
  auto b = torch::zeros({2}, torch::requires_grad());
  tapped_linear(x, w, b);
  TapRecorder outer;
  {
    TapRecorder inner;
    auto y = tapped_linear(x, w, b);
    EXPECT_EQ(inner.taps().size(), 1u);
    EXPECT_TRUE(torch::allclose(y, x.mm(w.t()) + b));
  }
  EXPECT_EQ(outer.taps().size(), 0u);
  tapped_linear(x, w, b);
  EXPECT_EQ(outer.taps().size(), 1u);
}

}  // namespace
}  // namespace galt
