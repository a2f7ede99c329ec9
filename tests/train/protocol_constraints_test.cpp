// The protocol's constraint set (protocol_constraints.h): its edges, its row
// draw (a function of run seed and step only), the selection of its edges
// (the same rows and values whatever else is selected), the per-example trick
// on its family, and — through TrainingContext::constraint_observer — that GALT,
// Lagrangian GDA and the soft penalty all see the same constraint values on
// the same rows at the same step.
#include "galt/train/protocol_constraints.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "galt/error.h"
#include "galt/models/mlp.h"
#include "galt/solve/family_jacobians.h"
#include "train/synthetic_data.h"

namespace galt::train {
namespace {

using testing::synthetic_data;
using testing::tiny_protocol;

// Two finished tasks (classes 0–1, 2–3) with frozen anchors, a safety probe
// (class 1 must not become 9), and the third task's first batch.
struct Scene {
  ProtocolConfig p = tiny_protocol({"galt", "lagrangian_gda", "soft_penalty"});
  data::TrainTest data = synthetic_data();
  models::ClassifierPtr base;
  std::vector<AnchorSet> anchors;
  SafetyProbe safety;
  at::Tensor x, y;

  Scene() {
    p.constraint_batch = 4;  // of 8 anchors / probe rows per set: a real draw
    torch::manual_seed(11);
    base = std::make_shared<models::MLPImpl>(std::vector<int64_t>{784, 16, 10});
    safety.spec = p.safety;
    safety.probe_x = rows_of_classes({1}, 8).first;
    safety.heldout_x = safety.probe_x;
    for (int t = 0; t < 2; ++t) {
      AnchorSet a;
      a.task = t;
      std::tie(a.x, a.y) = rows_of_classes({2 * t, 2 * t + 1}, 4);
      a.mask = seen_mask(2 * t + 2);
      torch::NoGradGuard no_grad;
      a.target = torch::softmax(masked_logits(base->forward(a.x), a.mask), 1)
                     .mul(a.mask.to(torch::kFloat));
      anchors.push_back(a);
    }
    std::tie(x, y) = rows_of_classes({4, 5}, 8);
  }

  std::pair<at::Tensor, at::Tensor> rows_of_classes(std::vector<int64_t> classes, int64_t per) {
    std::vector<at::Tensor> idx;
    for (auto c : classes)
      idx.push_back(torch::nonzero(data.train.labels == c).flatten().narrow(0, 0, per));
    const auto i = torch::cat(idx);
    return {data.train.images.index_select(0, i), data.train.labels.index_select(0, i)};
  }

  static at::Tensor seen_mask(int64_t classes) {
    auto m = torch::zeros({10}, torch::kBool);
    m.narrow(0, 0, classes).fill_(true);
    return m;
  }

