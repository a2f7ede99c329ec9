#include "train/methods/method_common.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "galt/error.h"
#include "train/training_checks.h"

namespace galt::train::detail {

void OptionReader::fail(const std::string& key, double v, const std::string& expected) const {
  std::ostringstream os;
  os << "[methods." << method_ << "] " << key << " = " << v << ": expected " << expected;
  throw InputError(os.str());
}

double OptionReader::get(const std::string& key, double def) {
  used_.insert(key);
  auto it = options_.find(key);
  const double v = it == options_.end() ? def : it->second;
  if (!std::isfinite(v)) fail(key, v, "a finite number");
  return v;
}

double OptionReader::positive(const std::string& key, double def, bool allow_zero) {
  const double v = get(key, def);
  if (!(allow_zero ? v >= 0 : v > 0)) fail(key, v, allow_zero ? "a number >= 0" : "a number > 0");
  return v;
}

int64_t OptionReader::count(const std::string& key, int64_t def, bool allow_zero) {
  const double v = get(key, static_cast<double>(def));
  // A fraction would be cut silently (0.5 rows → 0); 1e15 keeps the cast exact.
  if (!(v >= (allow_zero ? 0 : 1)) || v != std::floor(v) || v > 1e15)
    fail(key, v, allow_zero ? "a whole number >= 0" : "a whole number >= 1");
  return static_cast<int64_t>(v);
}

bool OptionReader::flag(const std::string& key, bool def) {
  const double v = get(key, def ? 1.0 : 0.0);
  if (v != 0 && v != 1) fail(key, v, "0 (off) or 1 (on)");
  return v == 1;
}

void OptionReader::finish() const {
  for (const auto& [k, _] : options_)
    if (!used_.count(k)) {
      std::string known;
      for (const auto& u : used_) known += (known.empty() ? "" : ", ") + u;
      throw InputError("[methods." + method_ + "] unknown option '" + k +
                       "' (known: " + (known.empty() ? "none" : known) + ")");
    }
}

std::vector<at::Tensor> trainable_parameters(models::ClassifierImpl& model) {
  std::vector<at::Tensor> out;
  for (const auto& b : model.blocks())
    for (const auto& p : b.params) out.push_back(p);
  return out;
}

torch::optim::AdamWOptions adamw_options(const ProtocolConfig& p) {
  return torch::optim::AdamWOptions(p.lr).weight_decay(p.weight_decay);
}

void backward_and_step(TrainingContext& ctx, const at::Tensor& loss, torch::optim::Optimizer& opt) {
  loss.backward();
  ++ctx.counters->global_backward_passes;
  opt.step();
  ++ctx.counters->steps;
  ++ctx.counters->global_steps;
}

at::Tensor task_loss(TrainingContext& ctx, const at::Tensor& x, const at::Tensor& y) {
  const auto logits = ctx.model->forward(x);
  ++ctx.counters->forward_passes;
  return masked_cross_entropy(logits, y, ctx.loss_mask(y));
}

void MemorySampler::seed(uint64_t seed) {
  gen_.seed(seed);
  sets_ = 0;
  order_.clear();
  pos_ = 0;
}

void MemorySampler::gather(const std::vector<AnchorSet>& anchors) {
  collect(anchors, anchors.size());
  reshuffle();
}

void MemorySampler::collect(const std::vector<AnchorSet>& anchors, size_t sets) {
  std::vector<at::Tensor> xs, ys, logits, masks;
  bool have_logits = true;  // sets built without them (by hand, in tests) give none
  for (size_t s = 0; s < sets; ++s) {
    const auto& a = anchors[s];
    xs.push_back(a.x);
    ys.push_back(a.y);
    have_logits = have_logits && a.logits.defined();
    logits.push_back(a.logits);
    masks.push_back(a.mask.unsqueeze(0).expand({a.x.size(0), a.mask.size(0)}));
  }
  x_ = torch::cat(xs);
  y_ = torch::cat(ys);
  logits_ = have_logits ? torch::cat(logits) : at::Tensor();
  mask_ = torch::cat(masks);
  sets_ = sets;
}

void MemorySampler::save(state::OutputArchive& a, const std::string& key) const {
  std::ostringstream gen;
  gen << gen_;
  state::put_string(a, key + "/generator", gen.str());
  state::put_int(a, key + "/sets", static_cast<int64_t>(sets_));
  state::put_ints(a, key + "/order", order_);
  state::put_int(a, key + "/position", static_cast<int64_t>(pos_));
}

void MemorySampler::load(state::InputArchive& a, const std::string& key,
                         const TrainingContext& ctx) {
  std::istringstream text(state::get_string(a, key + "/generator"));
  std::mt19937_64 gen;
  text >> gen;
  if (text.fail()) throw InputError("checkpoint: '" + key + "/generator' is not a stream state");
  const int64_t sets = state::get_int(a, key + "/sets");
  if (sets < 0 || sets > static_cast<int64_t>(ctx.anchors->size()))
    throw InputError("checkpoint: the memory sampler '" + key + "' drew from " +
                     std::to_string(sets) + " anchor sets, the run has " +
                     std::to_string(ctx.anchors->size()));
  auto order = state::get_ints(a, key + "/order");
  const int64_t pos = state::get_int(a, key + "/position");
  gen_ = gen;
  // The rows it drew from when saved (the sets since appended start a new
  // epoch at the next draw, as they would have).
  if (sets > 0)
    collect(*ctx.anchors, static_cast<size_t>(sets));
  else
    sets_ = 0;
  if (sets > 0 && static_cast<int64_t>(order.size()) != x_.size(0))
    throw InputError("checkpoint: the memory sampler '" + key + "' has a permutation of " +
                     std::to_string(order.size()) + " rows for a memory of " +
                     std::to_string(x_.size(0)));
  if (pos < 0 || pos > static_cast<int64_t>(order.size()))
    throw InputError("checkpoint: the memory sampler '" + key + "' is at row " +
                     std::to_string(pos) + " of " + std::to_string(order.size()));
  order_ = std::move(order);
  pos_ = static_cast<size_t>(pos);
}

void check_like(const std::vector<at::Tensor>& loaded, const std::vector<at::Tensor>& params,
                const std::string& what) {
  if (loaded.empty()) return;
  bool fits = loaded.size() == params.size();
  for (size_t i = 0; fits && i < loaded.size(); ++i)
    fits = loaded[i].defined() && loaded[i].sizes() == params[i].sizes() &&
           loaded[i].scalar_type() == params[i].scalar_type();
  if (!fits)
    throw InputError("checkpoint: " + what + " does not fit the model's " +
                     std::to_string(params.size()) + " trainable tensors");
}

void save_optimizer(state::OutputArchive& a, const std::string& key,
                    const torch::optim::Optimizer& opt) {
  torch::serialize::OutputArchive sub;
  opt.save(sub);
  a.write(key, sub);
}

void load_optimizer(state::InputArchive& a, const std::string& key, torch::optim::Optimizer& opt) {
  torch::serialize::InputArchive sub;
  try {
    if (!a.try_read(key, sub)) throw InputError("checkpoint: no optimiser state '" + key + "'");
    opt.load(sub);
  } catch (const c10::Error& e) {
    throw InputError("checkpoint: the optimiser state '" + key +
                     "' does not fit: " + e.what_without_backtrace());
  }
}

void MemorySampler::reshuffle() {
  order_.resize(static_cast<size_t>(x_.size(0)));
  std::iota(order_.begin(), order_.end(), int64_t{0});
  std::shuffle(order_.begin(), order_.end(), gen_);
  pos_ = 0;
}

MemoryBatch MemorySampler::next(const TrainingContext& ctx, int64_t n) {
  if (n < 1)
    throw InputError("memory sampler: batch of " + std::to_string(n) + " rows, expected >= 1");
  const auto& anchors = *ctx.anchors;
  if (anchors.empty()) return {};
  if (anchors.size() != sets_) gather(anchors);  // the memory grew: a new epoch
  const auto total = static_cast<size_t>(x_.size(0));
  std::vector<int64_t> idx;
  if (static_cast<size_t>(n) >= total) {
    idx.resize(total);
    std::iota(idx.begin(), idx.end(), int64_t{0});
  } else {
    const auto want = static_cast<size_t>(n);
    if (pos_ >= total) reshuffle();
    const size_t take = std::min(want, total - pos_);
    idx.assign(order_.begin() + static_cast<std::ptrdiff_t>(pos_),
               order_.begin() + static_cast<std::ptrdiff_t>(pos_ + take));
    pos_ += take;
    if (idx.size() < want) {
      // Straddling two epochs: the new epoch puts the rows already in this
      // batch last (still a permutation), so the batch has no repeats.
      std::vector<char> in_batch(total, 0);
      for (auto i : idx) in_batch[static_cast<size_t>(i)] = 1;
      reshuffle();
      std::stable_partition(order_.begin(), order_.end(),
                            [&](int64_t i) { return !in_batch[static_cast<size_t>(i)]; });
      const size_t rest = want - idx.size();
      idx.insert(idx.end(), order_.begin(), order_.begin() + static_cast<std::ptrdiff_t>(rest));
      pos_ = rest;
    }
  }
  const auto t = torch::tensor(idx, torch::kLong);
  return {x_.index_select(0, t), y_.index_select(0, t),
          logits_.defined() ? logits_.index_select(0, t) : at::Tensor(), mask_.index_select(0, t),
          t};
}

at::Tensor safety_penalty(TrainingContext& ctx, double beta) {
  if (!ctx.safety || beta == 0.0) return {};
  const auto fam = protocol_constraint_family(ctx, ctx.protocol->constraint_batch, 1,
                                              ConstraintSelection{.retention = false});
  const auto raw = fam.values();
  ++ctx.counters->forward_passes;
  return beta * torch::relu(raw[0] - fam.edges[0].margin);
}

at::Tensor with_safety_penalty(TrainingContext& ctx, const at::Tensor& loss, double beta) {
  const auto s = safety_penalty(ctx, beta);
  if (!s.defined()) return loss;
  auto out = loss + s;
  check_finite_loss(out, "safety-penalised loss");
  return out;
}

at::Tensor replay_mix(const TrainingContext& ctx, const at::Tensor& current,
                      const at::Tensor& memory) {
  const double w = 1.0 / static_cast<double>(ctx.task + 1);
  return w * current + (1.0 - w) * memory;
}

}  // namespace galt::train::detail
