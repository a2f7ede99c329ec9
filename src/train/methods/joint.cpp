// Joint training, the upper bound (DESIGN §8): every step trains on a batch
// of protocol.batch rows drawn uniformly from the union of the TRAINING rows
// of tasks 0..ctx.task (ctx.tasks_train; an epoch-wise seeded permutation of
// the union, data::BatchSampler, restarted at each task), with the scenario's
// loss mask; the runner's batch of the current task is not used. It trains on
// data outside the memory budget BY DESIGN: it is the bound every continual
// method is read against, not a competitor. In the safety track the safety
// penalty (detail::safety_penalty, DESIGN §6, §8) is added from the first step.
// Options ([methods.joint]): safety_beta 1.0 (0: no safety penalty).
#include <torch/torch.h>

#include <algorithm>
#include <optional>

#include "galt/data/split.h"
#include "galt/error.h"
#include "train/methods/method_common.h"
#include "train/methods/methods.h"
#include "train/training_checks.h"

namespace galt::train {
namespace {

class Joint : public ContinualMethod {
 public:
  explicit Joint(const MethodOptions& o) {
    detail::OptionReader r("joint", o);
    safety_beta_ = r.positive("safety_beta", detail::kSafetyBeta, true);
    r.finish();
  }
  std::string name() const override { return "joint"; }
  void begin(TrainingContext& ctx) override {
    opt_ = std::make_unique<torch::optim::AdamW>(detail::trainable_parameters(*ctx.model),
                                                 detail::adamw_options(*ctx.protocol));
  }
  void begin_task(TrainingContext& ctx) override { start_union(ctx); }
  void train_step(TrainingContext& ctx, const at::Tensor&, const at::Tensor&) override {
    const auto [x, y] = union_batch(ctx, sampler_->next());
    ++draws_;
    opt_->zero_grad();
    auto loss = detail::task_loss(ctx, x, y);
    check_finite_loss(loss, "task loss (joint)");
    loss = detail::with_safety_penalty(ctx, loss, safety_beta_);
    detail::backward_and_step(ctx, loss, *opt_);
  }
  bool can_checkpoint() const override { return true; }
  void save_state(state::OutputArchive& a, const TrainingContext&) const override {
    detail::save_optimizer(a, "adamw", *opt_);
    state::put_int(a, "draws", draws_);
  }
  void load_state(state::InputArchive& a, TrainingContext& ctx) override {
    detail::load_optimizer(a, "adamw", *opt_);
    const int64_t draws = state::get_int(a, "draws");
    if (draws < 0 || draws > ctx.protocol->iterations)
      throw InputError("checkpoint: joint drew " + std::to_string(draws) +
                       " batches in a task of " + std::to_string(ctx.protocol->iterations));
    // The task's sampler as begin_task made it, moved on by the batches drawn
    // (cheap: a permutation per epoch).
    start_union(ctx);
    for (int64_t i = 0; i < draws; ++i) sampler_->next();
    draws_ = draws;
  }

 private:
  // The union of the tasks seen so far and its sampler (task start).
  void start_union(const TrainingContext& ctx) {
    if (!ctx.tasks_train || static_cast<int>(ctx.tasks_train->size()) <= ctx.task)
      throw InputError("joint: the context has no training rows for task " +
                       std::to_string(ctx.task) + " (TrainingContext::tasks_train)");
    // Row r of the union is row r − offsets_[t] of task t, offsets_[t] ≤ r < offsets_[t+1].
    offsets_.assign(1, 0);
    for (int t = 0; t <= ctx.task; ++t)
      offsets_.push_back(offsets_.back() + (*ctx.tasks_train)[static_cast<size_t>(t)].size());
    sampler_.emplace(offsets_.back(), ctx.protocol->batch,
                     (ctx.seed * 31 + 19) * 1000003ULL + static_cast<uint64_t>(ctx.task),
                     /*drop_last=*/true);
    draws_ = 0;
  }

  // The union's rows `idx`, gathered task by task (no copy of the union).
  std::pair<at::Tensor, at::Tensor> union_batch(const TrainingContext& ctx,
                                                const at::Tensor& idx) const {
    std::vector<at::Tensor> xs, ys;
    for (size_t t = 0; t + 1 < offsets_.size(); ++t) {
      const auto in = idx.ge(offsets_[t]).logical_and(idx.lt(offsets_[t + 1]));
      const auto local = idx.masked_select(in) - offsets_[t];
      if (local.numel() == 0) continue;
      const auto& d = (*ctx.tasks_train)[t];
      xs.push_back(d.images.index_select(0, local));
      ys.push_back(d.labels.index_select(0, local));
    }
    return {torch::cat(xs), torch::cat(ys)};
  }

  double safety_beta_;
  std::vector<int64_t> offsets_;
  std::optional<data::BatchSampler> sampler_;
  int64_t draws_ = 0;  // batches drawn from sampler_ (its place, for checkpoints)
  std::unique_ptr<torch::optim::AdamW> opt_;
};

}  // namespace

std::unique_ptr<ContinualMethod> make_joint(const MethodOptions& o, const ProtocolConfig&) {
  return std::make_unique<Joint>(o);
}

}  // namespace galt::train
