// galt::Optimizer: superset of AdamW (DESIGN §2.4), KKT points of convex QPs
// (§2–3), clear errors on bad input.
#include "galt/solve/optimizer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <memory>
#include <sstream>

#include "galt/error.h"
#include "galt/graph/linear_tap.h"
#include "galt/graph/rate_constraints.h"

namespace galt {
namespace {

// A small MLP whose linear maps are tapped (for the per-example trick).
struct TinyNetImpl : torch::nn::Module {
  TinyNetImpl() {
    w1 = register_parameter("w1", torch::randn({16, 8}) * 0.3);
    b1 = register_parameter("b1", torch::zeros({16}));
    w2 = register_parameter("w2", torch::randn({3, 16}) * 0.3);
    b2 = register_parameter("b2", torch::zeros({3}));
  }
  at::Tensor forward(const at::Tensor& x) {
    return tapped_linear(torch::relu(tapped_linear(x, w1, b1)), w2, b2);
  }
  at::Tensor w1, b1, w2, b2;
};
TORCH_MODULE(TinyNet);

std::vector<torch::optim::OptimizerParamGroup> two_blocks(TinyNet& net, OptimizerOptions o1,
                                                          OptimizerOptions o2) {
  return {torch::optim::OptimizerParamGroup({net->w1, net->b1},
                                            std::make_unique<OptimizerOptions>(o1.name("fc1"))),
          torch::optim::OptimizerParamGroup({net->w2, net->b2},
                                            std::make_unique<OptimizerOptions>(o2.name("fc2")))};
}

TinyNet copy_of(TinyNet& net) {
  TinyNet c;
  torch::NoGradGuard g;
  auto src = net->parameters();
  auto dst = c->parameters();
  for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
  return c;
}

bool bit_equal(TinyNet& a, TinyNet& b) {
  auto pa = a->parameters(), pb = b->parameters();
  for (size_t i = 0; i < pa.size(); ++i)
    if (!torch::equal(pa[i], pb[i])) return false;
  return true;
}

void train_pair(bool with_inactive_edge, bool parallel) {
  torch::manual_seed(0);
  TinyNet ref;
  TinyNet net = copy_of(ref);
  torch::optim::AdamW adamw(ref->parameters(), torch::optim::AdamWOptions(3e-3));
  Optimizer galt(two_blocks(net, OptimizerOptions(3e-3), OptimizerOptions(3e-3)),
                 OptimizerOptions(3e-3));
  if (parallel) galt.set_executor(std::make_shared<ThreadExecutor>(2));
  if (with_inactive_edge) {
    ConstraintEdge e;
    e.name = "always_satisfied";
    // C = ‖w1‖²·0 − 1 < 0 with λ = 0: inactive, yet it has a non-zero Jacobian.
    e.value = [&] { return net->w1.pow(2).sum() * 1e-6 - 1.0; };
    galt.add_constraint(e);
  }
  for (int step = 0; step < 100; ++step) {
    auto x = torch::randn({32, 8});
    auto y = torch::randint(0, 3, {32});
    adamw.zero_grad();
    torch::nn::functional::cross_entropy(ref->forward(x), y).backward();
    adamw.step();
    galt.zero_grad();
    torch::nn::functional::cross_entropy(net->forward(x), y).backward();
    galt.step();
    ASSERT_TRUE(bit_equal(ref, net)) << "diverged at step " << step;
  }
  if (with_inactive_edge) {
    EXPECT_FALSE(galt.last_stats().edges[0].active);
    EXPECT_EQ(galt.counters().local_solves, 0);
  }
}

TEST(Optimizer, WithoutConstraintsEqualsAdamWBitForBit) { train_pair(false, false); }
TEST(Optimizer, ParallelBlocksEqualAdamWBitForBit) { train_pair(false, true); }
TEST(Optimizer, InactiveInequalityLeavesTheStepUnchanged) { train_pair(true, true); }

// min ½‖x − a‖²  s.t.  x0 + x1 = 1,  x2 ≤ 0.5 (active),  x3 ≤ 10 (inactive).
// Solution x* = (0, 1, 0.5, 4, 5), multipliers ν = 1, μ2 = 2.5, μ3 = 0.
void solve_qp(PenaltyRule rule) {
  auto x = torch::zeros({5}, torch::kFloat64).requires_grad_(true);
  const auto a = torch::tensor({1.0, 2.0, 3.0, 4.0, 5.0}, torch::kFloat64);
  SolverOptions so;
  so.dual.rule = rule;
  so.dual.inner_steps = 5;
  Optimizer opt({x}, OptimizerOptions(0.05).weight_decay(0.0), so);
  opt.add_constraint(
      {.name = "sum", .channel = Channel::kTask, .sense = Sense::kEquality, .value = [&] {
         return x[0] + x[1] - 1.0;
       }});
  opt.add_constraint({.name = "cap2", .value = [&] { return x[2] - 0.5; }});
  opt.add_constraint({.name = "cap3", .value = [&] { return x[3] - 10.0; }});
  for (int step = 0; step < 6000; ++step) {
    // A decaying step size lets Adam settle (constant-η Adam hovers).
    static_cast<OptimizerOptions&>(opt.param_groups()[0].options())
        .lr(0.05 * std::pow(0.999, step));
    opt.zero_grad();
    (0.5 * (x - a).pow(2).sum()).backward();
    opt.step();
  }
  const auto expected = torch::tensor({0.0, 1.0, 0.5, 4.0, 5.0}, torch::kFloat64);
  EXPECT_LT((x.detach() - expected).abs().max().item<double>(), 1e-5) << x;
  EXPECT_NEAR(opt.duals().dual(0).lambda, 1.0, 1e-4);
  EXPECT_NEAR(opt.duals().dual(1).lambda, 2.5, 1e-4);
  EXPECT_EQ(opt.duals().dual(2).lambda, 0.0);
}

TEST(Optimizer, ReachesKnownKktPointClassicalRule) { solve_qp(PenaltyRule::kClassical); }
TEST(Optimizer, ReachesKnownKktPointAvbdRule) { solve_qp(PenaltyRule::kAVBD); }

TEST(Optimizer, PerExampleJacobiansEqualAutogradJacobians) {
  torch::manual_seed(3);
  TinyNet net;
  const int k = 4;
  auto probe = torch::randn({k * 5, 8});
  auto values = [&] {
    auto p = torch::softmax(net->forward(probe), 1).select(1, 2);  // mass on class 2
    return p.view({k, 5}).mean(1);
  };
  auto make = [&](bool trick) {
    SolverOptions so;
    auto net_copy = net;  // same module: both optimizers see the same tensors
    Optimizer opt(two_blocks(net_copy, OptimizerOptions(1e-2), OptimizerOptions(1e-2)),
                  OptimizerOptions(1e-2), so);
    EdgeFamily fam;
    for (int i = 0; i < k; ++i)
      fam.edges.push_back({.name = "e" + std::to_string(i), .margin = 0.0});
    fam.values = values;
    if (trick) fam.rows.assign(k, 5);
    opt.add_constraint_family(fam);
    return opt;
  };
  Optimizer with = make(true), without = make(false);
  // One step each from the same θ with the same (zero) task gradient; compare
  // the predicted changes, which contract every Jacobian with the step.
  for (auto& p : net->parameters()) p.mutable_grad() = torch::ones_like(p) * 0.01;
  auto saved = net->parameters();
  std::vector<at::Tensor> theta;
  for (auto& p : saved) theta.push_back(p.detach().clone());
  with.step();
  auto after_with = std::vector<at::Tensor>();
  for (auto& p : saved) after_with.push_back(p.detach().clone());
  {
    torch::NoGradGuard g;
    for (size_t i = 0; i < saved.size(); ++i) saved[i].copy_(theta[i]);
  }
  without.step();
  for (size_t i = 0; i < saved.size(); ++i)
    EXPECT_TRUE(torch::allclose(saved[i], after_with[i], 1e-5, 1e-7)) << i;
  EXPECT_EQ(with.counters().backward_passes, 1);
  EXPECT_EQ(with.counters().per_example_jacobians, k);
  EXPECT_EQ(without.counters().backward_passes, k);
  EXPECT_EQ(without.counters().per_example_jacobians, 0);
}

TEST(Optimizer, NanConstraintValueIsAClearErrorAndUpdatesNothing) {
  auto x = torch::ones({3}).requires_grad_(true);
  Optimizer opt({x});
  opt.add_constraint({.name = "broken", .value = [&] { return x.sum() * std::nan(""); }});
  (x.sum()).backward();
  try {
    opt.step();
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("broken"), std::string::npos);
  }
  EXPECT_TRUE(torch::equal(x, torch::ones({3})));
}

TEST(Optimizer, NanGradientIsAClearErrorAndUpdatesNothing) {
  auto x = torch::ones({3}).requires_grad_(true);
  Optimizer opt({x});
  x.mutable_grad() = torch::tensor({1.0f, std::nanf(""), 0.0f});
  EXPECT_THROW(opt.step(), InputError);
  EXPECT_TRUE(torch::equal(x, torch::ones({3})));
}

TEST(Optimizer, NonScalarConstraintValueIsAClearError) {
  auto x = torch::ones({3}).requires_grad_(true);
  Optimizer opt({x});
  opt.add_constraint({.name = "vector", .value = [&] { return x * 2; }});
  EXPECT_THROW(opt.step(), InputError);
}

TEST(Optimizer, DegenerateMetricWithNonZeroJacobianStaysFinite) {
  // The task never touches y (no gradient, zero second moment), but a
  // violated constraint does.
  auto x = torch::ones({4}).requires_grad_(true);
  auto y = torch::ones({4}).requires_grad_(true);
  Optimizer opt({x, y});
  opt.add_constraint({.name = "y_small", .value = [&] { return y.sum() - 1.0; }});
  for (int i = 0; i < 5; ++i) {
    opt.zero_grad();
    x.sum().backward();
    opt.step();
    EXPECT_TRUE(torch::isfinite(y).all().item<bool>());
    EXPECT_TRUE(torch::isfinite(x).all().item<bool>());
  }
}

// A proxy constraint (ConstraintEdge::dual_value): the solve follows the
// surrogate x2 − 0.5, the multiplier the proxy x2 − 0.3, so the KKT point is
// the proxy's: x2 = 0.3, where the surrogate is slack (C = −0.2) and the
// PHR force λ + ρ·C on it equals the proxy problem's multiplier a2 − x2 = 2.7.
TEST(Optimizer, ProxyEdgeReachesTheProxysKktPoint) {
  auto x = torch::zeros({3}, torch::kFloat64).requires_grad_(true);
  const auto a = torch::tensor({1.0, 2.0, 3.0}, torch::kFloat64);
  SolverOptions so;
  so.dual.inner_steps = 5;
  Optimizer opt({x}, OptimizerOptions(0.05).weight_decay(0.0), so);
  opt.add_constraint({.name = "cap2",
                      .value = [&] { return x[2] - 0.5; },
                      .dual_value = [&] { return x[2].item<double>() - 0.3; }});
  bool logged = false;
  for (int step = 0; step < 6000; ++step) {
    static_cast<OptimizerOptions&>(opt.param_groups()[0].options())
        .lr(0.05 * std::pow(0.999, step));
    opt.zero_grad();
    (0.5 * (x - a).pow(2).sum()).backward();
    opt.step();
    const auto& st = opt.last_stats();
    if (st.outer_update && step > 5000) {
      // Both values are logged: the proxy's C drives λ, the surrogate's is 0.2 lower.
      EXPECT_NEAR(st.dual_updates[0].value - st.dual_updates[0].surrogate, 0.2, 1e-9);
      logged = true;
    }
  }
  EXPECT_TRUE(logged);
  EXPECT_NEAR(x[2].item<double>(), 0.3, 1e-4) << x;
  const auto& d = opt.duals().dual(0);
  EXPECT_NEAR(d.lambda + d.rho * (x[2].item<double>() - 0.5), 2.7, 1e-3);
  EXPECT_GT(d.lambda, 2.7);  // λ alone is not the multiplier: the surrogate is slack
}

// A rate constraint (galt/graph/rate_constraints.h) on an imbalanced,
// overlapping two-class problem: unconstrained, the rare class's recall is
// low; with recall ≥ 0.8 as a proxy edge (exact recall drives λ, the softmax
// relaxation the step) the last iterate meets it on the training rows.
TEST(Optimizer, RecallConstraintIsMetByTheLastIterate) {
  torch::manual_seed(3);
  const auto x =
      torch::cat({torch::randn({400, 2}), torch::randn({40, 2}) + torch::tensor({1.5, 0.0})});
  const auto y = torch::cat({torch::zeros({400}, torch::kLong), torch::ones({40}, torch::kLong)});
  auto train = [&](bool constrained) {
    auto w = torch::zeros({2, 2}).requires_grad_(true);
    auto b = torch::zeros({2}).requires_grad_(true);
    Optimizer opt({w, b}, OptimizerOptions(0.05).weight_decay(0.0));
    auto batch = [&] { return RateBatch{torch::addmm(b, x, w.t()), y, {}}; };
    if (constrained) opt.add_constraint(recall_at_least("recall_1", 1, 0.8, batch));
    for (int step = 0; step < 1500; ++step) {
      opt.zero_grad();
      torch::nn::functional::cross_entropy(torch::addmm(b, x, w.t()), y).backward();
      opt.step();
    }
    torch::NoGradGuard g;
    return recall_rate(batch(), 1);
  };
  const double free = train(false), held = train(true);
  EXPECT_LT(free, 0.5);
  EXPECT_GE(held, 0.8) << "unconstrained " << free;
}

// A batch proxy (ConstraintEdge::batch_proxy) with the same surrogate and
// proxy as above: the solve corrects the proxy's violation, so the step
// stops where the proxy is met — the surrogate's level (0.2 higher) no longer
// moves the KKT point — and λ alone is the multiplier a2 − x2 = 2.7.
TEST(Optimizer, BatchProxySolvesForTheProxysViolation) {
  auto x = torch::zeros({3}, torch::kFloat64).requires_grad_(true);
  const auto a = torch::tensor({1.0, 2.0, 3.0}, torch::kFloat64);
  SolverOptions so;
  so.dual.inner_steps = 5;
  Optimizer opt({x}, OptimizerOptions(0.05).weight_decay(0.0), so);
  opt.add_constraint({.name = "cap2",
                      .value = [&] { return x[2] - 0.5; },
                      .dual_value = [&] { return x[2].item<double>() - 0.3; },
                      .batch_proxy = true});
  for (int step = 0; step < 6000; ++step) {
    static_cast<OptimizerOptions&>(opt.param_groups()[0].options())
        .lr(0.05 * std::pow(0.999, step));
    opt.zero_grad();
    (0.5 * (x - a).pow(2).sum()).backward();
    opt.step();
  }
  EXPECT_NEAR(x[2].item<double>(), 0.3, 1e-3) << x;
  EXPECT_NEAR(opt.duals().dual(0).lambda, 2.7, 2e-2);
  // The step's force is λ + ρ·C of the proxy (≈ 0 at the fixed point).
  const auto& es = opt.last_stats().edges[0];
  EXPECT_NEAR(es.force, es.lambda + es.rho * (x[2].item<double>() - 0.3), 1e-9);
}

// The dual update of a batch proxy sees the proxy's mean over the inner
// phase: proxies 0.1, 0.2, ... per step; with K_in = 3 the first update
// (step 4) averages steps 1–4, later ones the 3 steps since the last.
TEST(Optimizer, BatchProxyDualUpdateAveragesTheInnerPhase) {
  auto x = torch::zeros({2}, torch::kFloat64).requires_grad_(true);
  SolverOptions so;
  so.dual.inner_steps = 3;
  Optimizer opt({x}, OptimizerOptions(1e-3).weight_decay(0.0), so);
  int calls = 0;
  opt.add_constraint({.name = "rate",
                      .value = [&] { return x.sum(); },
                      .dual_value = [&] { return 0.1 * ++calls; },
                      .batch_proxy = true});
  std::vector<double> seen;
  for (int step = 0; step < 7; ++step) {
    opt.zero_grad();
    x.sum().backward();
    opt.step();
    if (opt.last_stats().outer_update) seen.push_back(opt.last_stats().dual_updates[0].value);
  }
  EXPECT_EQ(calls, 7);  // every step
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_NEAR(seen[0], (0.1 + 0.2 + 0.3 + 0.4) / 4, 1e-12);
  EXPECT_NEAR(seen[1], (0.5 + 0.6 + 0.7) / 3, 1e-12);
}

// The phase's running sum is part of the optimizer's state: a save/load
// between two dual updates gives the same next update.
TEST(Optimizer, BatchProxyPhaseSurvivesSaveAndLoad) {
  auto run = [](bool reload) {
    auto x = torch::zeros({2}, torch::kFloat64).requires_grad_(true);
    SolverOptions so;
    so.dual.inner_steps = 4;
    auto opt = std::make_unique<Optimizer>(std::vector<torch::Tensor>{x},
                                           OptimizerOptions(0.01).weight_decay(0.0), so);
    int calls = 0;
    auto edge = ConstraintEdge{.name = "rate",
                               .value = [&] { return x.sum(); },
                               .dual_value = [&] { return 0.5 - 0.01 * ++calls; },
                               .batch_proxy = true};
    opt->add_constraint(edge);
    for (int step = 0; step < 6; ++step) {
      if (reload && step == 3) {
        torch::serialize::OutputArchive out;
        opt->save(out);
        std::ostringstream bytes;
        out.save_to(bytes);
        opt = std::make_unique<Optimizer>(std::vector<torch::Tensor>{x},
                                          OptimizerOptions(0.01).weight_decay(0.0), so);
        opt->add_constraint(edge);
        torch::serialize::InputArchive in;
        std::istringstream back(bytes.str());
        in.load_from(back);
        opt->load(in);
      }
      opt->zero_grad();
      x.sum().backward();
      opt->step();
    }
    return opt->duals().dual(0).lambda;
  };
  EXPECT_GT(run(false), 0.0);
  EXPECT_EQ(run(false), run(true));
}

TEST(Optimizer, NanProxyValueIsAClearErrorAndUpdatesNothing) {
  auto x = torch::zeros({2}, torch::kFloat64).requires_grad_(true);
  SolverOptions so;
  so.dual.inner_steps = 1;
  Optimizer opt({x}, OptimizerOptions(0.05), so);
  opt.add_constraint({.name = "bad_proxy",
                      .value = [&] { return x.sum() - 1.0; },
                      .dual_value = [] { return std::nan(""); }});
  opt.zero_grad();
  x.sum().backward();
  opt.step();  // the first step runs no dual update
  const auto before = x.detach().clone();
  opt.zero_grad();
  x.sum().backward();
  try {
    opt.step();
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad_proxy"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(torch::equal(x.detach(), before));
}

TEST(Optimizer, ViolatedConstraintIsDrivenToFeasibility) {
  torch::manual_seed(1);
  auto w = torch::randn({10}).requires_grad_(true);
  Optimizer opt({w}, OptimizerOptions(1e-2).weight_decay(0));
  // Task pulls w towards 3; the edge requires mean(w) ≤ 1.
  opt.add_constraint({.name = "mean_cap", .value = [&] { return w.mean() - 1.0; }});
  for (int i = 0; i < 2000; ++i) {
    opt.zero_grad();
    (w - 3.0).pow(2).sum().backward();
    opt.step();
  }
  EXPECT_LT(w.mean().item<double>() - 1.0, 1e-3);
  EXPECT_GT(opt.duals().dual(0).lambda, 0.0);
  const auto& es = opt.last_stats().edges[0];
  EXPECT_TRUE(std::isfinite(es.measured_change));
  EXPECT_TRUE(es.active);
}

TEST(Optimizer, TrustRadiusClipsTheCorrection) {
  auto w = torch::zeros({10}).requires_grad_(true);
  SolverOptions so;
  so.trust.radius = 1e-3 / (1e-2 * std::sqrt(10.0));  // radius 1e-3 in parameter units
  Optimizer opt({w}, OptimizerOptions(1e-2).weight_decay(0), so);
  opt.add_constraint(
      {.name = "far", .sense = Sense::kEquality, .value = [&] { return w.sum() - 100.0; }});
  opt.zero_grad();
  w.sum().backward();
  opt.step();
  EXPECT_TRUE(opt.last_stats().blocks[0].clipped);
  // AdamW's own step is −η per coordinate (first step), plus ≤ 1e-3 of correction.
  EXPECT_LE((w.detach() + 1e-2).norm().item<double>(), 1e-3 * (1 + 1e-5));
}

TEST(Optimizer, UnknownBlockAndDuplicateEdgeAreClearErrors) {
  auto x = torch::ones({3}).requires_grad_(true);
  Optimizer opt({x});
  EXPECT_THROW(
      opt.add_constraint({.name = "a", .blocks = {"nope"}, .value = [&] { return x.sum(); }}),
      InputError);
  opt.add_constraint({.name = "a", .value = [&] { return x.sum(); }});
  EXPECT_THROW(opt.add_constraint({.name = "a", .value = [&] { return x.sum(); }}), InputError);
  opt.remove_constraint("a");
  EXPECT_EQ(opt.graph().edges().size(), 0u);
  EXPECT_THROW(opt.remove_constraint("a"), InputError);
}

TEST(Optimizer, CheckpointRoundTripRestoresMomentsAndMultipliers) {
  auto x = torch::ones({3}).requires_grad_(true);
  Optimizer opt({x}, OptimizerOptions(1e-2));
  opt.add_constraint({.name = "c", .value = [&] { return x.sum() - 1.0; }});
  for (int i = 0; i < 30; ++i) {
    opt.zero_grad();
    x.pow(2).sum().backward();
    opt.step();
  }
  torch::serialize::OutputArchive out;
  opt.save(out);
  std::ostringstream buf;
  out.save_to(buf);
  auto y = x.detach().clone().requires_grad_(true);
  SolverOptions fresh;
  fresh.trust.radius = 0.7;  // the checkpoint's radius must replace it
  Optimizer other({y}, OptimizerOptions(1e-2), fresh);
  other.add_constraint({.name = "c", .value = [&] { return y.sum() - 1.0; }});
  torch::serialize::InputArchive in;
  std::istringstream ibuf(buf.str());
  in.load_from(ibuf);
  other.load(in);
  EXPECT_DOUBLE_EQ(other.duals().dual(0).lambda, opt.duals().dual(0).lambda);
  EXPECT_DOUBLE_EQ(other.duals().dual(0).rho, opt.duals().dual(0).rho);
  EXPECT_TRUE(torch::equal(other.graph().blocks()[0].state()[0].exp_avg_sq,
                           opt.graph().blocks()[0].state()[0].exp_avg_sq));
  EXPECT_DOUBLE_EQ(other.trust_region(0).radius(), opt.trust_region(0).radius());
  EXPECT_NE(other.trust_region(0).radius(), 0.7);
  // What the next steps read from the last one (the ρ rule's previous
  // violation at the outer update of step 31, trust agreement) came along
  // too: both take the same steps.
  for (int i = 0; i < 15; ++i) {
    for (auto* o : {&opt, &other}) {
      o->zero_grad();
      (o == &opt ? x : y).pow(2).sum().backward();
      o->step();
    }
    ASSERT_TRUE(torch::equal(x, y)) << "diverged " << i + 1 << " steps after loading";
  }
  EXPECT_DOUBLE_EQ(other.duals().dual(0).rho, opt.duals().dual(0).rho);
}

}  // namespace
}  // namespace galt

