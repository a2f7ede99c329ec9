// ContinualRunner (DESIGN §8): same init, same data order, same memory
// rows for every method; task- and class-incremental evaluation after each
// task; held-out safety violation over time.
#include "galt/train/runner.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <tuple>

#include "galt/data/split.h"
#include "galt/error.h"
#include "galt/models/lora_mlp.h"
#include "galt/models/mlp.h"
#include "galt/solve/threading.h"
#include "galt/train/run_checkpoint.h"
#include "galt/train/run_store.h"
#include "train/run_state.h"
#include "train/training_checks.h"

namespace galt::train {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The validation split's seed: fixed, the same for every run seed, so no
// run ever trains on a validation row.
constexpr uint64_t kValidationSplitSeed = 20261201;

// Seeds of the per-task streams; any fixed injective mix works.
uint64_t task_seed(uint64_t seed, int task, uint64_t salt) {
  return seed * 1000003ULL + static_cast<uint64_t>(task) * 7919ULL + salt;
}

at::Tensor logits_of(models::ClassifierImpl& model, const at::Tensor& x) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> parts;
  for (int64_t i = 0; i < x.size(0); i += 4096)
    parts.push_back(model.forward(x.narrow(0, i, std::min<int64_t>(4096, x.size(0) - i))));
  if (parts.empty()) return torch::zeros({0, 1});
  return torch::cat(parts);
}

double accuracy(const at::Tensor& logits, const at::Tensor& labels, const at::Tensor& mask) {
  if (labels.size(0) == 0) return 0.0;
  const auto pred = masked_logits(logits, mask).argmax(1);
  return pred.eq(labels).to(torch::kDouble).mean().item<double>();
}

at::Tensor class_mask(const std::vector<int64_t>& classes, int64_t num_classes) {
  return data::task_logit_mask(classes, num_classes);
}

// A checkpoint nobody will read (its run is finished and stored).
void remove_stale(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

}  // namespace

ProtocolSplits protocol_splits(const data::TrainTest& data, const ProtocolConfig& p) {
  // The validation split (DESIGN §8.1): a fixed, stratified share of every
  // class's training rows, removed from training in both evaluation modes.
  ProtocolSplits out;
  out.data = data;
  if (p.validation_fraction > 0)
    std::tie(out.validation, out.data.train) =
        data::stratified_split(data.train, p.validation_fraction, kValidationSplitSeed);
  if (p.evaluate_on == EvalSplit::kValidation) {
    if (p.validation_fraction <= 0)
      throw InputError("evaluate_on = \"validation\" needs validation_fraction > 0");
    out.data.test = out.validation;
  }
  return out;
}

std::vector<data::Dataset> select_anchor_rows(const std::vector<data::Dataset>& task_train,
                                              int64_t anchors_per_task, uint64_t seed) {
  std::vector<data::Dataset> out;
  for (size_t t = 0; t < task_train.size(); ++t)
    out.push_back(
        data::split_rows(task_train[t], anchors_per_task, task_seed(seed, static_cast<int>(t), 17))
            .first);
  return out;
}

ContinualRunner::ContinualRunner(ProtocolConfig protocol) : protocol_(std::move(protocol)) {}

void ContinualRunner::set_data(data::TrainTest data) { data_ = std::move(data); }

void ContinualRunner::set_run_store(std::shared_ptr<RunStore> store) { store_ = std::move(store); }

void ContinualRunner::add_callback(std::shared_ptr<RunCallback> callback) {
  if (!callback) throw InputError("continual runner: the callback is null");
  callbacks_.push_back(std::move(callback));
}

void ContinualRunner::set_checkpoint_every(int64_t steps) {
  if (steps < 0)
    throw InputError("checkpoint every " + std::to_string(steps) + " steps: expected >= 0");
  checkpoint_every_ = steps;
}

int64_t ContinualRunner::steps_per_run() const {
  return static_cast<int64_t>(protocol_.tasks) * protocol_.iterations;
}

