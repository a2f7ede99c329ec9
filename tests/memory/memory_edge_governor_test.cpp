// Memory edges governed by the ledger (DESIGN §6): a short continual run of
// a tiny linear model with anchor-KL memory edges.
#include "galt/memory/memory_edge_governor.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <map>

#include "galt/error.h"
#include "galt/solve/optimizer.h"
#include "memory/test_util.h"

namespace galt::memory {
namespace {

const std::vector<double> kClean = {-1, -1, -1, -1};

struct Task {
  torch::Tensor x, y;
};

Task make_task(int64_t seed, bool flipped) {
  torch::manual_seed(seed);
  auto x = torch::randn({128, 4});
  // Task labels: a linear rule; the second task flips it, so fitting it
  // forgets the first unless a memory edge holds the anchors.
  auto score = x.index({torch::indexing::Slice(), 0}) - x.index({torch::indexing::Slice(), 1});
  auto y = (score > 0).to(torch::kLong);
  if (flipped) y = 1 - y;
  return {x, y};
}

struct Anchors {
  torch::Tensor x, probs;  // the model's predictions when the task ended
};

double anchor_kl(torch::nn::Linear& model, const Anchors& a) {
  torch::NoGradGuard ng;
  auto logp = torch::log_softmax(model->forward(a.x), 1);
  return torch::kl_div(logp, a.probs, at::Reduction::Mean).item<double>() * a.probs.size(1);
}

void train(torch::nn::Linear& model, Optimizer& opt, const Task& t, int steps) {
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    torch::nn::functional::cross_entropy(model->forward(t.x), t.y).backward();
    opt.step();
  }
}

// The anchor-KL edge of one consolidated entry: the payload names the anchor
// set; KL(p_anchor ‖ p_model) ≤ margin.
MemoryEdgeGovernor::EdgeFactory anchor_edges(torch::nn::Linear& model,
                                             const std::map<std::string, Anchors>& anchors) {
  return [&model, &anchors](const EntryInfo& e, const std::string& payload) {
    const Anchors& a = anchors.at(payload);
    ConstraintEdge edge;
    edge.margin = 0.01;
    edge.value = [&model, &a] {
      auto logp = torch::log_softmax(model->forward(a.x), 1);
      return torch::kl_div(logp, a.probs, at::Reduction::Sum) / a.x.size(0);
    };
    (void)e;
    return edge;
  };
}

struct ContinualRun {
  testing::TempDir dir;
  torch::nn::Linear model{nullptr};
  std::unique_ptr<Optimizer> opt;
  std::unique_ptr<TraceLedger> ledger;
  std::map<std::string, Anchors> anchors;
  std::unique_ptr<MemoryEdgeGovernor> gov;
  EntryId task1 = 0;

