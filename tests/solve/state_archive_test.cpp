// Checkpoints of the optimizer's companions (galt/solve/state_archive.h and
// the save/load of RefreshSchedule, DualTrace, LinearisedEdges,
// ForwardEdges): an optimizer with linearised edges restored from an
// archive takes the steps the saved one takes, bit for bit.
#include "galt/solve/state_archive.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sstream>

#include "galt/error.h"
#include "galt/solve/forward_edges.h"
#include "galt/solve/linearised_edges.h"
#include "galt/solve/optimizer.h"
#include "galt/solve/refresh_schedule.h"

namespace galt {
namespace {

// A quadratic task under one nonlinear edge kept as a linearised message,
// refreshed every 3 steps (so between refreshes the messages read θ₀).
struct LinearisedRun {
  at::Tensor w = torch::linspace(-1.0, 1.0, 6).requires_grad_(true);
  Optimizer opt{{w}, OptimizerOptions(5e-2).weight_decay(0)};
  LinearisedEdges lin{{w}};
  std::shared_ptr<RefreshSchedule> schedule =
      std::make_shared<RefreshSchedule>(RefreshOptions{.period = 3, .trigger = 1e9});
  std::shared_ptr<DualTrace> trace = std::make_shared<DualTrace>(2);
  int64_t step = 0;

  LinearisedRun() {
    opt.add_callback(schedule);
    opt.add_callback(lin.callback());
    opt.add_callback(trace);
    opt.add_constraint({.name = "sq", .margin = 0.5, .message = lin.track("sq", 0.5, {w})});
  }
  void steps(int n) {
    for (int i = 0; i < n; ++i, ++step) {
      if (schedule->next(step)) {
        auto v = w.pow(2).sum();
        auto g = torch::autograd::grad({v}, {w})[0];
        lin.refresh({"sq"}, {v.item<double>()}, {{g}});
      }
      opt.zero_grad();
      (w - 2.0).pow(2).sum().backward();
      opt.step();
    }
  }
  std::string save() const {
    torch::serialize::OutputArchive root, o, s, l, t;
    opt.save(o);
    schedule->save(s);
    lin.save(l);
    trace->save(t);
    state::put_in_place(root, "w", {w});
    state::put_int(root, "step", step);
    root.write("optimizer", o);
    root.write("schedule", s);
    root.write("linearised", l);
    root.write("trace", t);
    std::ostringstream bytes;
    root.save_to(bytes);
    return bytes.str();
  }
  void load(const std::string& bytes) {
    torch::serialize::InputArchive root, o, s, l, t;
    root.load_from(bytes.data(), bytes.size());
    state::get_in_place(root, "w", {w});
    step = state::get_int(root, "step");
    root.read("optimizer", o);
    root.read("schedule", s);
    root.read("linearised", l);
    root.read("trace", t);
    opt.load(o);
    schedule->load(s);
    lin.load(l);
    trace->load(t);
  }
};

TEST(StateArchive, RestoredLinearisedRunTakesTheSavedRunsSteps) {
  LinearisedRun whole;
  whole.steps(20);
  for (int at : {4, 8}) {  // between refreshes (θ₀ in use) and right after one
    SCOPED_TRACE(at);
    LinearisedRun first;
    first.steps(at);
    const std::string bytes = first.save();
    LinearisedRun second;
    second.load(bytes);
    second.steps(20 - at);
    EXPECT_TRUE(torch::equal(second.w, whole.w));
    EXPECT_EQ(second.schedule->refreshes(), whole.schedule->refreshes());
    EXPECT_EQ(second.lin.refreshes(), whole.lin.refreshes());
    EXPECT_EQ(second.opt.counters().steps, whole.opt.counters().steps);
    EXPECT_EQ(second.opt.tasks_begun(), whole.opt.tasks_begun());
    const auto a = whole.trace->traces(), b = second.trace->traces();
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(a[0].step, b[0].step);
    EXPECT_EQ(a[0].value, b[0].value);
    EXPECT_EQ(a[0].lambda, b[0].lambda);
    EXPECT_EQ(a[0].rho, b[0].rho);
  }
}

TEST(StateArchive, ForwardReferencesRoundTrip) {
  torch::manual_seed(2);
  auto w1 = torch::randn({5, 4}), w2 = torch::randn({3, 5});
  BlockChain chain;
  chain.stages = {[&](const at::Tensor& z) { return torch::relu(z.mm(w1.t())); },
                  [&](const at::Tensor& z) { return z.mm(w2.t()); }};
  chain.out_dim = {5, 3};
  ForwardEdges saved(chain, {"a", "b"}), restored(chain, {"a", "b"});
  saved.refresh(torch::randn({16, 4}));
  w1.mul_(1.3);  // some drift to measure
  torch::serialize::OutputArchive out;
  saved.save(out);
  std::ostringstream bytes;
  out.save_to(bytes);
  torch::serialize::InputArchive in;
  const std::string b = bytes.str();
  in.load_from(b.data(), b.size());
  restored.load(in);
  EXPECT_EQ(restored.edges()[0].value().item<double>(), saved.edges()[0].value().item<double>());
  ForwardEdges longer(BlockChain{{chain.stages[0], chain.stages[1], chain.stages[1]}, {5, 3, 3}},
                      {"a", "b", "c"});
  EXPECT_THROW(longer.load(in), InputError);  // another chain's references
}

TEST(StateArchive, MissingOrMistypedValuesAreInputErrors) {
  torch::serialize::OutputArchive out;
  state::put_int(out, "n", 3);
  state::put_doubles(out, "xs", {1.0, 2.5});
  state::put_tensor(out, "none", at::Tensor());
  state::put_in_place(out, "p", {torch::ones({2})});
  std::ostringstream bytes;
  out.save_to(bytes);
  torch::serialize::InputArchive in;
  const std::string b = bytes.str();
  in.load_from(b.data(), b.size());
  EXPECT_EQ(state::get_int(in, "n"), 3);
  EXPECT_EQ(state::get_doubles(in, "xs"), (std::vector<double>{1.0, 2.5}));
  EXPECT_FALSE(state::get_tensor(in, "none").defined());
  EXPECT_THROW(state::get_int(in, "missing"), InputError);
  EXPECT_THROW(state::get_double(in, "n"), InputError);  // an integer, not a number
  EXPECT_THROW(state::get_ints(in, "xs"), InputError);   // doubles, not integers
  EXPECT_THROW(state::get_in_place(in, "p", {torch::ones({3})}), InputError);  // another shape
  auto t = torch::zeros({2});
  state::get_in_place(in, "p", {t});
  EXPECT_TRUE(torch::equal(t, torch::ones({2})));
}

}  // namespace
}  // namespace galt
