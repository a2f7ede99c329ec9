// DER++ (src/train/methods/derpp.cpp): after a second task its logits on the
// first task's memory stay closer to those frozen there than fine-tuning's,
// and the logit term (alpha) is what keeps them.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "galt/error.h"
#include "train/method_driver.h"

namespace galt::train {
namespace {

// Mean squared distance of the logits on task 0's memory, after task 1, to
// those frozen at the end of task 0 (DER++'s own measure).
double logit_drift(const std::string& method, const MethodOptions& o = {}) {
  auto p = testing::tiny_protocol({method}, 30);
  p.safety = {};  // the standard track
  const auto run = testing::drive(method, o, p, testing::synthetic_data(), 2);
  const auto& a = run.anchors[0];
  torch::NoGradGuard no_grad;
  return torch::mse_loss(run.model->forward(a.x), a.logits).item<double>();
}

TEST(DERpp, KeepsTheStoredLogitsCloserThanFineTuning) {
  const double adamw = logit_drift("adamw");
  const double derpp = logit_drift("derpp");
  const double labels_only = logit_drift("derpp", {{"alpha", 0.0}});
  const double strong = logit_drift("derpp", {{"alpha", 1.0}});
  // Measured 4.3 (adamw), 0.32 (derpp), 0.55 (alpha 0), 0.045 (alpha 1).
  EXPECT_GT(adamw, 0.05);
  EXPECT_LT(derpp, 0.5 * adamw);
  EXPECT_LT(derpp, labels_only);  // the logit term does it, not the label replay
  EXPECT_LT(strong, 0.5 * derpp);
}

TEST(DERpp, ChecksItsOptions) {
  const auto p = testing::tiny_protocol({"derpp"});
  EXPECT_NO_THROW(make_method(
      "derpp", {{"replay_batch", 32}, {"alpha", 0.2}, {"beta", 1.0}, {"safety_beta", 2.0}}, p));
  EXPECT_THROW(make_method("derpp", {{"temperature", 2.0}}, p), InputError);
  EXPECT_THROW(make_method("derpp", {{"beta", -0.5}}, p), InputError);
  EXPECT_THROW(make_method("derpp", {{"replay_batch", 0}}, p), InputError);
}

}  // namespace
}  // namespace galt::train
