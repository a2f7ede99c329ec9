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
