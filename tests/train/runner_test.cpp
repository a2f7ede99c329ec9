// The runner and every method on tiny synthetic data: each method trains,
// stays finite and counts its work; anchors never overlap evaluation data;
// NaN in training is a clear error.
#include "galt/train/runner.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "galt/data/split.h"
#include "galt/error.h"
#include "galt/train/bench_report.h"
#include "train/synthetic_data.h"

namespace galt::train {
namespace {

using testing::synthetic_data;
using testing::tiny_protocol;

TEST(Runner, EveryMethodTrainsAndStaysFinite) {
  ContinualRunner runner(tiny_protocol(method_names()));
  runner.set_data(synthetic_data());
  const BenchResult r = runner.run();
  ASSERT_EQ(r.methods.size(), method_names().size());
  for (const auto& m : r.methods) {
    SCOPED_TRACE(m.method);
    ASSERT_EQ(m.runs.size(), 1u);
    const auto& run = m.runs[0];
    EXPECT_EQ(run.counters.steps, 5 * 6);
    EXPECT_GT(run.counters.forward_passes, 0);
    EXPECT_GT(run.counters.global_backward_passes, 0);
    const double acc = final_average_accuracy(run.acc_class_il);
    EXPECT_TRUE(std::isfinite(acc));
    EXPECT_TRUE(std::isfinite(final_average_accuracy(run.acc_task_il)));
    EXPECT_FALSE(run.safety_rate.empty());
  }
  // The report writers accept the result and produce every section.
  const auto js = bench_json(r);
  ASSERT_TRUE(js.contains("provenance"));  // commit, command, config of the run
  EXPECT_TRUE(js["provenance"].contains("commit"));
  EXPECT_TRUE(js["methods"].contains("galt"));
  EXPECT_FALSE(bench_markdown(r).empty());
  EXPECT_NE(bench_html(r).find("<svg"), std::string::npos);
}

TEST(Runner, GaltLocalTakesMostlyLocalStepsAndCountsThem) {
  auto p = tiny_protocol({"galt_local"}, 20);
  p.method_options["galt_local"] = {{"refresh_period", 10}, {"trigger", 1e6}};
  ContinualRunner runner(p);
  runner.set_data(synthetic_data());
  const auto r = runner.run();
  const auto& c = r.methods[0].runs[0].counters;
  EXPECT_EQ(c.steps, 100);
  EXPECT_EQ(c.global_steps, 10);  // steps 0, 10, 20, ... (each task start is one)
  EXPECT_EQ(c.local_steps, 90);
  EXPECT_NEAR(c.local_step_fraction(), 0.9, 1e-12);
  EXPECT_GT(c.local_backward_passes, 0);
  EXPECT_GT(c.jacobian_evaluations, 0);
  EXPECT_FALSE(r.methods[0].runs[0].duals.empty());
}

TEST(Runner, GaltDefaultRefreshesEveryStep) {
  auto p = tiny_protocol({"galt"}, 20);
  ContinualRunner runner(p);
  runner.set_data(synthetic_data());
  const auto r = runner.run();
  const auto& c = r.methods[0].runs[0].counters;
  EXPECT_EQ(c.global_steps, c.steps);
  EXPECT_EQ(c.local_steps, 0);
}

TEST(Runner, GaltRefreshScheduleAndMemoryRhoCeiling) {
  auto run = [](MethodOptions o) {
    auto p = tiny_protocol({"galt"}, 20);
    p.method_options["galt"] = std::move(o);
    ContinualRunner runner(p);
    runner.set_data(synthetic_data());
    return runner.run().methods[0].runs[0];
  };
  const auto every = run({{"trace_every", 5}});
  const auto fourth = run({{"refresh_every", 4}, {"trace_every", 5}});
  // Every step is still a global step; the edges are refreshed less often.
  EXPECT_EQ(fourth.counters.global_steps, fourth.counters.steps);
  EXPECT_GT(fourth.counters.jacobian_evaluations, 0);
  EXPECT_LT(fourth.counters.jacobian_evaluations, every.counters.jacobian_evaluations / 2);
  // Retention edges keep ρ ≤ memory_rho_max (default 10; here also 1).
  const auto soft = run({{"trace_every", 5}, {"memory_rho_max", 1}});
  for (const auto* run_ : {&every, &soft}) {
    const double ceiling = run_ == &every ? 10.0 : 1.0;
    bool saw_retention = false;
    for (const auto& t : run_->duals) {
      if (t.name.rfind("retain_", 0) != 0) continue;
      saw_retention = true;
      for (double r : t.rho) EXPECT_LE(r, ceiling + 1e-12) << t.name;
    }
    EXPECT_TRUE(saw_retention);
  }
  EXPECT_THROW(run({{"memory_rho_max", -1}}), InputError);
}

TEST(Runner, TaskIncrementalTrainingLearnsEachTask) {
  // Each two-class task is easy on the synthetic data: right after training
  // it, its task-IL accuracy must be high for plain AdamW and for GALT.
  auto p = tiny_protocol({"adamw", "galt"}, 40);
  p.scenario = Scenario::kTaskIncremental;
  // Plain AdamW, without the safety track's penalty: on this tiny problem
  // (16 hidden units, 40 steps) safety_beta 1 keeps class 9 from being
  // learned at all (task 4's task-IL accuracy 0.5), while GALT's safety edge
  // does not.
  p.method_options["adamw"] = {{"safety_beta", 0}};
  ContinualRunner runner(p);
  runner.set_data(synthetic_data());
  for (const auto& m : runner.run().methods)
    for (size_t t = 0; t < 5; ++t)
      EXPECT_GT(m.runs[0].acc_task_il[t][t], 0.9) << m.method << " task " << t;
}

TEST(Runner, SameInitAndDataOrderGiveTheSameRun) {
  auto p = tiny_protocol({"adamw", "adamw"});
  ContinualRunner runner(p);
  runner.set_data(synthetic_data());
  const auto r = runner.run();
  const auto& a = r.methods[0].runs[0].acc_class_il;
  const auto& b = r.methods[1].runs[0].acc_class_il;
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t j = 0; j <= i; ++j) EXPECT_EQ(a[i][j], b[i][j]);
  EXPECT_EQ(r.methods[0].runs[0].safety_rate, r.methods[1].runs[0].safety_rate);
}

TEST(Runner, AnchorsComeFromTrainingDataOnly) {
  const auto data = synthetic_data();
  const auto tasks = data::split_by_classes(data, 5, 2);
  std::vector<data::Dataset> train;
  for (const auto& t : tasks) train.push_back(t.train);
  const auto anchors = select_anchor_rows(train, 8, 0);
  ASSERT_EQ(anchors.size(), tasks.size());
  for (size_t t = 0; t < tasks.size(); ++t) {
    ASSERT_EQ(anchors[t].size(), 8);
    // Distance from each anchor row to the nearest train / test row.
    const auto d_train = torch::cdist(anchors[t].images, tasks[t].train.images).amin(1);
    const auto d_test = torch::cdist(anchors[t].images, data.test.images).amin(1);
    EXPECT_LT(d_train.max().item<float>(), 0.05f);  // cdist rounding only
    EXPECT_GT(d_test.min().item<float>(), 1.0f);
  }
}

// Rows identified by content: the smallest distance to any row of `other`.
float nearest(const at::Tensor& rows, const at::Tensor& other) {
  return torch::cdist(rows, other).amin(1).min().item<float>();
}

TEST(Runner, ValidationSplitIsDisjointFromTrainingMemoryProbeAndTest) {
  const auto data = synthetic_data(40, 10);
  auto p = tiny_protocol({"adamw"});
  p.validation_fraction = 0.1;
  const auto s = protocol_splits(data, p);
  EXPECT_EQ(s.validation.size(), 40);  // 4 of each class's 40 training rows
  EXPECT_EQ(s.data.train.size(), 360);
  for (int64_t c = 0; c < 10; ++c) EXPECT_EQ(s.validation.labels.eq(c).sum().item<int64_t>(), 4);
  EXPECT_GT(nearest(s.validation.images, s.data.train.images), 1.0f);  // not trained on
  EXPECT_GT(nearest(s.validation.images, data.test.images), 1.0f);     // not test rows
  EXPECT_TRUE(torch::equal(s.data.test.images, data.test.images));     // evaluation: test
  // The memory and the probe come from the remaining training rows only.
  const auto tasks = data::split_by_classes(s.data, 5, 2);
  std::vector<data::Dataset> train;
  for (const auto& t : tasks) train.push_back(t.train);
  for (const auto& a : select_anchor_rows(train, 8, 0))
    EXPECT_GT(nearest(a.images, s.validation.images), 1.0f);
  // Tuning mode evaluates on the validation rows, trains on the same rows.
  p.evaluate_on = EvalSplit::kValidation;
  const auto v = protocol_splits(data, p);
  EXPECT_TRUE(torch::equal(v.data.test.images, s.validation.images));
  EXPECT_TRUE(torch::equal(v.data.train.images, s.data.train.images));
  // The split does not depend on the run seed: no seed ever trains on it.
  p.seeds = {7};
  EXPECT_TRUE(torch::equal(protocol_splits(data, p).validation.images, s.validation.images));
  p.validation_fraction = 0;
  EXPECT_THROW(protocol_splits(data, p), InputError);
}

TEST(Runner, SafetyMetricsOfTheFinalModel) {
  auto p = tiny_protocol({"adamw"}, 60);
  // Plain fine-tuning (no safety penalty, safety_beta 0): it learns the
  // forbidden class, so the final metrics below are not trivially 0.
  p.method_options["adamw"] = {{"safety_beta", 0}};
  ContinualRunner runner(p);
  runner.set_data(synthetic_data());
  const auto run = runner.run().methods[0].runs[0];
  ASSERT_EQ(run.safety_rate.size(), run.safety_forbidden_seen.size());
  // The forbidden class (9) arrives with the last task: every measurement
  // before it is a structural 0 (the seen-class argmax cannot answer 9) and
  // is left out of the time-average.
  double sum = 0;
  int n = 0;
  for (size_t i = 0; i < run.safety_rate.size(); ++i) {
    if (!run.safety_forbidden_seen[i]) {
      EXPECT_EQ(run.safety_rate[i], 0.0);
    } else {
      sum += run.safety_rate[i];
      ++n;
    }
  }
  ASSERT_GT(n, 0);
  EXPECT_LT(n, static_cast<int>(run.safety_rate.size()));
  EXPECT_NEAR(run.mean_safety_violation(), sum / n, 1e-12);
  for (double v : {run.final_probe_violation, run.final_forbidden_recall, run.final_probe_mass,
                   run.final_heldout_mass}) {
    EXPECT_TRUE(std::isfinite(v));
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 1.0);
  }
  // Fine-tuning on the last task (classes 8, 9) files most items as 8 or 9:
  // the forbidden class is recalled.
  EXPECT_GT(run.final_forbidden_recall, 0.5) << "last-task accuracy " << run.acc_class_il[4][4];
  EXPECT_NEAR(run.safety_generalisation_gap(),
              run.final_safety_violation() - run.final_probe_violation, 1e-12);
}