  // A context at task 2 on a fresh copy of the initial model.
  TrainingContext context(const std::vector<AnchorSet>* a, ComputeCounters* counters,
                          int64_t step) {
    TrainingContext ctx;
    ctx.model = base->clone_model();
    ctx.protocol = &p;
    ctx.task = 2;
    ctx.task_classes = {4, 5};
    ctx.anchors = a;
    ctx.safety = &safety;
    ctx.counters = counters;
    ctx.step = step;
    ctx.seed = 5;
    ctx.seen_mask = seen_mask(6);
    return ctx;
  }
};

// One training step of `method` at `step`, as the runner would reach it
// (begin, the two finished tasks' end_task, begin_task of task 2); returns
// every constraint evaluation it made.
std::vector<ConstraintObservation> observe_one_step(Scene& s, const std::string& method,
                                                    int64_t step, const MethodOptions& o = {}) {
  std::vector<AnchorSet> anchors;
  ComputeCounters counters;
  TrainingContext ctx = s.context(&anchors, &counters, step);
  std::vector<ConstraintObservation> seen;
  ctx.constraint_observer = [&seen](const ConstraintObservation& o) { seen.push_back(o); };
  auto m = make_method(method, o, s.p);
  m->begin(ctx);
  for (const auto& a : s.anchors) {
    anchors.push_back(a);
    m->end_task(ctx);
  }
  m->begin_task(ctx);
  m->train_step(ctx, s.x, s.y);
  return seen;
}

TEST(ProtocolConstraints, EveryConstraintMethodSeesTheSameValuesOnTheSameRows) {
  Scene s;
  const int64_t step = 17;
  // The reference: the constraint set evaluated directly on the initial model.
  std::vector<ConstraintObservation> direct;
  {
    ComputeCounters counters;
    auto ctx = s.context(&s.anchors, &counters, step);
    ctx.constraint_observer = [&](const ConstraintObservation& o) { direct.push_back(o); };
    protocol_constraint_family(ctx, s.p.constraint_batch).values();
  }
  ASSERT_EQ(direct.size(), 1u);
  const auto& want = direct[0];
  EXPECT_EQ(want.names, (std::vector<std::string>{"retain_task0", "retain_task1", "safety"}));
  EXPECT_EQ(want.rows, (std::vector<int64_t>{4, 4, 4}));
  // Exactly equal, not to rounding: every method calls the same values()
  // closure on a bit-identical copy of the model and the same rows before
  // its first update (GALT's call runs under a TapRecorder in grad mode,
  // which records the linear maps but does not change the arithmetic).
  for (const std::string method : {"galt", "lagrangian_gda", "soft_penalty"}) {
    const auto seen = observe_one_step(s, method, step);
    ASSERT_EQ(seen.size(), 1u) << method << ": one constraint evaluation per step";
    EXPECT_EQ(seen[0].step, step) << method;
    EXPECT_EQ(seen[0].names, want.names) << method;
    EXPECT_EQ(seen[0].margins, want.margins) << method;
    EXPECT_EQ(seen[0].rows, want.rows) << method;
    ASSERT_EQ(seen[0].values.size(), want.values.size()) << method;
    for (size_t e = 0; e < want.values.size(); ++e)
      EXPECT_EQ(seen[0].values[e], want.values[e]) << method << ", edge " << want.names[e];
  }
  // At another step the draw, and so the values, change (the same for all).
  const auto gda = observe_one_step(s, "lagrangian_gda", step + 1);
  const auto soft = observe_one_step(s, "soft_penalty", step + 1);
  ASSERT_EQ(gda.size(), 1u);
  ASSERT_EQ(soft.size(), 1u);
  EXPECT_NE(gda[0].values, want.values);
  EXPECT_EQ(gda[0].values, soft[0].values);
}

TEST(ProtocolConstraints, SelectionKeepsEachEdgesRowsAndValue) {
  Scene s;
  ComputeCounters counters;
  std::vector<ConstraintObservation> seen;
  auto ctx = s.context(&s.anchors, &counters, 7);
  ctx.constraint_observer = [&](const ConstraintObservation& o) { seen.push_back(o); };
  const auto all = protocol_constraint_family(ctx, s.p.constraint_batch);
  const auto safety_only =
      protocol_constraint_family(ctx, s.p.constraint_batch, 1, {.retention = false});
  const auto retention_only =
      protocol_constraint_family(ctx, s.p.constraint_batch, 1, {.safety = false});
  ASSERT_EQ(safety_only.edges.size(), 1u);
  EXPECT_EQ(safety_only.edges[0].name, "safety");
  ASSERT_EQ(retention_only.edges.size(), 2u);
  EXPECT_EQ(retention_only.edges[1].name, "retain_task1");
  const auto v = all.values();
  const auto vs = safety_only.values();
  const auto vr = retention_only.values();
  ASSERT_EQ(seen.size(), 3u);
  // The same rows (the observed indices are draw_constraint_rows's) and the
  // same values, whatever else the family holds.
  const auto drawn = draw_constraint_rows(ctx, s.p.constraint_batch);
  auto list = [](const at::Tensor& t) {
    return std::vector<int64_t>(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
  };
  EXPECT_EQ(seen[0].row_indices,
            (std::vector<std::vector<int64_t>>{list(drawn.anchors[0]), list(drawn.anchors[1]),
                                               list(drawn.probe)}));
  EXPECT_EQ(seen[1].row_indices, std::vector<std::vector<int64_t>>{list(drawn.probe)});
  EXPECT_EQ(seen[2].row_indices,
            (std::vector<std::vector<int64_t>>{list(drawn.anchors[0]), list(drawn.anchors[1])}));
  EXPECT_EQ(seen[1].names, std::vector<std::string>{"safety"});
  EXPECT_NEAR(vs[0].item<double>(), v[2].item<double>(), 1e-7);
  EXPECT_NEAR(vr[0].item<double>(), v[0].item<double>(), 1e-7);
  EXPECT_NEAR(vr[1].item<double>(), v[1].item<double>(), 1e-7);
  // Anchor groups cut a set's drawn rows into consecutive pieces.
  seen.clear();
  protocol_constraint_family(ctx, s.p.constraint_batch, 2, {.safety = false}).values();
  ASSERT_EQ(seen.size(), 1u);
  const auto a0 = list(drawn.anchors[0]);
  EXPECT_EQ(seen[0].row_indices[0], std::vector<int64_t>(a0.begin(), a0.begin() + 2));
  EXPECT_EQ(seen[0].row_indices[1], std::vector<int64_t>(a0.begin() + 2, a0.end()));
}

TEST(ProtocolConstraints, EdgesCarryTheProtocolsChannelsLayersAndMargins) {
  Scene s;
  ComputeCounters counters;
  const auto ctx = s.context(&s.anchors, &counters, 0);
  const auto edges = protocol_constraint_edges(ctx);
  ASSERT_EQ(edges.size(), 3u);
  for (int t = 0; t < 2; ++t) {
    EXPECT_EQ(edges[t].name, "retain_task" + std::to_string(t));
    EXPECT_EQ(edges[t].channel, Channel::kMemory);
    EXPECT_EQ(edges[t].sense, Sense::kInequality);
    EXPECT_EQ(edges[t].layer, -1);
    EXPECT_EQ(edges[t].margin, s.p.anchor_margin);
  }
  EXPECT_EQ(edges[2].name, "safety");
  EXPECT_EQ(edges[2].channel, Channel::kSafety);
  EXPECT_EQ(edges[2].layer, 0);
  EXPECT_EQ(edges[2].margin, s.p.safety.epsilon);

  const auto grouped = protocol_constraint_family(ctx, 4, /*anchor_groups=*/2);
  std::vector<std::string> names;
  for (const auto& e : grouped.edges) names.push_back(e.name);
  EXPECT_EQ(names, (std::vector<std::string>{"retain_task0/0", "retain_task0/1", "retain_task1/0",
                                             "retain_task1/1", "safety"}));
  EXPECT_EQ(grouped.rows, (std::vector<int64_t>{2, 2, 2, 2, 4}));
  // Each group needs a row of the draw.
  EXPECT_THROW(protocol_constraint_family(ctx, 1, 2), InputError);

  // No anchors and no probe: no constraint yet.
  std::vector<AnchorSet> none;
  auto empty = s.context(&none, &counters, 0);
  empty.safety = nullptr;
  const auto fam = protocol_constraint_family(empty, 4);
  EXPECT_TRUE(fam.edges.empty());
  EXPECT_EQ(fam.values().numel(), 0);
}

TEST(ProtocolConstraints, RowDrawDependsOnRunSeedAndStepOnly) {
  Scene s;
  ComputeCounters counters;
  auto ctx = s.context(&s.anchors, &counters, 3);
  const auto a = draw_constraint_rows(ctx, 4);
  const auto b = draw_constraint_rows(ctx, 4);
  ASSERT_EQ(a.anchors.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_TRUE(a.anchors[i].defined());
    EXPECT_EQ(a.anchors[i].numel(), 4);
    EXPECT_TRUE(torch::equal(a.anchors[i], b.anchors[i]));
  }
  EXPECT_TRUE(torch::equal(a.probe, b.probe));
  // A set's draw does not depend on the other sets.
  const std::vector<AnchorSet> first{s.anchors[0]};
  auto one = s.context(&first, &counters, 3);
  EXPECT_TRUE(torch::equal(draw_constraint_rows(one, 4).anchors[0], a.anchors[0]));
  // Another step or another run seed draws other rows.
  auto later = s.context(&s.anchors, &counters, 4);
  auto other_seed = s.context(&s.anchors, &counters, 3);
  other_seed.seed = 6;
  for (const auto& c : {later, other_seed}) {
    const auto d = draw_constraint_rows(c, 4);
    EXPECT_FALSE(torch::equal(d.anchors[0], a.anchors[0]) &&
                 torch::equal(d.anchors[1], a.anchors[1]) && torch::equal(d.probe, a.probe));
  }
  // Every row when the sets are no larger than asked for.
  const auto all = draw_constraint_rows(ctx, 0);
  EXPECT_FALSE(all.anchors[0].defined());
  EXPECT_FALSE(all.probe.defined());
  EXPECT_FALSE(draw_constraint_rows(ctx, 8).anchors[1].defined());
}

// The probe's held-out rows (ConstraintSelection::probe_dual_rows) are never
// drawn for the family; they feed only the safety edge's proxy value, which is
// forbidden_mass on them; holding out the whole probe is an input error.
TEST(ProtocolConstraints, HeldOutProbeRowsFeedOnlyTheSafetyProxy) {
  Scene s;
  ComputeCounters counters;
  const auto ctx = s.context(&s.anchors, &counters, 0);
  const ConstraintSelection held{.probe_dual_rows = 3};  // of 8 probe rows
  for (int64_t step = 0; step < 20; ++step) {
    auto c = s.context(&s.anchors, &counters, step);
    for (int64_t rows : {0, 4, 8}) {
      const auto d = draw_constraint_rows(c, rows, held.probe_dual_rows);
      ASSERT_TRUE(d.probe.defined());
      EXPECT_LT(d.probe.max().item<int64_t>(), 5) << "a held-out row was drawn";
      EXPECT_EQ(d.probe.numel(), rows == 4 ? 4 : 5);
    }
  }
  const auto edges = protocol_constraint_edges(ctx, 1, held);
  ASSERT_EQ(edges.size(), 3u);
  EXPECT_FALSE(edges[0].dual_value);
  ASSERT_TRUE(edges[2].dual_value);
  torch::NoGradGuard no_grad;
  const double expected = forbidden_mass(ctx.model->forward(s.safety.probe_x.narrow(0, 5, 3)),
                                         s.p.safety.forbidden_class)
                              .item<double>();
  EXPECT_NEAR(edges[2].dual_value(), expected, 1e-7);
  // The family's safety edge carries the same proxy; without holding out, none.
  const auto fam = protocol_constraint_family(ctx, 4, 1, held);
  ASSERT_TRUE(fam.edges.back().dual_value);
  EXPECT_NEAR(fam.edges.back().dual_value(), expected, 1e-7);
  EXPECT_FALSE(protocol_constraint_edges(ctx).back().dual_value);
  EXPECT_THROW(protocol_constraint_edges(ctx, 1, {.probe_dual_rows = 8}), InputError);
  EXPECT_THROW(draw_constraint_rows(ctx, 4, -1), InputError);
}

// GALT and GDA with safety_dual_rows evaluate their family on the other
// probe rows only.
TEST(ProtocolConstraints, MultiplierMethodsHoldTheDualRowsOutOfTheirFamily) {
  Scene s;
  for (const std::string m : {"galt", "lagrangian_gda"}) {
    const auto seen = observe_one_step(s, m, 4, {{"safety_dual_rows", 3}});
    ASSERT_FALSE(seen.empty()) << m;
    for (const auto& o : seen) {
      ASSERT_EQ(o.names.back(), "safety");
      for (int64_t r : o.row_indices.back()) EXPECT_LT(r, 5) << m;
    }
  }
}

// SafetySpec::probe_shift: every shifted row is its stored row translated by
// some (dx, dy) within the bound, zero fill; the same at the same (seed,
// step), other shifts at another step; the family evaluates the shifted rows.
TEST(ProtocolConstraints, ProbeShiftTranslatesTheDrawnRowsTheSameForEveryMethod) {
  Scene s;
  const auto x = s.safety.probe_x;
  const auto a = shifted_probe_rows(x, 2, 5, 3);
  EXPECT_TRUE(torch::equal(a, shifted_probe_rows(x, 2, 5, 3)));
  EXPECT_FALSE(torch::equal(a, shifted_probe_rows(x, 2, 5, 4)));
  int moved = 0;
  for (int64_t i = 0; i < x.size(0); ++i) {
    const auto img = x[i].view({28, 28});
    const auto padded = torch::constant_pad_nd(img, {2, 2, 2, 2}, 0.0);
    bool found = false;
    for (int64_t dy = 0; dy <= 4 && !found; ++dy)
      for (int64_t dx = 0; dx <= 4 && !found; ++dx)
        if (torch::equal(a[i].view({28, 28}), padded.narrow(0, dy, 28).narrow(1, dx, 28))) {
          found = true;
          moved += (dy != 2 || dx != 2);
        }
    EXPECT_TRUE(found) << "row " << i << " is not a translate of its stored row";
  }
  EXPECT_GT(moved, 0);
  EXPECT_THROW(shifted_probe_rows(torch::zeros({2, 10}), 1, 0, 0), InputError);

  ComputeCounters counters;
  s.safety.spec.probe_shift = 2;
  const auto ctx = s.context(&s.anchors, &counters, 3);
  const auto fam = protocol_constraint_family(ctx, 0, 1, {.retention = false});
  torch::NoGradGuard g;
  EXPECT_NEAR(fam.values()[0].item<double>(),
              forbidden_mass(ctx.model->forward(shifted_probe_rows(x, 2, ctx.seed, 3)),
                             s.p.safety.forbidden_class)
                  .item<double>(),
              1e-6);
}

TEST(ProtocolConstraints, FamilyJacobiansTakeOneBackwardPassByThePerExampleTrick) {
  Scene s;
  ComputeCounters counters;
  const auto ctx = s.context(&s.anchors, &counters, 9);
  const auto fam = protocol_constraint_family(ctx, 4, 2);
  std::vector<at::Tensor> params;
  for (const auto& b : ctx.model->blocks())
    for (const auto& t : b.params) params.push_back(t);
  ComputeCounters c;
  const auto jac = family_jacobians(fam, params, c);
  EXPECT_TRUE(jac.per_example);
  EXPECT_EQ(c.edge_evaluations, 1);
  EXPECT_EQ(c.backward_passes, 1);
  EXPECT_EQ(c.per_example_jacobians, static_cast<int64_t>(fam.edges.size()));
  // The values are values()'s, and each Jacobian is its edge's autograd one.
  const auto v = fam.values();
  for (size_t e = 0; e < fam.edges.size(); ++e) {
    EXPECT_DOUBLE_EQ(jac.values[e], v[static_cast<int64_t>(e)].item<double>()) << fam.edges[e].name;
    const auto g = torch::autograd::grad({fam.values()[static_cast<int64_t>(e)]}, params, {}, false,
                                         false, true);
    for (size_t p = 0; p < params.size(); ++p) {
      const auto want = g[p].defined() ? g[p] : torch::zeros_like(params[p]);
      EXPECT_TRUE(torch::allclose(jac.jacobian(e, p, params[p]), want, 1e-4, 1e-7))
          << fam.edges[e].name << ", tensor " << p;
    }
  }
}

}  // namespace
}  // namespace galt::train
