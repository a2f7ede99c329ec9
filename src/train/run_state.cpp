// The runner's part of a run checkpoint (run_state.h).
#include "train/run_state.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <mutex>

#include "galt/error.h"

namespace galt::train::detail {

namespace {

std::vector<double> flat(const AccuracyMatrix& m) {
  std::vector<double> out;
  for (const auto& row : m) out.insert(out.end(), row.begin(), row.end());
  return out;
}

void unflat(const std::vector<double>& v, AccuracyMatrix& m, const std::string& what) {
  size_t n = 0;
  for (const auto& row : m) n += row.size();
  if (v.size() != n)
    throw InputError("checkpoint: the " + what + " has " + std::to_string(v.size()) +
                     " entries, this run's " + std::to_string(n));
  size_t i = 0;
  for (auto& row : m)
    for (auto& x : row) x = v[i++];
}

std::string names_of(const TrainingContext& ctx) {
  std::string out;
  for (const auto& p : ctx.model->named_parameters()) out += p.key() + ";";
  out += "|";
  for (const auto& b : ctx.model->named_buffers()) out += b.key() + ";";
  return out;
}

}  // namespace

void save_run_state(state::OutputArchive& a, const RunPosition& at, const SeedRun& run,
                    const TrainingContext& ctx, const std::vector<AnchorSet>& anchors) {
  state::put_int(a, "task", at.task);
  state::put_int(a, "iteration", at.iteration);
  state::put_int(a, "step", ctx.step);
  state::put_tensor(a, "seen_mask", ctx.seen_mask);
  {
    // Nothing the runner calls draws from it after a method's begin(), but a
    // method may (LibTorch initialisers, dropout): kept so that it need not.
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    state::put_tensor(a, "generator", gen.get_state());
  }
  state::put_int(a, "anchors", static_cast<int64_t>(anchors.size()));
  for (size_t i = 0; i < anchors.size(); ++i) {
    const std::string key = "anchor" + std::to_string(i);
    state::put_int(a, key + "/task", anchors[i].task);
    state::put_tensor(a, key + "/mask", anchors[i].mask);
    state::put_tensor(a, key + "/logits", anchors[i].logits);
    state::put_tensor(a, key + "/target", anchors[i].target);
  }
  state::put_doubles(a, "acc_task_il", flat(run.acc_task_il));
  state::put_doubles(a, "acc_class_il", flat(run.acc_class_il));
  state::put_ints(a, "safety_steps", run.safety_steps);
  state::put_doubles(a, "safety_rate", run.safety_rate);
  state::put_ints(a, "safety_forbidden_seen",
                  {run.safety_forbidden_seen.begin(), run.safety_forbidden_seen.end()});
  state::put_counters(a, "counters", run.counters);
  state::put_double(a, "wall_seconds", run.wall_seconds);
  state::put_double(a, "eval_seconds", run.eval_seconds);
  state::put_string(a, "model/names", names_of(ctx));
  state::put_in_place(a, "model/parameters", ctx.model->parameters());
  state::put_in_place(a, "model/buffers", ctx.model->buffers());
}

RunPosition load_run_state(state::InputArchive& a, SeedRun& run, TrainingContext& ctx,
                           std::vector<AnchorSet>& anchors,
                           const std::vector<data::Dataset>& anchor_rows, int64_t iterations) {
  RunPosition at;
  const int64_t task = state::get_int(a, "task");
  at.iteration = state::get_int(a, "iteration");
  const int64_t step = state::get_int(a, "step");
  const auto tasks = static_cast<int64_t>(anchor_rows.size());
  if (task < 0 || task >= tasks || at.iteration < 1 || at.iteration > iterations ||
      step != task * iterations + at.iteration)
    throw InputError("checkpoint: task " + std::to_string(task) + ", iteration " +
                     std::to_string(at.iteration) + ", step " + std::to_string(step) +
                     " is not a place in a run of " + std::to_string(tasks) + " tasks × " +
                     std::to_string(iterations) + " iterations");
  at.task = static_cast<int>(task);

  const auto seen = state::get_tensor(a, "seen_mask");
  if (!seen.defined() || seen.scalar_type() != torch::kBool ||
      seen.sizes() != ctx.seen_mask.sizes())
    throw InputError("checkpoint: the classes seen do not fit this run's classes");

  std::vector<AnchorSet> restored;
  const int64_t n = state::get_int(a, "anchors");
  if (n != task)
    throw InputError("checkpoint: " + std::to_string(n) + " anchor sets in task " +
                     std::to_string(task) + " (one per finished task)");
  for (int64_t i = 0; i < n; ++i) {
    const std::string key = "anchor" + std::to_string(i);
    AnchorSet s;
    s.task = static_cast<int>(state::get_int(a, key + "/task"));
    if (s.task != i)
      throw InputError("checkpoint: anchor set " + std::to_string(i) + " is task " +
                       std::to_string(s.task));
    s.x = anchor_rows[static_cast<size_t>(i)].images;
    s.y = anchor_rows[static_cast<size_t>(i)].labels;
    s.mask = state::get_tensor(a, key + "/mask");
    s.logits = state::get_tensor(a, key + "/logits");
    s.target = state::get_tensor(a, key + "/target");
    if (!s.logits.defined() || !s.target.defined() || !s.mask.defined() ||
        s.logits.size(0) != s.x.size(0) || s.target.sizes() != s.logits.sizes())
      throw InputError("checkpoint: anchor set " + std::to_string(i) +
                       " does not fit this run's anchor rows");
    restored.push_back(std::move(s));
  }

  SeedRun r = run;
  unflat(state::get_doubles(a, "acc_task_il"), r.acc_task_il, "task-incremental matrix");
  unflat(state::get_doubles(a, "acc_class_il"), r.acc_class_il, "class-incremental matrix");
  r.safety_steps = state::get_ints(a, "safety_steps");
  r.safety_rate = state::get_doubles(a, "safety_rate");
  const auto forbidden_seen = state::get_ints(a, "safety_forbidden_seen");
  r.safety_forbidden_seen.assign(forbidden_seen.begin(), forbidden_seen.end());
  if (r.safety_rate.size() != r.safety_steps.size() ||
      r.safety_forbidden_seen.size() != r.safety_steps.size())
    throw InputError("checkpoint: the safety measurements have series of different lengths");
  r.counters = state::get_counters(a, "counters");
  r.wall_seconds = state::get_double(a, "wall_seconds");
  r.eval_seconds = state::get_double(a, "eval_seconds");

  if (state::get_string(a, "model/names") != names_of(ctx))
    throw InputError("checkpoint: the model's tensors are not this run's model's");
  const auto generator = state::get_tensor(a, "generator");
  if (!generator.defined() || generator.scalar_type() != torch::kByte)
    throw InputError("checkpoint: no generator state");

  // Everything read and checked: now the run takes it (the model last, as
  // get_in_place checks each tensor before it copies).
  state::get_in_place(a, "model/parameters", ctx.model->parameters());
  state::get_in_place(a, "model/buffers", ctx.model->buffers());
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    gen.set_state(generator);
  }
  run = std::move(r);
  anchors = std::move(restored);
  ctx.step = step;
  ctx.seen_mask = seen;
  return at;
}

}  // namespace galt::train::detail