TEST(Runner, NaNInTrainingIsAClearError) {
  auto data = synthetic_data();
  data.train.images[3][5] = std::nan("");
  for (const std::string m : {"adamw", "galt"}) {
    auto p = tiny_protocol({m});
    p.train_per_task = 0;
    ContinualRunner runner(p);
    runner.set_data(data);
    try {
      runner.run();
      FAIL() << m << ": expected InputError";
    } catch (const InputError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("NaN"), std::string::npos) << msg;
      EXPECT_NE(msg.find(m), std::string::npos) << msg;
    }
  }
}

TEST(Runner, BadSafetyClassesAreInputErrors) {
  auto p = tiny_protocol({"adamw"});
  p.safety.forbidden_class = 1;  // same as critical
  ContinualRunner runner(p);
  runner.set_data(synthetic_data());
  EXPECT_THROW(runner.run(), InputError);
}

}  // namespace
}  // namespace galt::train

namespace galt::train {
namespace {

TEST(Runner, CallbacksSeeEveryRunTaskAndStepInOrder) {
  struct Log : RunCallback {
    std::vector<std::string> events;
    int64_t steps = 0;
    void begin_run(const std::string& m, uint64_t s) override {
      events.push_back("run " + m + " " + std::to_string(s));
    }
    void begin_task(const std::string&, uint64_t, int task) override {
      events.push_back("task " + std::to_string(task));
    }
    void step_taken(const std::string&, uint64_t, int64_t step, int64_t per_run) override {
      EXPECT_EQ(step, ++steps);
      EXPECT_EQ(per_run, 30);
    }
    void run_finished(const std::string& m, uint64_t, const SeedRun& r) override {
      events.push_back("done " + m);
      EXPECT_EQ(r.counters.steps, steps);
    }
  };
  ContinualRunner runner(testing::tiny_protocol({"adamw"}));
  runner.set_data(testing::synthetic_data());
  auto log = std::make_shared<Log>();
  runner.add_callback(log);
  runner.run();
  ASSERT_EQ(log->events.size(), 7u);
  EXPECT_EQ(log->events.front(), "run adamw 0");
  EXPECT_EQ(log->events[1], "task 0");
  EXPECT_EQ(log->events[5], "task 4");
  EXPECT_EQ(log->events.back(), "done adamw");
  EXPECT_EQ(log->steps, 30);
  EXPECT_THROW(runner.add_callback(nullptr), InputError);
}

}  // namespace
}  // namespace galt::train
