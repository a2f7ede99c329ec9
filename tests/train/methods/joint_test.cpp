// Joint training (src/train/methods/joint.cpp), the upper bound: after the
// second task it still knows the first (it trains on both), where
// fine-tuning has forgotten it.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <string>

#include "galt/error.h"
#include "galt/train/runner.h"
#include "train/method_driver.h"
#include "train/synthetic_data.h"

namespace galt::train {
namespace {

TEST(Joint, DoesNotForgetTheFirstTask) {
  auto p = testing::tiny_protocol({"adamw", "joint"}, 40);
  p.tasks = 2;
  p.safety = {};
  ContinualRunner runner(p);
  runner.set_data(testing::synthetic_data());
  const auto r = runner.run();
  const auto& adamw = r.methods[0].runs[0].acc_class_il;
  const auto& joint = r.methods[1].runs[0].acc_class_il;
  EXPECT_GT(joint[0][0], 0.9);  // task 0 alone first: only its rows
  EXPECT_GT(joint[1][1], 0.9);
  EXPECT_GT(joint[1][0], 0.9);  // still knows task 0 after task 1
  EXPECT_LT(adamw[1][0], 0.5);  // fine-tuning forgot it (class-incremental)
  EXPECT_GT(joint[1][0], adamw[1][0] + 0.4);
}

TEST(Joint, UsesTheTrainingRowsOfTheTasksSeenSoOnly) {
  // Task 1's rows (classes 2, 3) are poisoned: joint must not touch them
  // while it trains task 0, and must when it trains task 1.
  auto data = testing::synthetic_data();
  data.train.images.index_put_({data.train.labels.eq(2)}, std::nan(""));
  auto p = testing::tiny_protocol({"joint"}, 20);
  p.safety = {};
  EXPECT_NO_THROW(testing::drive("joint", {}, p, data, 1));
  try {
    testing::drive("joint", {}, p, data, 2);
    FAIL() << "expected a NaN loss at task 1";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
  }
}

TEST(Joint, NeedsTheTasksTrainingRowsAndChecksItsOptions) {
  const auto p = testing::tiny_protocol({"joint"});
  EXPECT_THROW(make_method("joint", {{"replay_batch", 8}}, p), InputError);
  auto m = make_method("joint", {{"safety_beta", 0.0}}, p);
  TrainingContext ctx;  // no tasks_train
  ctx.protocol = &p;
  EXPECT_THROW(m->begin_task(ctx), InputError);
}

}  // namespace
}  // namespace galt::train