namespace galt {
namespace {

TEST(Optimizer, MessageEdgesEqualAutogradEdges) {
  // A linear edge given as a message must act exactly like the same edge
  // differentiated by autograd.
  auto run = [](bool message) {
    auto w = torch::zeros({6}).requires_grad_(true);
    const auto a = torch::arange(6, torch::kFloat) / 6.0;
    Optimizer opt({w}, OptimizerOptions(1e-2).weight_decay(0));
    ConstraintEdge e{.name = "lin", .margin = 0.1};
    if (message)
      e.message = [&] { return EdgeMessage{(a * w.detach()).sum().item<double>(), {a}}; };
    else
      e.value = [&] { return (a * w).sum(); };
    opt.add_constraint(e);
    for (int i = 0; i < 50; ++i) {
      opt.zero_grad();
      (w - 1.0).pow(2).sum().backward();
      opt.step();
    }
    return std::make_pair(w.detach().clone(), opt.counters().backward_passes);
  };
  const auto [wa, passes_a] = run(false);
  const auto [wm, passes_m] = run(true);
  EXPECT_TRUE(torch::allclose(wa, wm, 1e-6, 1e-7)) << wa << wm;
  EXPECT_GT(passes_a, 0);
  EXPECT_EQ(passes_m, 0);
}

TEST(Optimizer, MalformedMessageIsAClearError) {
  auto w = torch::zeros({3}).requires_grad_(true);
  Optimizer opt({w});
  opt.add_constraint({.name = "m", .message = [] { return EdgeMessage{1.0, {torch::ones({4})}}; }});
  EXPECT_THROW(opt.step(), InputError);
  Optimizer opt2({w});
  opt2.add_constraint({.name = "n", .message = [] { return EdgeMessage{std::nan(""), {}}; }});
  EXPECT_THROW(opt2.step(), InputError);
}

}  // namespace
}  // namespace galt

