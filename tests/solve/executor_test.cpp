// Executors and block schedules (DESIGN §4): colouring, concurrency, and the
// same result on every executor.
#include "galt/solve/executor.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>

#include "galt/error.h"
#include "galt/solve/optimizer.h"

namespace galt {
namespace {

// Four blocks in a chain a–b–c–d, an edge per neighbouring pair.
ConstraintGraph chain_graph(std::vector<at::Tensor>& ws) {
  ConstraintGraph g;
  const char* names[] = {"a", "b", "c", "d"};
  for (int i = 0; i < 4; ++i) {
    ws.push_back(torch::zeros({3}, torch::requires_grad()));
    g.add_block(Block(names[i], {ws.back()}));
  }
  for (int i = 0; i + 1 < 4; ++i)
    g.add_edge({.name = std::string("e") + names[i],
                .blocks = {names[i], names[i + 1]},
                .value = [] { return torch::zeros({}); }});
  return g;
}

TEST(BlockSchedule, NoTwoBlocksOfAColourShareAnEdge) {
  std::vector<at::Tensor> ws;
  const auto g = chain_graph(ws);
  const auto s = colour_blocks(g);
  EXPECT_EQ(s.num_colours(), 2);  // a chain is 2-colourable; greedy finds it
  EXPECT_EQ(s.colours[0], (std::vector<int>{0, 2}));
  EXPECT_EQ(s.colours[1], (std::vector<int>{1, 3}));
  for (const auto& colour : s.colours)
    for (size_t e = 0; e < g.edges().size(); ++e) {
      int inside = 0;
      for (int b : g.touched_blocks(static_cast<int>(e)))
        inside += std::count(colour.begin(), colour.end(), b) > 0;
      EXPECT_LE(inside, 1) << "edge " << e;
    }
  EXPECT_EQ(jacobi_schedule(4).num_colours(), 1);
  EXPECT_EQ(make_schedule(g, BlockOrder::kJacobi).colours[0].size(), 4u);
}

TEST(BlockSchedule, AnEdgeOverAllBlocksGivesEachBlockItsOwnColour) {
  ConstraintGraph g;
  std::vector<at::Tensor> ws;
  for (const char* n : {"a", "b", "c"}) {
    ws.push_back(torch::zeros({2}, torch::requires_grad()));
    g.add_block(Block(n, {ws.back()}));
  }
  g.add_edge({.name = "all", .value = [] { return torch::zeros({}); }});
  EXPECT_EQ(colour_blocks(g).num_colours(), 3);
}

TEST(ThreadExecutor, RunsTheBlocksOfAColourConcurrently) {
  // Each step waits (up to 10 s) until two steps are in flight at once; on a
  // serial executor this would time out and the count would stay 1.
  ThreadExecutor ex(2);
  std::atomic<int> in_flight{0}, max_seen{0};
  std::vector<int> colours_seen;
  BlockSchedule s{{{0, 1, 2, 3}, {4, 5}}};
  ex.run(
      s, [&](int c) { colours_seen.push_back(c); },
      [&](int) {
        const int now = ++in_flight;
        max_seen = std::max(max_seen.load(), now);
        const auto t0 = std::chrono::steady_clock::now();
        while (max_seen.load() < 2 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10))
          std::this_thread::yield();
        --in_flight;
      });
  EXPECT_EQ(max_seen.load(), 2);
  EXPECT_EQ(colours_seen, (std::vector<int>{0, 1}));
}

TEST(ThreadExecutor, ColoursRunInSequenceAndEveryBlockOnce) {
  ThreadExecutor ex(2);
  BlockSchedule s{{{0, 2, 4}, {1, 3}, {5}}};
  std::vector<std::atomic<int>> runs(6);
  std::atomic<int> done_before_colour{0};
  std::vector<int> done_at_colour;
  ex.run(
      s, [&](int) { done_at_colour.push_back(done_before_colour.load()); },
      [&](int b) {
        ++runs[b];
        ++done_before_colour;
      });
  for (auto& r : runs) EXPECT_EQ(r.load(), 1);
  EXPECT_EQ(done_at_colour, (std::vector<int>{0, 3, 5}));
}

TEST(ThreadExecutor, AnExceptionInAStepIsRethrown) {
  ThreadExecutor ex(2);
  BlockSchedule s{{{0, 1, 2, 3}, {4}}};
  std::atomic<int> ran{0};
  EXPECT_THROW(ex.run(
                   s, [](int) {},
                   [&](int b) {
                     ++ran;
                     if (b == 2) throw InputError("block 2 failed");
                   }),
               InputError);
  EXPECT_EQ(ran.load(), 4);  // its colour finished; the next one did not run
  ex.run(s, [](int) {}, [&](int) { ++ran; });  // and the pool still works
  EXPECT_EQ(ran.load(), 9);
}

// A 4-block model with one edge per neighbouring pair and one over all
// blocks; trains 30 steps and returns the parameters.
std::vector<at::Tensor> train(BlockOrder order, std::shared_ptr<Executor> ex, StepStats* last = nullptr) {
  torch::manual_seed(7);
  std::vector<at::Tensor> ws;
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (int i = 0; i < 4; ++i) {
    ws.push_back(torch::randn({64}).requires_grad_(true));
    groups.emplace_back(std::vector<at::Tensor>{ws.back()},
                        std::make_unique<OptimizerOptions>(
                            OptimizerOptions(1e-2).name("b" + std::to_string(i))));
  }
  SolverOptions so;
  so.order = order;
  Optimizer opt(std::move(groups), OptimizerOptions(1e-2), so);
  opt.set_executor(std::move(ex));
  for (int i = 0; i + 1 < 4; ++i) {
    auto a = ws[i], b = ws[i + 1];
    opt.add_constraint({.name = "pair" + std::to_string(i),
                        .sense = Sense::kEquality,
                        .margin = 0.3,
                        .blocks = {"b" + std::to_string(i), "b" + std::to_string(i + 1)},
                        .value = [a, b] { return (a * b).mean(); }});
  }
  opt.add_constraint({.name = "norm", .margin = 0.5, .value = [ws] {
                        return (ws[0].pow(2).mean() + ws[3].pow(2).mean()) / 2;
                      }});
  const auto target = torch::randn({64});
  for (int s = 0; s < 30; ++s) {
    opt.zero_grad();
    at::Tensor loss = torch::zeros({});
    for (auto& w : ws) loss = loss + (w - target).pow(2).mean();
    loss.backward();
    opt.step();
  }
  if (last) *last = opt.last_stats();
  EXPECT_GT(opt.counters().local_solves, 100);  // the edges were active
  std::vector<at::Tensor> out;
  for (auto& w : ws) out.push_back(w.detach().clone());
  return out;
}

TEST(Executor, SerialAndThreadedRunsAreBitIdentical) {
  for (auto order : {BlockOrder::kJacobi, BlockOrder::kGaussSeidel}) {
    StepStats st;
    const auto serial = train(order, std::make_shared<SerialExecutor>(), &st);
    const auto threaded = train(order, std::make_shared<ThreadExecutor>(2));
    for (size_t i = 0; i < serial.size(); ++i)
      EXPECT_TRUE(torch::equal(serial[i], threaded[i])) << to_string(order) << " block " << i;
    EXPECT_EQ(st.colours, order == BlockOrder::kJacobi ? 1 : 4);  // "norm" touches all 4
  }
  // Jacobi and Gauss–Seidel are different sweeps: they must not agree.
  const auto j = train(BlockOrder::kJacobi, std::make_shared<SerialExecutor>());
  const auto gs = train(BlockOrder::kGaussSeidel, std::make_shared<SerialExecutor>());
  EXPECT_FALSE(torch::equal(j[1], gs[1]));
}

// A process executor's receiving side, in one process: after each block's
// step the block is put back to its state before the step (and must save
// exactly that again), then given the state saved after it (BlockState). A
// `load` that failed to restore a tensor, or a `save` that missed part of the
// step's result, makes the run differ from the serial one. (That `save`
// covers the Adam state is checked across ranks: tests/dist, whose replica
// check fingerprints it.)
class ReloadingExecutor final : public Executor {
 public:
  std::string name() const override { return "reloading"; }
  int concurrency() const override { return 1; }
  void run(const BlockSchedule&, const std::function<void(int)>&,
           const std::function<void(int)>&) override {
    throw std::logic_error("the reloading executor needs the block state");
  }
  void run(const BlockSchedule& schedule, const std::function<void(int)>& before_colour,
           const std::function<void(int)>& step, const BlockState& state) override {
    auto copy = [](std::vector<at::Tensor> ts) {
      for (auto& t : ts) t = t.clone();
      return ts;
    };
    for (int c = 0; c < schedule.num_colours(); ++c) {
      before_colour(c);
      for (int b : schedule.colours[c]) {
        const auto before = copy(state.save(b));
        step(b);
        const auto after = copy(state.save(b));
        ASSERT_EQ(before.size(), after.size());
        for (size_t i = 0; i < before.size(); ++i) {
          ASSERT_EQ(before[i].sizes(), after[i].sizes()) << "block " << b << " tensor " << i;
          ASSERT_EQ(before[i].scalar_type(), after[i].scalar_type());
        }
        state.load(b, before);  // undo the step: every tensor must come back
        const auto undone = state.save(b);
        for (size_t i = 0; i < before.size(); ++i)
          ASSERT_TRUE(torch::equal(undone[i], before[i])) << "block " << b << " tensor " << i;
        state.load(b, after);
        ++reloads;
      }
    }
  }
  int reloads = 0;
};

TEST(Executor, TheBlockStateCarriesEverythingAStepWrites) {
  for (auto order : {BlockOrder::kJacobi, BlockOrder::kGaussSeidel}) {
    StepStats serial_stats, reloaded_stats;
    const auto serial = train(order, std::make_shared<SerialExecutor>(), &serial_stats);
    auto ex = std::make_shared<ReloadingExecutor>();
    const auto reloaded = train(order, ex, &reloaded_stats);
    EXPECT_EQ(ex->reloads, 4 * 30);
    for (size_t i = 0; i < serial.size(); ++i)
      EXPECT_TRUE(torch::equal(serial[i], reloaded[i])) << to_string(order) << " block " << i;
    for (size_t e = 0; e < serial_stats.edges.size(); ++e)
      EXPECT_EQ(serial_stats.edges[e].predicted_change, reloaded_stats.edges[e].predicted_change);
    for (size_t b = 0; b < serial_stats.blocks.size(); ++b) {
      EXPECT_EQ(serial_stats.blocks[b].active_edges, reloaded_stats.blocks[b].active_edges);
      EXPECT_EQ(serial_stats.blocks[b].correction_norm, reloaded_stats.blocks[b].correction_norm);
      EXPECT_EQ(serial_stats.blocks[b].colour, reloaded_stats.blocks[b].colour);
    }
  }
}

// Under Gauss–Seidel a later colour receives the edge value moved by the
// earlier one: two blocks, one linear equality x + y = 1, a very stiff edge.
// The first block's step nearly closes the gap; the second sees the moved
// value and leaves it closed. The summed prediction equals the measured
// change (the edge is linear).
TEST(Executor, GaussSeidelPassesMovedValuesToLaterColours) {
  auto x = torch::zeros({1}, torch::kFloat64).requires_grad_(true);
  auto y = torch::zeros({1}, torch::kFloat64).requires_grad_(true);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<at::Tensor>{x},
                      std::make_unique<OptimizerOptions>(OptimizerOptions(0.1).weight_decay(0).name("x")));
  groups.emplace_back(std::vector<at::Tensor>{y},
                      std::make_unique<OptimizerOptions>(OptimizerOptions(0.1).weight_decay(0).name("y")));
  SolverOptions so;
  so.order = BlockOrder::kGaussSeidel;
  so.trust.radius = 0;
  so.block.metric_floor = 0;
  Optimizer opt(std::move(groups), OptimizerOptions(0.1), so);
  opt.add_constraint({.name = "sum", .sense = Sense::kEquality, .rho_init = 100.0,
                      .value = [&] { return (x + y).sum() - 1.0; }});
  opt.zero_grad();
  (x.pow(2).sum() * 1e-3 + y.pow(2).sum() * 1e-3).backward();
  opt.step();
  const auto& st = opt.last_stats();
  ASSERT_EQ(st.colours, 2);
  const double moved = (x + y).sum().item<double>() - 0.0;
  EXPECT_NEAR(st.edges[0].predicted_change, moved, 1e-9);
  // Stiff edge: after one sweep C = x + y − 1 is close to 0; a Jacobi sweep
  // without scaling would overshoot to about +1.
  EXPECT_LT(std::abs((x + y).sum().item<double>() - 1.0), 0.05);
  // The second block moved much less than the first (it saw the gap closed).
  EXPECT_LT(std::abs(y.item<double>()), 0.1 * std::abs(x.item<double>()));
}

}  // namespace
}  // namespace galt
