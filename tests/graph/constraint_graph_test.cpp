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
  const auto ids = g.add_family(f);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(g.index_of(ids[0]), 0);
  EXPECT_EQ(g.sources()[1].slot, 1);
  g.remove_edge("p");
  EXPECT_EQ(g.families().size(), 1u);
  g.remove_edge("q");
  EXPECT_EQ(g.families().size(), 0u);
}

TEST(ConstraintGraph, EdgeIdsSurviveTheRemovalOfOtherEdges) {
  ConstraintGraph g;
  auto w = torch::zeros({2}, torch::requires_grad());
  g.add_block(Block("a", {w}));
  auto v = [&] { return w.sum(); };
  const EdgeId a = g.add_edge({.name = "a", .value = v});
  const EdgeId b = g.add_edge({.name = "b", .value = v});
  const EdgeId c = g.add_edge({.name = "c", .value = v});
  EXPECT_NE(a, b);
  g.remove_edge(b);
  EXPECT_EQ(g.index_of(b), -1);
  EXPECT_EQ(g.index_of(a), 0);
  EXPECT_EQ(g.index_of(c), 1);  // its index shifted, its id did not
  EXPECT_EQ(g.edges()[g.index_of(c)].name, "c");
  EXPECT_EQ(g.find_edge("c"), c);
  EXPECT_FALSE(g.find_edge("b").has_value());
  EXPECT_THROW(g.remove_edge(b), InputError);
  const EdgeId d = g.add_edge({.name = "b", .value = v});  // same name again: a new id
  EXPECT_NE(d, b);
  EXPECT_EQ(g.id_at(2), d);
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