void ContinualRunner::validate() const {
  const auto& p = protocol_;
  if (p.methods.empty()) throw InputError("protocol '" + p.name + "': no methods to run");
  if (p.seeds.empty()) throw InputError("protocol '" + p.name + "': no seeds");
  // Unknown methods and options fail here, before any training.
  for (const auto& m : p.methods) {
    auto it = p.method_options.find(m);
    const auto method =
        make_method(m, it == p.method_options.end() ? MethodOptions{} : it->second, p);
    if (checkpoint_every_ > 0 && !method->can_checkpoint())
      throw InputError(
          "method '" + m +
          "' cannot be checkpointed; run it without checkpoints (--checkpoint-every 0)");
  }
  for (const auto& [m, _] : p.method_options)
    if (std::find(p.methods.begin(), p.methods.end(), m) == p.methods.end())
      throw InputError("options given for method '" + m + "', which is not in the methods list");
  if (p.iterations < 1) throw InputError("iterations must be >= 1");
  if (p.batch < 1) throw InputError("batch must be >= 1");
  if (!(p.lr > 0 && std::isfinite(p.lr))) throw InputError("lr must be finite and > 0");
  if (!(p.weight_decay >= 0 && std::isfinite(p.weight_decay)))
    throw InputError("weight_decay must be finite and >= 0");
  if (p.anchors_per_task < 1) throw InputError("anchors_per_task must be >= 1");
  if (p.eval_every < 1) throw InputError("eval_every must be >= 1");
  if (p.model != "mlp" && p.model != "lora_mlp")
    throw InputError("model \"" + p.model + "\": expected \"mlp\" or \"lora_mlp\"");
  if (!(p.validation_fraction >= 0 && p.validation_fraction < 1))
    throw InputError("validation_fraction must be in [0, 1)");
  if (p.model == "lora_mlp" && p.pretrain_iterations < 1)
    throw InputError(
        "model \"lora_mlp\" needs pretrain_iterations >= 1 (the frozen base is a "
        "pretrained MLP)");
}