  explicit ContinualRun(ResolvePolicy policy = ResolvePolicy::kRestore) {
    torch::manual_seed(0);
    model = torch::nn::Linear(4, 2);
    opt = std::make_unique<Optimizer>(model->parameters(), OptimizerOptions(0.05));
    LedgerOptions lo;
    lo.on_resolve = policy;
    ledger = std::make_unique<TraceLedger>(
        TraceLedger::create(dir.file("run.db"), lo, OpenOptions{.durable = false}));
    gov = std::make_unique<MemoryEdgeGovernor>(*ledger, *opt, anchor_edges(model, anchors));
    // Task 1, then its anchor buffer becomes a memory candidate.
    const Task t1 = make_task(1, false);
    train(model, *opt, t1, 150);
    {
      torch::NoGradGuard ng;
      anchors["task1"] = {t1.x.slice(0, 0, 32),
                          torch::softmax(model->forward(t1.x.slice(0, 0, 32)), 1)};
    }
    task1 = ledger->propose(2, "task1", "anchors of task 1");
  }
};

TEST(MemoryEdgeGovernor, EdgeExistsOnlyForConsolidatedAccessibleEntries) {
  ContinualRun r;
  EXPECT_TRUE(r.gov->sync().added.empty());  // proposed only
  r.ledger->adjudicate(r.task1, kClean);
  EXPECT_TRUE(r.gov->sync().added.empty());  // accepted, not consolidated
  r.ledger->consolidate(r.task1);
  EXPECT_EQ(r.gov->sync().added, std::vector<EntryId>{r.task1});
  const int id = r.opt->graph().edge_index(r.gov->edge_name(r.task1));
  ASSERT_GE(id, 0);
  EXPECT_EQ(r.opt->graph().edges()[id].channel, Channel::kMemory);
  EXPECT_TRUE(r.gov->sync().added.empty());  // idempotent

  // A rejected entry never gets an edge.
  const EntryId bad = r.ledger->propose(1, "task1");
  r.ledger->adjudicate(bad, {0.5, -1, -1, -1});
  EXPECT_THROW(r.ledger->consolidate(bad), InputError);
  EXPECT_TRUE(r.gov->sync().added.empty());
}

TEST(MemoryEdgeGovernor, ViolationsRemoveExactlyTheQuarantinedEdges) {
  ContinualRun r;
  r.ledger->adjudicate(r.task1, kClean);
  r.ledger->consolidate(r.task1);
  const EntryId low = r.ledger->propose(0, "task1", "a layer-0 memory");
  r.ledger->adjudicate(low, kClean);
  r.ledger->consolidate(low);
  r.gov->sync();
  // An unrelated safety edge the governor must never touch.
  ConstraintEdge safety;
  safety.name = "safety";
  safety.channel = Channel::kSafety;
  safety.layer = 0;
  safety.margin = 10.0;
  safety.value = [&r] { return r.model->weight.pow(2).sum(); };
  r.opt->add_constraint(safety);
  ASSERT_EQ(r.opt->graph().edges().size(), 3u);

  // Top-down: a violation at layer 3 (above both) removes nothing.
  const ViolationId top = r.gov->raise_violation(3, "preference broken");
  EXPECT_EQ(r.gov->governed().size(), 2u);
  // Bottom-up: layer 1 quarantines the layer-2 entry only.
  const ViolationId mid = r.gov->raise_violation(1, "consent withdrawn");
  EXPECT_EQ(r.gov->governed(), std::vector<EntryId>{low});
  EXPECT_LT(r.opt->graph().edge_index(r.gov->edge_name(r.task1)), 0);
  EXPECT_GE(r.opt->graph().edge_index(r.gov->edge_name(low)), 0);
  EXPECT_GE(r.opt->graph().edge_index("safety"), 0);
  r.gov->resolve_violation(mid);
  EXPECT_EQ(r.gov->governed().size(), 2u);
  r.gov->resolve_violation(top);
  EXPECT_EQ(r.opt->graph().edges().size(), 3u);
}

TEST(MemoryEdgeGovernor, ReadjudicationPolicyWaitsForTheRuling) {
  ContinualRun r(ResolvePolicy::kReadjudicate);
  r.ledger->adjudicate(r.task1, kClean);
  r.ledger->consolidate(r.task1);
  r.gov->sync();
  const ViolationId v = r.gov->raise_violation(0);
  EXPECT_TRUE(r.gov->governed().empty());
  r.gov->resolve_violation(v);
  EXPECT_TRUE(r.gov->governed().empty());  // waits for re-adjudication
  r.ledger->readjudicate(r.task1, kClean, false, "teacher: anchors are fine");
  EXPECT_EQ(r.gov->sync().added, std::vector<EntryId>{r.task1});
}

// The continual run: the memory edge holds task 1 while task 2 is learned;
// quarantining it lets task 2 overwrite task 1; resolving restores it and
// its multiplier.
TEST(MemoryEdgeGovernor, ContinualRunMemoryEdgeRetainsTask1OnlyWhileAccessible) {
  const Task t2 = make_task(2, true);
  double kl_governed = 0.0, kl_quarantined = 0.0;
  for (bool quarantine : {false, true}) {
    ContinualRun r;
    r.ledger->adjudicate(r.task1, kClean);
    r.ledger->consolidate(r.task1);
    r.gov->sync();
    if (quarantine) r.gov->raise_violation(1, "consent for task 1 data withdrawn");
    EXPECT_EQ(r.opt->graph().edges().size(), quarantine ? 0u : 1u);
    r.opt->begin_task();
    train(r.model, *r.opt, t2, 200);
    const double kl = anchor_kl(r.model, r.anchors.at("task1"));
    (quarantine ? kl_quarantined : kl_governed) = kl;
    if (!quarantine) {
      const int id = r.opt->graph().edge_index(r.gov->edge_name(r.task1));
      const double lambda = r.opt->duals().dual(id).lambda;
      EXPECT_GT(lambda, 0.0);  // the edge was binding
      // Quarantine and resolve: the edge comes back with its multiplier.
      const ViolationId v = r.gov->raise_violation(0);
      EXPECT_LT(r.opt->graph().edge_index(r.gov->edge_name(r.task1)), 0);
      r.gov->resolve_violation(v);
      const int back = r.opt->graph().edge_index(r.gov->edge_name(r.task1));
      ASSERT_GE(back, 0);
      EXPECT_DOUBLE_EQ(r.opt->duals().dual(back).lambda, lambda);
    }
  }
  std::printf("anchor KL after task 2: governed edge %.4f, quarantined %.4f\n", kl_governed,
              kl_quarantined);
  EXPECT_LT(kl_governed, 0.5 * kl_quarantined);
}

}  // namespace
}  // namespace galt::memory
