// ProcessExecutor: the same run as SerialExecutor, bit for bit, with the
// ranks on threads of this process (real Gloo over loopback; the
// multi-process runs are multi_process_test.cpp).
#include "galt/dist/process_executor.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>

#include "dist/local_ranks.h"
#include "galt/dist/replica_check.h"
#include "galt/error.h"

namespace galt::dist {
namespace {

using testing::rethrow_first;
using testing::run_ranks;

// Four vector blocks, an equality edge per neighbouring pair and an
// inequality over the ends (the pattern of tests/solve/executor_test.cpp):
// Gauss–Seidel colours {0, 2}, {1, 3}.
struct Problem {
  std::vector<at::Tensor> init;
  at::Tensor target;
};

Problem make_problem() {
  torch::manual_seed(7);
  Problem p;
  for (int i = 0; i < 4; ++i) p.init.push_back(torch::randn({64}));
  p.target = torch::randn({64});
  return p;
}

struct Outcome {
  std::vector<at::Tensor> params;
  std::vector<double> lambda, rho;
  int64_t local_solves = 0;
};

Outcome train(const Problem& p, BlockOrder order,
              const std::function<void(Optimizer&)>& setup = nullptr, int steps = 25) {
  std::vector<at::Tensor> ws;
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (int i = 0; i < 4; ++i) {
    ws.push_back(p.init[i].clone().requires_grad_(true));
    groups.emplace_back(
        std::vector<at::Tensor>{ws.back()},
        std::make_unique<OptimizerOptions>(OptimizerOptions(1e-2).name("b" + std::to_string(i))));
  }
  SolverOptions so;
  so.order = order;
  so.dual.inner_steps = 5;
  Optimizer opt(std::move(groups), OptimizerOptions(1e-2), so);
  for (int i = 0; i + 1 < 4; ++i) {
    auto a = ws[i], b = ws[i + 1];
    opt.add_constraint({.name = "pair" + std::to_string(i),
                        .sense = Sense::kEquality,
                        .margin = 0.3,
                        .blocks = {"b" + std::to_string(i), "b" + std::to_string(i + 1)},
                        .value = [a, b] { return (a * b).mean(); }});
  }
  opt.add_constraint({.name = "norm", .margin = 0.5, .blocks = {"b0", "b3"}, .value = [ws] {
                        return (ws[0].pow(2).mean() + ws[3].pow(2).mean()) / 2;
                      }});
  if (setup) setup(opt);
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    at::Tensor loss = torch::zeros({});
    for (auto& w : ws) loss = loss + (w - p.target).pow(2).mean();
    loss.backward();
    opt.step();
  }
  Outcome out;
  for (auto& w : ws) out.params.push_back(w.detach().clone());
  for (size_t e = 0; e < opt.duals().size(); ++e) {
    out.lambda.push_back(opt.duals().dual(static_cast<int>(e)).lambda);
    out.rho.push_back(opt.duals().dual(static_cast<int>(e)).rho);
  }
  out.local_solves = opt.counters().local_solves;
  return out;
}

void expect_same(const Outcome& a, const Outcome& b, const std::string& what) {
  ASSERT_EQ(a.params.size(), b.params.size());
  for (size_t i = 0; i < a.params.size(); ++i)
    EXPECT_TRUE(torch::equal(a.params[i], b.params[i])) << what << ": block " << i;
  EXPECT_EQ(a.lambda, b.lambda) << what;
  EXPECT_EQ(a.rho, b.rho) << what;
}

TEST(ProcessExecutor, MatchesSerialBitForBit) {
  const Problem p = make_problem();
  struct Case {
    BlockOrder order;
    int world;
    Partition partition;
  };
  for (const Case c : {Case{BlockOrder::kJacobi, 2, Partition::kContiguous},
                       Case{BlockOrder::kGaussSeidel, 2, Partition::kContiguous},
                       Case{BlockOrder::kJacobi, 3, Partition::kRoundRobin},
                       Case{BlockOrder::kGaussSeidel, 3, Partition::kContiguous}}) {
    const std::string what = std::string(to_string(c.order)) + " on " + std::to_string(c.world) +
                             " ranks, " + to_string(c.partition);
    const Outcome serial = train(p, c.order);
    ASSERT_GT(serial.local_solves, 50) << "the edges must be active for the test to mean much";
    std::vector<Outcome> ranks(c.world);
    std::vector<int64_t> stepped(c.world);
    rethrow_first(run_ranks(c.world, [&](std::shared_ptr<ProcessGroup> g) {
      std::shared_ptr<ProcessExecutor> ex;
      ranks[g->rank()] = train(p, c.order, [&](Optimizer& opt) {
        ex = distribute(opt, g, {.partition = c.partition}, /*check_every=*/5);
      });
      stepped[g->rank()] = ex->traffic().blocks_stepped;
      EXPECT_EQ(ex->traffic().broadcasts, 4 * 25);
    }));
    int64_t total = 0;
    for (int r = 0; r < c.world; ++r) {
      expect_same(serial, ranks[r], what + ", rank " + std::to_string(r));
      EXPECT_GT(stepped[r], 0) << what << ": rank " << r << " stepped nothing";
      total += stepped[r];
    }
    EXPECT_EQ(total, 4 * 25) << what << ": every block step ran on exactly one rank";
  }
}

TEST(ProcessExecutor, DistributeRefusesMoreRanksThanBlocks) {
  const auto errors = run_ranks(3, [](std::shared_ptr<ProcessGroup> g) {
    auto a = torch::zeros({2}, torch::requires_grad());
    auto b = torch::zeros({2}, torch::requires_grad());
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<at::Tensor>{a});
    groups.emplace_back(std::vector<at::Tensor>{b});
    Optimizer opt(std::move(groups));
    distribute(opt, g);
  });
  for (int r = 0; r < 3; ++r) {
    ASSERT_TRUE(errors[r]) << "rank " << r << " accepted 3 ranks for 2 blocks";
    try {
      std::rethrow_exception(errors[r]);
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("3 ranks for 2 blocks"), std::string::npos) << e.what();
    }
  }
}