BenchResult ContinualRunner::run() {
  validate();
  const auto t_all = Clock::now();
  const ProtocolConfig& p = protocol_;
  auto warn = [&](const std::string& message) {
    std::fprintf(stderr, "galt: warning: %s\n", message.c_str());
    for (auto& cb : callbacks_) cb->warning(message);
  };
  if (!data_) data_ = data::load_by_name(p.dataset);
  const data::TrainTest data = protocol_splits(*data_, p).data;
  const int64_t num_classes = data.train.num_classes;
  std::vector<data::Task> tasks = data::split_by_classes(data, p.tasks, p.classes_per_task);

  SafetyProbe safety;
  safety.spec = p.safety;
  at::Tensor forbidden_x;  // evaluation items of the forbidden class (its recall)
  if (p.safety.enabled()) {
    const auto& s = p.safety;
    if (s.critical_class >= num_classes || s.forbidden_class < 0 ||
        s.forbidden_class >= num_classes || s.critical_class == s.forbidden_class)
      throw InputError("safety: critical_class " + std::to_string(s.critical_class) +
                       " and forbidden_class " + std::to_string(s.forbidden_class) +
                       " must be two different classes in [0, " + std::to_string(num_classes) +
                       ")");
    if (s.probe_size < 1) throw InputError("safety.probe_size must be >= 1");
    safety.heldout_x = data::filter_classes(data.test, {s.critical_class}).images;
    forbidden_x = data::filter_classes(data.test, {s.forbidden_class}).images;
  }

  BenchResult result;
  result.protocol = p;
  for (const auto& task : tasks)
    result.eval_rows_per_task.push_back(
        p.test_per_task > 0 ? std::min(p.test_per_task, task.test.size()) : task.test.size());
  for (const auto& m : p.methods) result.methods.push_back({m, {}});

  for (uint64_t seed : p.seeds) {
    // Runs the store already holds are taken from it, not trained again.
    std::vector<std::optional<SeedRun>> stored(p.methods.size());
    bool all_stored = true;
    for (size_t mi = 0; mi < p.methods.size(); ++mi) {
      if (store_) stored[mi] = store_->load(p, p.methods[mi], seed);
      all_stored = all_stored && stored[mi].has_value();
    }
    auto take_stored = [&](size_t mi) {
      // A kill between storing the run and removing its checkpoint left one.
      if (const auto c = store_->checkpoint_path(p, p.methods[mi], seed); !c.empty())
        remove_stale(c);
      for (auto& cb : callbacks_) cb->run_finished(p.methods[mi], seed, *stored[mi]);
      result.methods[mi].runs.push_back(std::move(*stored[mi]));
    };
    if (all_stored) {  // nothing to train for this seed: skip its preparation too
      for (size_t mi = 0; mi < p.methods.size(); ++mi) take_stored(mi);
      continue;
    }
    // Per-seed data: training subsets (tests/demo), test subsets, anchor rows,
    // the safety probe — identical for every method.
    std::vector<data::Dataset> train(tasks.size()), test(tasks.size());
    std::vector<data::Dataset> anchor_rows(tasks.size());
    for (size_t t = 0; t < tasks.size(); ++t) {
      train[t] =
          p.train_per_task > 0
              ? data::split_rows(tasks[t].train, p.train_per_task, task_seed(seed, t, 11)).first
              : tasks[t].train;
      test[t] = p.test_per_task > 0
                    ? data::split_rows(tasks[t].test, p.test_per_task, task_seed(0, t, 13)).first
                    : tasks[t].test;
      if (train[t].size() < p.batch)
        throw InputError("task " + std::to_string(t) + " has " + std::to_string(train[t].size()) +
                         " training rows, fewer than one batch of " + std::to_string(p.batch));
    }
    anchor_rows = select_anchor_rows(train, p.anchors_per_task, seed);
    if (p.safety.enabled()) {
      auto pool = data::filter_classes(data.train, {p.safety.critical_class});
      safety.probe_x =
          data::split_rows(pool, p.safety.probe_size, task_seed(seed, 0, 19)).first.images;
    }

    // Model initialisation, drawn once per seed.
    torch::manual_seed(seed);
    std::vector<int64_t> sizes{data::kImagePixels};
    for (auto h : p.hidden) sizes.push_back(h);
    sizes.push_back(num_classes);
    models::ClassifierPtr base;
    double pretrain_acc = std::nan("");
    if (p.pretrain_iterations > 0) {
      auto mlp = std::make_shared<models::MLPImpl>(sizes);
      torch::optim::AdamW opt(
          mlp->parameters(),
          torch::optim::AdamWOptions(p.pretrain_lr).weight_decay(p.weight_decay));
      data::BatchSampler sampler(data.train.size(), p.batch, task_seed(seed, -1, 23), true);
      for (int64_t it = 0; it < p.pretrain_iterations; ++it) {
        const auto idx = sampler.next();
        opt.zero_grad();
        auto loss = torch::cross_entropy_loss(mlp->forward(data.train.images.index_select(0, idx)),
                                              data.train.labels.index_select(0, idx));
        check_finite_loss(loss, "pretraining", seed, -1, it);
        loss.backward();
        opt.step();
      }
      pretrain_acc = accuracy(logits_of(*mlp, data.test.images), data.test.labels,
                              torch::ones({num_classes}, torch::kBool));
      if (p.model == "lora_mlp")
        base = std::make_shared<models::LoRAMLPImpl>(*mlp, p.lora_rank, p.lora_alpha);
      else
        base = mlp;
    } else {
      base = std::make_shared<models::MLPImpl>(sizes);
    }

    for (size_t mi = 0; mi < p.methods.size(); ++mi) {
      const std::string& name = p.methods[mi];
      if (stored[mi]) {
        take_stored(mi);
        continue;
      }
      auto opt_it = p.method_options.find(name);
      const MethodOptions options =
          opt_it == p.method_options.end() ? MethodOptions{} : opt_it->second;

      // One run's state, set up as every run starts — and set up again when
      // a checkpoint turns out not to load.
      std::unique_ptr<ContinualMethod> method;
      SeedRun run;
      std::vector<AnchorSet> anchors;
      TrainingContext ctx;
      auto start = [&] {
        method = make_method(name, options, p);
        run = SeedRun{};
        run.seed = seed;
        run.pretrain_accuracy = pretrain_acc;
        run.acc_task_il.assign(tasks.size(), std::vector<double>(tasks.size(), std::nan("")));
        run.acc_class_il = run.acc_task_il;
        anchors.clear();
        ctx = TrainingContext{};
        ctx.model = base->clone_model();
        ctx.protocol = &p;
        ctx.anchors = &anchors;
        ctx.safety = p.safety.enabled() ? &safety : nullptr;
        ctx.counters = &run.counters;
        ctx.seed = seed;
        ctx.num_classes = num_classes;
        ctx.seen_mask = p.pretrain_iterations > 0 ? torch::ones({num_classes}, torch::kBool)
                                                  : torch::zeros({num_classes}, torch::kBool);
        // Method-private randomness (auxiliary heads, replay draws) is seeded too.
        torch::manual_seed(seed + 7777);
        const auto t0 = Clock::now();
        method->begin(ctx);
        run.wall_seconds += since(t0);
      };
      auto enter_task = [&](size_t t) {
        ctx.task = static_cast<int>(t);
        ctx.task_classes = tasks[t].classes;
        ctx.task_train = &train[t];
        ctx.tasks_train = &train;
      };

      auto measure_safety = [&] {
        if (!ctx.safety) return;
        const auto t0 = Clock::now();
        run.safety_steps.push_back(ctx.step);
        run.safety_rate.push_back(
            violation_rate(masked_logits(logits_of(*ctx.model, safety.heldout_x), ctx.seen_mask),
                           p.safety.forbidden_class));
        run.safety_forbidden_seen.push_back(ctx.seen_mask[p.safety.forbidden_class].item<bool>());
        run.eval_seconds += since(t0);
      };

      // The run's checkpoint (run_checkpoint.h): continued when the store
      // holds one this run wrote, written every checkpoint_every_ steps.
      const std::string checkpoint = store_ ? store_->checkpoint_path(p, name, seed) : "";
      const CheckpointIdentity identity{run_fingerprint(p, name), name, seed,
                                        store_ ? store_->commit() : "",
                                        "intra-op " + std::to_string(torch::get_num_threads()) +
                                            ", BLAS " + std::to_string(blas_threads())};
      detail::RunPosition from;
      bool resumed = false;
      for (auto& cb : callbacks_) cb->begin_run(name, seed);
      start();
      if (!checkpoint.empty()) {
        const CheckpointRead read = read_checkpoint(checkpoint, identity);
        if (read.status == CheckpointStatus::kCorrupt)
          warn("ignoring the damaged checkpoint " + read.message +
               "; the run starts from its "
               "beginning");
        else if (read.status == CheckpointStatus::kForeign)
          warn("refusing the checkpoint " + read.message + "; the run starts from its beginning");
        if (read.status == CheckpointStatus::kUsable) {
          auto unusable = [&](const std::string& why) {
            warn("ignoring the checkpoint " + checkpoint + ", which does not load (" + why +
                 "); the run starts from its beginning");
            start();
            from = {};
          };
          try {
            torch::serialize::InputArchive root, runner_state, method_state;
            root.load_from(read.payload.data(), read.payload.size());
            if (!root.try_read("runner", runner_state) || !root.try_read("method", method_state))
              throw InputError("it has no runner or method state");
            from =
                detail::load_run_state(runner_state, run, ctx, anchors, anchor_rows, p.iterations);
            enter_task(static_cast<size_t>(from.task));
            method->load_state(method_state, ctx);
            resumed = true;
            if (!read.message.empty()) warn(read.message);
          } catch (const c10::Error& e) {  // LibTorch's archive reader
            unusable(e.what_without_backtrace());
          } catch (const std::exception& e) {
            unusable(e.what());
          }
        }
      }
      bool prepared = false;
      auto write_checkpoint_now = [&](size_t t, int64_t iteration) {
        const auto tc = Clock::now();
        torch::serialize::OutputArchive root, runner_state, method_state;
        detail::save_run_state(runner_state, {static_cast<int>(t), iteration}, run, ctx, anchors);
        method->save_state(method_state, ctx);
        root.write("runner", runner_state);
        root.write("method", method_state);
        std::ostringstream bytes;
        root.save_to(bytes);
        if (!prepared) store_->prepare_checkpoints(p, name);
        prepared = true;
        const std::string payload = bytes.str();
        write_checkpoint(checkpoint, identity, ctx.step, payload);
        for (auto& cb : callbacks_)
          cb->checkpoint_written(name, seed, ctx.step, static_cast<int64_t>(payload.size()),
                                 since(tc));
      };
      const bool checkpoints = checkpoint_every_ > 0 && !checkpoint.empty();

      if (!resumed) measure_safety();
      for (size_t t = static_cast<size_t>(from.task); t < tasks.size(); ++t) {
        const bool continuing = resumed && t == static_cast<size_t>(from.task);
        enter_task(t);
        for (auto c : tasks[t].classes) ctx.seen_mask[c] = true;
        data::BatchSampler sampler(train[t].size(), p.batch, task_seed(seed, t, 29), true);
        int64_t first = 0;
        if (continuing) {
          // The sampler's place: the batches it gave before the checkpoint.
          for (; first < from.iteration; ++first) sampler.next();
          for (auto& cb : callbacks_) cb->run_resumed(name, seed, ctx.step, steps_per_run());
        } else {
          const auto t0 = Clock::now();
          for (auto& cb : callbacks_) cb->begin_task(name, seed, static_cast<int>(t));
          method->begin_task(ctx);
          run.wall_seconds += since(t0);
        }
        for (int64_t it = first; it < p.iterations; ++it) {
          const auto idx = sampler.next();
          const auto x = train[t].images.index_select(0, idx);
          const auto y = train[t].labels.index_select(0, idx);
          const auto t0 = Clock::now();
          try {
            method->train_step(ctx, x, y);
          } catch (const InputError& e) {
            throw InputError("method '" + name + "', seed " + std::to_string(seed) + ", task " +
                             std::to_string(t) + ", iteration " + std::to_string(it) + ": " +
                             e.what());
          }
          run.wall_seconds += since(t0);
          ++ctx.step;
          if (ctx.step % p.eval_every == 0) {
            check_finite_parameters(*ctx.model, name, seed, static_cast<int>(t), it);
            measure_safety();
          }
          if (checkpoints && ctx.step % checkpoint_every_ == 0 && ctx.step < steps_per_run())
            write_checkpoint_now(t, it + 1);
          for (auto& cb : callbacks_) cb->step_taken(name, seed, ctx.step, steps_per_run());
        }
        check_finite_parameters(*ctx.model, name, seed, static_cast<int>(t), p.iterations);

        // Accuracy row t: task-IL (the task's own classes) and class-IL
        // (every class seen so far).
        const auto te = Clock::now();
        for (size_t j = 0; j < tasks.size(); ++j) {
          if (j > t && p.pretrain_iterations == 0) continue;  // not seen yet
          const auto logits = logits_of(*ctx.model, test[j].images);
          run.acc_task_il[t][j] =
              accuracy(logits, test[j].labels, class_mask(tasks[j].classes, num_classes));
          run.acc_class_il[t][j] = accuracy(logits, test[j].labels, ctx.seen_mask);
        }
        if (ctx.step % p.eval_every != 0) measure_safety();
        run.eval_seconds += since(te);

        // Freeze the task's anchors with this model's output distribution.
        const auto t0 = Clock::now();
        AnchorSet a;
        a.task = static_cast<int>(t);
        a.x = anchor_rows[t].images;
        a.y = anchor_rows[t].labels;
        a.mask = p.scenario == Scenario::kClassIncremental
                     ? ctx.seen_mask.clone()
                     : class_mask(tasks[t].classes, num_classes);
        {
          torch::NoGradGuard no_grad;
          a.logits = ctx.model->forward(a.x).detach();
          a.target = torch::softmax(masked_logits(a.logits, a.mask), 1)
                         .mul(a.mask.to(torch::kFloat))
                         .detach();
        }
        ++run.counters.forward_passes;
        anchors.push_back(std::move(a));
        method->end_task(ctx);
        run.wall_seconds += since(t0);
      }
      if (ctx.safety) {
        // The final model: the constraint on its own rows vs on unseen items,
        // and whether it is safe only by never answering the forbidden class.
        const auto te = Clock::now();
        const int64_t f = p.safety.forbidden_class;
        const auto probe_logits = logits_of(*ctx.model, safety.probe_x);
        const auto heldout_logits = logits_of(*ctx.model, safety.heldout_x);
        run.final_probe_violation = violation_rate(masked_logits(probe_logits, ctx.seen_mask), f);
        run.final_probe_mass = forbidden_mass(probe_logits, f).item<double>();
        run.final_heldout_mass = forbidden_mass(heldout_logits, f).item<double>();
        if (forbidden_x.size(0) > 0)
          run.final_forbidden_recall =
              violation_rate(masked_logits(logits_of(*ctx.model, forbidden_x), ctx.seen_mask), f);
        run.eval_seconds += since(te);
      }
      run.duals = method->dual_traces();
      if (store_) store_->save(p, name, run);
      // Only once the finished run is on disk: a kill in between leaves the
      // run and a checkpoint nobody reads, never neither.
      if (!checkpoint.empty()) remove_stale(checkpoint);
      for (auto& cb : callbacks_) cb->run_finished(name, seed, run);
      result.methods[mi].runs.push_back(std::move(run));
    }
  }
  result.total_seconds = since(t_all);
  return result;
}

}  // namespace galt::train
