// One `galt train` run: the same config gives the same run on every
// executor; local steps are counted as configured; the forward edges are
// traced; a diverging run and a missing process group are clear errors; the
// transformer trains on the fortunes.
#include <galt/error.h>
#include <galt/train/training_run.h>
#include <gtest/gtest.h>

#include <cmath>

namespace galt::train {
namespace {

RunConfig tiny_mlp() {
  RunConfig c;
  c.source = "tiny";
  c.hidden = {16, 16};
  c.steps = 12;
  c.batch = 32;
  c.lr = 1e-2;
  c.eval_every = 6;
  c.eval_rows = 200;
  c.trace_every = 3;
  c.refresh_period = 4;
  c.refresh_trigger = std::numeric_limits<double>::infinity();  // refreshes on the period only
  return c;
}

TEST(TrainingRun, LocalStepsBetweenRefreshes) {
  const auto r = run_training(tiny_mlp());
  EXPECT_EQ(r.blocks, (std::vector<std::string>{"fc1", "fc2", "fc3"}));
  EXPECT_EQ(r.block_parameters, (std::vector<int64_t>{784 * 16 + 16, 16 * 16 + 16, 16 * 10 + 10}));
  EXPECT_EQ(r.counters.steps, 12);
  EXPECT_EQ(r.counters.global_steps, 3);  // steps 0, 4, 8
  EXPECT_EQ(r.counters.local_steps, 9);
  EXPECT_EQ(r.refreshes, 3);
  EXPECT_EQ(r.trace_steps, (std::vector<int64_t>{3, 6, 9, 12}));
  EXPECT_EQ(r.refresh_step, (std::vector<bool>{false, false, true, false}));  // step 9 is index 8
  ASSERT_EQ(r.forward_edges.size(), 2u);
  EXPECT_EQ(r.forward_edges[0].name, "forward_fc1");
  EXPECT_EQ(r.eval_steps, (std::vector<int64_t>{6, 12}));
  EXPECT_EQ(r.validation_curve[0].rows, 200);
  EXPECT_EQ(r.validation.rows, 6000);  // 10 % of 60,000
  EXPECT_EQ(r.test.rows, 10000);
  // 12 steps, 9 of them local, learn little (the same 12 end to end reach
  // 0.38): the loss has left ln 10, the accuracy is measured on every row.
  EXPECT_LT(r.test.loss, std::log(10.0));
  EXPECT_EQ(r.metric, "accuracy");
}

TEST(TrainingRun, EndToEndHasNoLocalStepsNorForwardEdges) {
  auto c = tiny_mlp();
  c.local_steps = false;
  const auto r = run_training(c);
  EXPECT_EQ(r.counters.local_steps, 0);
  EXPECT_EQ(r.counters.global_steps, 12);
  EXPECT_TRUE(r.forward_edges.empty());
  EXPECT_GT(r.test.metric, 0.3);
  EXPECT_NE(r.fingerprint, run_training(tiny_mlp()).fingerprint);
}

TEST(TrainingRun, SameRunOnEveryExecutor) {
  const auto serial = run_training(tiny_mlp());
  EXPECT_EQ(run_training(tiny_mlp()).fingerprint, serial.fingerprint);
  auto c = tiny_mlp();
  c.executor = "threads";
  c.threads = 2;
  const auto threads = run_training(c);
  EXPECT_EQ(threads.fingerprint, serial.fingerprint);
  EXPECT_EQ(threads.test.metric, serial.test.metric);
  c.seed = 2;
  EXPECT_NE(run_training(c).fingerprint, serial.fingerprint);
}

TEST(TrainingRun, ProcessesNeedAProcessGroup) {
  auto c = tiny_mlp();
  c.executor = "processes";
  EXPECT_THROW(run_training(c), InputError);
}

TEST(TrainingRun, DivergenceIsAnInputError) {
  auto c = tiny_mlp();
  c.lr = 1e30;
  c.local_steps = false;
  try {
    run_training(c);
    ADD_FAILURE() << "a run with lr 1e30 did not diverge";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("task loss"), std::string::npos) << e.what();
  }
}

TEST(TrainingRun, TransformerOnFortunes) {
  RunConfig c;
  c.source = "tiny-lm";
  c.model = "transformer";
  c.data = "fortunes";
  c.transformer.width = 16;
  c.transformer.layers = 2;
  c.transformer.heads = 2;
  c.window = 16;
  c.steps = 6;
  c.batch = 4;
  c.eval_every = 0;
  c.eval_rows = 50;
  c.refresh_period = 3;
  c.fwd_probe = 4;
  c.trace_every = 2;
  const auto r = run_training(c);
  EXPECT_EQ(r.metric, "bits_per_char");
  EXPECT_EQ(r.blocks, (std::vector<std::string>{"embed", "layer1", "layer2", "head"}));
  EXPECT_EQ(r.forward_edges.size(), 3u);
  EXPECT_TRUE(std::isfinite(r.test.loss));
  EXPECT_LT(r.test.loss, std::log(99.0) + 0.5);  // about uniform over 99 ids, or better
  EXPECT_NEAR(r.test.metric, r.test.loss / std::log(2.0), 1e-9);
  EXPECT_EQ(r.counters.global_steps, 2);
}

}  // namespace
}  // namespace galt::train
