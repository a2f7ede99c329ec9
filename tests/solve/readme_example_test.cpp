// The README's pipelined-GALT example, compiled and run: local steps between
// refreshes, a linearised safety edge, forward-consistency edges (DESIGN §4).
// It must train (loss falls) and hold its safety edge.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "galt/graph/linear_tap.h"
#include "galt/solve/family_jacobians.h"
#include "galt/solve/forward_edges.h"
#include "galt/solve/linearised_edges.h"
#include "galt/solve/local_objectives.h"
#include "galt/solve/optimizer.h"
#include "galt/solve/refresh_schedule.h"

namespace galt {
namespace {

TEST(ReadmeExample, PipelinedGaltTrainsAndHoldsItsSafetyEdge) {
  torch::manual_seed(0);
  const int64_t num_classes = 4;
  // A 3-block model: two hidden layers and a head, each one block.
  std::vector<at::Tensor> w{(torch::randn({32, 8}) * 0.3).requires_grad_(true),
                            (torch::randn({32, 32}) * 0.2).requires_grad_(true),
                            (torch::randn({4, 32}) * 0.2).requires_grad_(true)};
  std::vector<at::Tensor> b{torch::zeros({32}, torch::requires_grad()),
                            torch::zeros({32}, torch::requires_grad()),
                            torch::zeros({4}, torch::requires_grad())};
  BlockChain chain;
  for (int v = 0; v < 3; ++v)
    chain.stages.push_back([&, v](const at::Tensor& z) {
      auto y = tapped_linear(z, w[v], b[v]);
      return v < 2 ? torch::relu(y) : y;
    });
  chain.out_dim = {32, 32, 4};
  const std::vector<std::string> names{"fc1", "fc2", "head"};
  std::vector<at::Tensor> model_tensors;
  for (int v = 0; v < 3; ++v) model_tensors.insert(model_tensors.end(), {w[v], b[v]});
  const auto x_all = torch::randn({512, 8});
  const auto y_all = (x_all.narrow(1, 0, 2).sum(1) > 0).to(torch::kLong) +
                     2 * (x_all.narrow(1, 2, 2).sum(1) > 0).to(torch::kLong);
  const auto probe = torch::randn({64, 8});  // class 3 must keep ≤ 20 % mass here
  const OutputLoss loss = [](const at::Tensor& o, const at::Tensor& t) {
    return torch::nn::functional::cross_entropy(o, t);
  };

  // --- the README's code ---
  LocalObjectives local(chain, num_classes);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  std::vector<at::Tensor> all_block_tensors;
  for (size_t v = 0; v < 3; ++v) {
    std::vector<at::Tensor> ps{w[v], b[v]};
    if (v + 1 < 3)
      for (auto& t : local.head_parameters(v)) ps.push_back(t);
    all_block_tensors.insert(all_block_tensors.end(), ps.begin(), ps.end());
    groups.emplace_back(ps, std::make_unique<OptimizerOptions>(
                                OptimizerOptions(3e-3).weight_decay(0).name(names[v])));
  }
  Optimizer opt(std::move(groups));
  auto refresh = std::make_shared<RefreshSchedule>(RefreshOptions{.period = 5});
  LinearisedEdges lin(model_tensors);
  ForwardEdges fwd(chain, names);
  opt.add_callback(refresh);
  opt.add_callback(lin.callback());
  const double eps = 0.2;
  opt.add_constraint({.name = "safety", .margin = eps,
                      .message = lin.track("safety", eps, all_block_tensors)});
  for (auto& e : fwd.edges()) opt.add_constraint(e);
  EdgeFamily safety;
  safety.edges = {{.name = "safety", .margin = eps}};
  safety.values = [&] { return torch::softmax(chain.forward(probe), 1).select(1, 3).mean().reshape({1}); };
  safety.rows = {probe.size(0)};
  ComputeCounters counters;

  double first = 0, last = 0;
  int local_steps = 0;
  for (int64_t step = 0; step < 300; ++step) {
    const auto idx = torch::randint(0, 512, {64});
    const auto x = x_all.index_select(0, idx), y = y_all.index_select(0, idx);
    opt.zero_grad();
    LocalObjectives::Losses l;
    if (refresh->next(step)) {
      l = local.global(x, y, loss);
      l.total.backward();
      lin.refresh(safety, family_jacobians(safety, model_tensors, counters));
      fwd.refresh(x);
    } else {
      l = local.local(x, y, loss);
      l.total.backward();
      ++local_steps;
    }
    opt.step();
    (step == 0 ? first : last) = l.task.item<double>();
  }
  // --- end ---

  EXPECT_EQ(local_steps, 240);  // 4 of every 5 steps
  EXPECT_LT(last, 0.7 * first);
  const double mass = torch::softmax(chain.forward(probe), 1).select(1, 3).mean().item<double>();
  EXPECT_LE(mass, eps + 0.02);
  EXPECT_EQ(counters.per_example_jacobians, 60);  // one per refresh, by the per-example trick
  EXPECT_EQ(opt.graph().edges().size(), 3u);      // safety + 2 forward edges
}

}  // namespace
}  // namespace galt