// A step that throws on its owner: the colour's exchange still completes and
// every rank throws — the owner its own exception, the others an InputError
// naming the rank and the block.
TEST(ProcessExecutor, AFailedStepFailsEveryRankWithTheSameKind) {
  const auto errors = run_ranks(3, [](std::shared_ptr<ProcessGroup> g) {
    ProcessExecutor ex(g);
    std::vector<at::Tensor> value{torch::zeros({1}), torch::zeros({1}), torch::zeros({1})};
    BlockState state;
    state.save = [&](int b) { return std::vector<at::Tensor>{value[b]}; };
    state.load = [&](int b, const std::vector<at::Tensor>& in) { value[b].copy_(in[0]); };
    std::atomic<int> later{0};
    ex.run(
        BlockSchedule{{{0, 1, 2}, {0}}}, [](int) {},
        [&](int b) {
          if (b == 1) throw InputError("block 1 is broken");
          value[b] += 1;
        },
        state);
    ++later;  // never reached
  });
  for (int r = 0; r < 3; ++r) {
    ASSERT_TRUE(errors[r]) << "rank " << r << " did not fail";
    try {
      std::rethrow_exception(errors[r]);
    } catch (const InputError& e) {
      const std::string w = e.what();
      if (r == 1)
        EXPECT_EQ(w, "block 1 is broken");
      else
        EXPECT_NE(w.find("rank 1's step of block 1 failed: block 1 is broken"), std::string::npos)
            << w;
    }
  }
}

TEST(ProcessExecutor, RunWithoutABlockStateIsALogicError) {
  rethrow_first(run_ranks(1, [](std::shared_ptr<ProcessGroup> g) {
    ProcessExecutor ex(g);
    Executor& base = ex;
    EXPECT_THROW(base.run(
                     jacobi_schedule(1), [](int) {}, [](int) {}),
                 std::logic_error);
    EXPECT_EQ(ex.name(), "processes(1)");
  }));
}

TEST(ReplicaCheck, OneUlpOnOneRankIsCaughtOnEveryRank) {
  const Problem p = make_problem();
  const auto errors = run_ranks(2, [&](std::shared_ptr<ProcessGroup> g) {
    train(
        p, BlockOrder::kJacobi,
        [&](Optimizer& opt) {
          distribute(opt, g, {}, /*check_every=*/0);
          // Steps 1–4 agree; after step 4 rank 1 nudges one penalty.
          opt.add_callback(std::make_shared<StepCallback>([&opt, g](const StepStats& st) {
            if (st.step < 4) ReplicaCheck::check(*g, opt, st.step);  // agrees: no throw
            if (st.step == 4 && g->rank() == 1) {
              auto& d = opt.duals().dual(1);
              d.rho = std::nextafter(d.rho, 2 * d.rho);
            }
            if (st.step == 6) ReplicaCheck::check(*g, opt, st.step);
            return false;
          }));
        },
        /*steps=*/8);
  });
  for (int r = 0; r < 2; ++r) {
    ASSERT_TRUE(errors[r]) << "rank " << r << " missed the divergence";
    try {
      std::rethrow_exception(errors[r]);
    } catch (const ReplicaDivergence& e) {
      EXPECT_NE(std::string(e.what()).find(
                    "replicas diverged at step 6; rank 1 differs from rank 0 in the duals"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(ReplicaCheck, TheFingerprintSeesOneUlp) {
  const Problem p = make_problem();
  train(p, BlockOrder::kJacobi, [](Optimizer& opt) {
    opt.add_callback(std::make_shared<StepCallback>([&opt](const StepStats& st) {
      if (st.step != 3) return false;
      const auto before = fingerprint(opt);
      EXPECT_EQ(before.combined(), fingerprint(opt).combined());  // deterministic
      auto w = opt.graph().blocks()[2].params()[0];
      torch::NoGradGuard g;
      const float x = w[5].item<float>();
      w[5] = std::nextafter(x, 2 * x + 1);
      const auto after = fingerprint(opt);
      EXPECT_EQ(before.blocks[0], after.blocks[0]);
      EXPECT_NE(before.blocks[2], after.blocks[2]);
      EXPECT_EQ(before.duals, after.duals);
      w[5] = x;
      auto& d = opt.duals().dual(0);
      d.lambda = std::nextafter(d.lambda, 1.0);
      EXPECT_NE(before.duals, fingerprint(opt).duals);
      EXPECT_EQ(before.blocks[2], fingerprint(opt).blocks[2]);
      d.lambda = std::nextafter(d.lambda, -1.0);
      EXPECT_EQ(before.combined(), fingerprint(opt).combined());
      return false;
    }));
  });
}

}  // namespace
}  // namespace galt::dist
