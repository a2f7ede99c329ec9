// A test-only stand-in for the runner (src/train/runner.cpp): trains one
// method over the first tasks of a protocol the way the runner does (the
// same init for every method, seeded batches, anchors frozen at each task's
// end with their logits, the safety probe from the training split), but with
// a context the test owns — so a test can watch every constraint evaluation
// (TrainingContext::constraint_observer) and look at the model afterwards.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "galt/data/split.h"
#include "galt/models/mlp.h"
#include "galt/train/continual_method.h"
#include "galt/train/runner.h"
#include "train/synthetic_data.h"

namespace galt::train::testing {

struct DrivenRun {
  models::ClassifierPtr model;     ///< after the last task
  std::vector<AnchorSet> anchors;  ///< one per finished task, frozen as the runner does
  ComputeCounters counters;
  std::vector<ConstraintObservation> seen;  ///< every constraint evaluation, in order
  int64_t steps = 0;
};

/// The initial model of seed `seed` for protocol `p` (784-hidden-10 MLP).
inline models::ClassifierPtr initial_model(const ProtocolConfig& p, uint64_t seed) {
  torch::manual_seed(seed);
  std::vector<int64_t> sizes{784};
  for (auto h : p.hidden) sizes.push_back(h);
  sizes.push_back(10);
  return std::make_shared<models::MLPImpl>(sizes);
}

/// Trains `method` (options `o`) on tasks 0..tasks−1 of `p` on `data`, seed
/// `seed`. p.safety decides whether the context has a safety probe.
inline DrivenRun drive(const std::string& method, const MethodOptions& o, const ProtocolConfig& p,
                       const data::TrainTest& data, int tasks, uint64_t seed = 0) {
  const auto split = data::split_by_classes(data, p.tasks, p.classes_per_task);
  std::vector<data::Dataset> train;
  for (const auto& t : split) train.push_back(t.train);
  const auto anchor_rows = select_anchor_rows(train, p.anchors_per_task, seed);
  SafetyProbe safety;
  safety.spec = p.safety;
  if (p.safety.enabled()) {
    const auto pool = data::filter_classes(data.train, {p.safety.critical_class});
    safety.probe_x = data::split_rows(pool, p.safety.probe_size, seed + 19).first.images;
    safety.heldout_x = data::filter_classes(data.test, {p.safety.critical_class}).images;
  }

  DrivenRun run;
  TrainingContext ctx;
  ctx.model = initial_model(p, seed);
  ctx.protocol = &p;
  ctx.anchors = &run.anchors;
  ctx.tasks_train = &train;
  ctx.safety = p.safety.enabled() ? &safety : nullptr;
  ctx.counters = &run.counters;
  ctx.seed = seed;
  ctx.seen_mask = torch::zeros({10}, torch::kBool);
  ctx.constraint_observer = [&run](const ConstraintObservation& obs) { run.seen.push_back(obs); };
  auto m = make_method(method, o, p);
  m->begin(ctx);
  for (int t = 0; t < tasks; ++t) {
    ctx.task = t;
    ctx.task_classes = split[t].classes;
    ctx.task_train = &train[t];
    for (auto c : split[t].classes) ctx.seen_mask[c] = true;
    m->begin_task(ctx);
    data::BatchSampler sampler(train[t].size(), p.batch, seed * 100 + t, true);
    for (int64_t it = 0; it < p.iterations; ++it) {
      const auto idx = sampler.next();
      m->train_step(ctx, train[t].images.index_select(0, idx),
                    train[t].labels.index_select(0, idx));
      ++ctx.step;
    }
    AnchorSet a;
    a.task = t;
    a.x = anchor_rows[t].images;
    a.y = anchor_rows[t].labels;
    a.mask = p.scenario == Scenario::kClassIncremental
                 ? ctx.seen_mask.clone()
                 : data::task_logit_mask(split[t].classes, 10);
    {
      torch::NoGradGuard no_grad;
      a.logits = ctx.model->forward(a.x).detach();
      a.target = torch::softmax(masked_logits(a.logits, a.mask), 1).mul(a.mask.to(torch::kFloat));
    }
    run.anchors.push_back(a);
    m->end_task(ctx);
  }
  run.model = ctx.model;
  run.steps = ctx.step;
  return run;
}

/// Every trainable tensor of `model`, flattened into one vector.
inline at::Tensor flat_parameters(models::ClassifierImpl& model) {
  std::vector<at::Tensor> parts;
  for (const auto& b : model.blocks())
    for (const auto& t : b.params) parts.push_back(t.detach().reshape({-1}));
  return torch::cat(parts);
}

}  // namespace galt::train::testing