namespace galt {
namespace {

TEST(Optimizer, LagrangianMetricTracksTheLagrangianGradient) {
  // One step with an active equality edge C = a·w − 1 (λ = 0, ρ = 1 → f = C):
  // the second moment must be (1 − β2)·(g + f·a)², the first (1 − β1)·g.
  auto w = torch::zeros({4}).requires_grad_(true);
  const auto a = torch::tensor({1.0f, 2.0f, 0.0f, -1.0f});
  SolverOptions so;
  so.block.lagrangian_metric = true;
  Optimizer opt({w}, OptimizerOptions(1e-2).weight_decay(0), so);
  opt.add_constraint({.name = "eq", .sense = Sense::kEquality, .rho_init = 1.0, .value = [&] {
                        return (a * w).sum() - 1.0;
                      }});
  const auto g = torch::tensor({0.5f, -0.5f, 1.0f, 0.0f});
  w.mutable_grad() = g.clone();
  opt.step();
  const auto& st = opt.graph().blocks()[0].state()[0];
  const auto gl = g + (-1.0f) * a;  // f = λ + ρ·C = 0 + 1·(0 − 1)
  EXPECT_TRUE(torch::allclose(st.exp_avg_sq, (1 - 0.999) * gl * gl, 1e-6, 1e-9)) << st.exp_avg_sq;
  EXPECT_TRUE(torch::allclose(st.exp_avg, (1 - 0.9) * g, 1e-6, 1e-9));
}

}  // namespace
}  // namespace galt

