#include "train/methods/method_common.h"

#include <torch/torch.h>

#include "galt/error.h"

namespace galt::train::detail {

double OptionReader::get(const std::string& key, double def) {
  used_.insert(key);
  auto it = options_.find(key);
  return it == options_.end() ? def : it->second;
}

double OptionReader::positive(const std::string& key, double def, bool allow_zero) {
  const double v = get(key, def);
  if (!(allow_zero ? v >= 0 : v > 0))
    throw InputError("[methods." + method_ + "] " + key + " = " + std::to_string(v) +
                     ": expected a number " + (allow_zero ? ">= 0" : "> 0"));
  return v;
}

void OptionReader::finish() const {
  for (const auto& [k, _] : options_)
    if (!used_.count(k)) {
      std::string known;
      for (const auto& u : used_) known += (known.empty() ? "" : ", ") + u;
      throw InputError("[methods." + method_ + "] unknown option '" + k + "' (known: " +
                       (known.empty() ? "none" : known) + ")");
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

namespace {
at::Tensor pick_rows(int64_t n, int64_t want, std::mt19937_64* gen) {
  if (want <= 0 || want >= n || gen == nullptr) return at::Tensor();
  std::vector<int64_t> idx(n);
  for (int64_t i = 0; i < n; ++i) idx[i] = i;
  std::shuffle(idx.begin(), idx.end(), *gen);
  idx.resize(want);
  std::sort(idx.begin(), idx.end());
  return torch::tensor(idx, torch::kLong);
}
}  // namespace

std::string retention_name(int task, int group, int groups) {
  return "retain_task" + std::to_string(task) + (groups > 1 ? "/" + std::to_string(group) : "");
}

ConstraintBatch constraint_batch(const TrainingContext& ctx, int64_t rows_per_set,
                                 std::mt19937_64* gen, int groups) {
  ConstraintBatch b;
  std::vector<at::Tensor> xs, targets, masks;
  for (const auto& a : *ctx.anchors) {
    const auto idx = pick_rows(a.x.size(0), rows_per_set, gen);
    const auto ax = idx.defined() ? a.x.index_select(0, idx) : a.x;
    const auto at = idx.defined() ? a.target.index_select(0, idx) : a.target;
    const int64_t n = ax.size(0);
    const int g_count = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(groups, n)));
    for (int g = 0; g < g_count; ++g) {
      const int64_t lo = n * g / g_count, hi = n * (g + 1) / g_count;
      xs.push_back(ax.narrow(0, lo, hi - lo));
      targets.push_back(at.narrow(0, lo, hi - lo));
      masks.push_back(ctx.retention_mask(a));
      b.names.push_back(retention_name(a.task, g, g_count));
      b.channels.push_back(0);
      b.margins.push_back(ctx.protocol->anchor_margin);
      b.rows.push_back(hi - lo);
    }
  }
  int64_t forbidden = -1;
  if (ctx.safety) {
    const auto& px = ctx.safety->probe_x;
    const auto idx = pick_rows(px.size(0), rows_per_set, gen);
    xs.push_back(idx.defined() ? px.index_select(0, idx) : px);
    b.names.push_back("safety");
    b.channels.push_back(1);
    b.margins.push_back(ctx.safety->spec.epsilon);
    b.rows.push_back(xs.back().size(0));
    forbidden = ctx.safety->spec.forbidden_class;
  }
  if (xs.empty()) {
    b.raw_values = [](const at::Tensor&) { return torch::zeros({0}); };
    return b;
  }
  b.x = torch::cat(xs);
  const auto rows = b.rows;
  b.raw_values = [rows, targets, masks, forbidden](const at::Tensor& logits) {
    std::vector<at::Tensor> v;
    int64_t off = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto part = logits.narrow(0, off, rows[i]);
      off += rows[i];
      if (i < targets.size())
        v.push_back(retention_kl(part, targets[i], masks[i]));
      else
        v.push_back(forbidden_mass(part, forbidden));
    }
    return torch::stack(v);
  };
  return b;
}

std::pair<at::Tensor, at::Tensor> sample_memory(const TrainingContext& ctx, int64_t n,
                                                std::mt19937_64& gen) {
  if (ctx.anchors->empty()) return {};
  std::vector<at::Tensor> xs, ys;
  for (const auto& a : *ctx.anchors) {
    xs.push_back(a.x);
    ys.push_back(a.y);
  }
  const auto x = torch::cat(xs), y = torch::cat(ys);
  const int64_t total = x.size(0);
  std::uniform_int_distribution<int64_t> pick(0, total - 1);
  std::vector<int64_t> idx(std::min(n, total));
  if (n >= total) {
    for (int64_t i = 0; i < total; ++i) idx[i] = i;
  } else {
    for (auto& i : idx) i = pick(gen);
  }
  const auto t = torch::tensor(idx, torch::kLong);
  return {x.index_select(0, t), y.index_select(0, t)};
}

}  // namespace galt::train::detail
