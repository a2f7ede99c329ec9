// A-GEM on the update (src/train/methods/agem.cpp): on a toy problem whose
// new task pulls against the memory, the AdamW step would raise the memory
// loss to first order; A-GEM's step has no component along the memory
// gradient left, and is the AdamW step minus exactly that component.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "galt/models/mlp.h"
#include "galt/train/continual_method.h"
#include "train/method_driver.h"
#include "train/synthetic_data.h"

namespace galt::train {
namespace {

struct ToyProblem {
  ProtocolConfig p = testing::tiny_protocol({"agem"});
  data::TrainTest data = testing::synthetic_data();
  models::ClassifierPtr init;
  std::vector<AnchorSet> anchors;
  at::Tensor x, y;  // a batch of the new task (classes 2, 3)

  ToyProblem() {
    init = testing::initial_model(p, 4);
    AnchorSet a;  // the memory: 12 rows of classes 0, 1
    a.task = 0;
    std::tie(a.x, a.y) = rows({0, 1}, 6);
    a.mask = seen(2);
    torch::NoGradGuard no_grad;
    a.logits = init->forward(a.x);
    a.target = torch::softmax(masked_logits(a.logits, a.mask), 1) * a.mask.to(torch::kFloat);
    anchors.push_back(a);
    std::tie(x, y) = rows({2, 3}, 8);
  }
  std::pair<at::Tensor, at::Tensor> rows(std::vector<int64_t> classes, int64_t per) {
    std::vector<at::Tensor> idx;
    for (auto c : classes)
      idx.push_back(torch::nonzero(data.train.labels == c).flatten().narrow(0, 0, per));
    const auto i = torch::cat(idx);
    return {data.train.images.index_select(0, i), data.train.labels.index_select(0, i)};
  }
  static at::Tensor seen(int64_t n) {
    auto m = torch::zeros({10}, torch::kBool);
    m.narrow(0, 0, n).fill_(true);
    return m;
  }
  // One step of `method` on the new task's batch, from the initial model, at
  // task 1 (class-incremental, classes 0–3 seen); returns θ_new − θ_old.
  at::Tensor step_of(const std::string& method, const MethodOptions& o) {
    std::vector<AnchorSet> memory;
    ComputeCounters counters;
    TrainingContext ctx;
    ctx.model = init->clone_model();
    ctx.protocol = &p;
    ctx.anchors = &memory;
    ctx.counters = &counters;
    ctx.seen_mask = seen(4);
    auto m = make_method(method, o, p);
    m->begin(ctx);
    memory = anchors;
    m->end_task(ctx);
    ctx.task = 1;
    m->begin_task(ctx);
    const auto before = testing::flat_parameters(*ctx.model).clone();
    m->train_step(ctx, x, y);
    return testing::flat_parameters(*ctx.model) - before;
  }
  // The memory loss at the initial model, and its gradient (flat).
  std::pair<double, at::Tensor> memory_loss(const at::Tensor& delta = {}) {
    auto model = init->clone_model();
    if (delta.defined()) {
      torch::NoGradGuard no_grad;
      int64_t off = 0;
      for (const auto& b : model->blocks())
        for (auto t : b.params) {
          t.add_(delta.narrow(0, off, t.numel()).view_as(t));
          off += t.numel();
        }
    }
    const auto& a = anchors[0];
    const auto mask = seen(4).unsqueeze(0).expand({a.x.size(0), 10});
    const auto loss = masked_cross_entropy(model->forward(a.x), a.y, mask);
    std::vector<at::Tensor> params;
    for (const auto& b : model->blocks())
      for (const auto& t : b.params) params.push_back(t);
    std::vector<at::Tensor> g;
    for (const auto& t : torch::autograd::grad({loss}, params)) g.push_back(t.reshape({-1}));
    return {loss.item<double>(), torch::cat(g)};
  }
};

TEST(AGEM, ProjectedUpdateDoesNotRaiseTheMemoryLossToFirstOrder) {
  ToyProblem toy;
  // ref_batch ≥ the memory's 12 rows: g_ref is the whole memory's gradient.
  const auto agem = toy.step_of("agem", {{"ref_batch", 64}});
  const auto adamw = toy.step_of("adamw", {});
  const auto [loss0, g_ref] = toy.memory_loss();
  const double scale = agem.norm().item<double>() * g_ref.norm().item<double>();
  ASSERT_GT(scale, 0.0);
  // The toy conflicts: the plain AdamW step would raise the memory loss.
  EXPECT_GT(adamw.dot(g_ref).item<double>(),
            1e-3 * adamw.norm().item<double>() * g_ref.norm().item<double>());
  // A-GEM's step: ⟨Δθ, g_ref⟩ ≤ 0 up to rounding ...
  EXPECT_LE(agem.dot(g_ref).item<double>(), 1e-6 * scale);
  // ... and it is the AdamW step without its component along g_ref.
  const auto want = adamw - adamw.dot(g_ref) / g_ref.dot(g_ref) * g_ref;
  EXPECT_TRUE(torch::allclose(agem, want, 1e-4, 1e-8));
  // So the memory loss rises less than after the AdamW step.
  EXPECT_LT(toy.memory_loss(agem).first, toy.memory_loss(adamw).first);
}

TEST(AGEM, WithoutMemoryItIsTheAdamWStep) {
  ToyProblem toy;
  toy.anchors.clear();
  EXPECT_TRUE(torch::equal(toy.step_of("agem", {}), toy.step_of("adamw", {})));
}

}  // namespace
}  // namespace galt::train