namespace galt {
namespace {

// SolverOptions::fused: the fused three-pass path must take the same steps as
// the general tensor path (float32 rounding aside), with every feature on:
// two blocks, an equality edge across both, an active and an inactive
// inequality, weight decay, the Lagrangian metric, the metric floor and a
// trust radius small enough to clip.
struct FusedRun {
  std::vector<at::Tensor> params;
  std::vector<StepStats> stats;
};

FusedRun run_fused(bool fused, bool lagrangian_metric) {
  torch::manual_seed(7);
  auto w1 = (torch::randn({40, 30}) * 0.1).requires_grad_(true);
  auto b1 = torch::zeros({30}).requires_grad_(true);
  auto w2 = (torch::randn({30}) * 0.1).requires_grad_(true);
  const auto c = torch::randn({30});
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<at::Tensor>{w1, b1},
                      std::make_unique<OptimizerOptions>(OptimizerOptions(1e-2).name("a")));
  groups.emplace_back(std::vector<at::Tensor>{w2},
                      std::make_unique<OptimizerOptions>(OptimizerOptions(1e-2).name("b")));
  SolverOptions so;
  so.block.fused = fused;
  so.block.fused_min_per_edge = 0;  // this block is small: force the fused path
  so.block.lagrangian_metric = lagrangian_metric;
  so.trust.radius = 0.5;
  so.dual.inner_steps = 3;
  Optimizer opt(std::move(groups), OptimizerOptions(1e-2).weight_decay(1e-2), so);
  opt.add_constraint(
      {.name = "ineq", .margin = -0.3, .value = [&] { return w1.mean() * 10 + b1.mean(); }});
  opt.add_constraint({.name = "eq", .sense = Sense::kEquality, .value = [&] {
                        return (w2 * c).sum() + b1.sum() * 0.1 - 1.0;
                      }});
  opt.add_constraint({.name = "slack", .margin = 10.0, .value = [&] { return w1.pow(2).mean(); }});
  FusedRun r;
  auto gen = at::make_generator<at::CPUGeneratorImpl>(11);
  for (int s = 0; s < 25; ++s) {
    opt.zero_grad();
    for (auto* p : {&w1, &b1, &w2}) p->mutable_grad() = at::randn(p->sizes(), gen);
    opt.step();
    r.stats.push_back(opt.last_stats());
  }
  for (auto* p : {&w1, &b1, &w2}) r.params.push_back(p->detach().clone());
  return r;
}

TEST(Optimizer, FusedPathTakesTheGeneralPathsSteps) {
  for (bool lm : {false, true}) {
    SCOPED_TRACE(lm ? "lagrangian metric" : "task metric");
    const auto a = run_fused(true, lm), b = run_fused(false, lm);
    int clipped = 0, active = 0;
    for (size_t s = 0; s < a.stats.size(); ++s) {
      for (size_t e = 0; e < a.stats[s].edges.size(); ++e) {
        const auto& ea = a.stats[s].edges[e];
        const auto& eb = b.stats[s].edges[e];
        EXPECT_NEAR(ea.value, eb.value, 1e-4 * (1 + std::abs(eb.value))) << s << " " << ea.name;
        EXPECT_NEAR(ea.predicted_change, eb.predicted_change,
                    1e-3 * (1e-3 + std::abs(eb.predicted_change)))
            << s << " " << ea.name;
        EXPECT_EQ(ea.active, eb.active);
        active += ea.active;
      }
      for (size_t k = 0; k < a.stats[s].blocks.size(); ++k) {
        EXPECT_EQ(a.stats[s].blocks[k].clipped, b.stats[s].blocks[k].clipped) << s;
        clipped += a.stats[s].blocks[k].clipped;
      }
    }
    EXPECT_GT(active, 35);  // the inequality was active on some steps too
    EXPECT_GT(clipped, 0);  // and the trust radius clipped some steps
    for (size_t t = 0; t < a.params.size(); ++t)
      EXPECT_TRUE(torch::allclose(a.params[t], b.params[t], 1e-4, 1e-6)) << t;
  }
}

}  // namespace
}  // namespace galt
