// The recall-constrained Fashion-MNIST problem (recall_problem.h).
#include "bench/constrained/recall_problem.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>

#include <cmath>

namespace galt::bench {

FitValidation validation_split(const data::Dataset& train, double fraction, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  auto is_validation = torch::zeros({train.size()}, torch::kBool);
  for (int64_t c = 0; c < train.num_classes; ++c) {
    const auto rows = train.labels.eq(c).nonzero().flatten();
    const int64_t n = rows.size(0);
    const auto take = static_cast<int64_t>(std::nearbyint(fraction * static_cast<double>(n)));
    const auto perm = torch::randperm(n, gen, torch::kLong).slice(0, 0, take);
    is_validation.index_put_({rows.index({perm})}, true);
  }
  const auto keep = is_validation.logical_not();
  FitValidation out;
  out.fit = {train.images.index({keep}), train.labels.index({keep}), train.num_classes,
             train.name + "/fit"};
  out.validation = {train.images.index({is_validation}), train.labels.index({is_validation}),
                    train.num_classes, train.name + "/validation"};
  return out;
}

torch::nn::Sequential make_mlp() {
  torch::nn::Sequential mlp(torch::nn::Linear(784, 256), torch::nn::ReLU(),
                            torch::nn::Linear(256, 10));
  // torch's default Linear initialisation (kaiming_uniform_ with a = √5:
  // U(±1/√fan_in), bias the same), drawn explicitly: the library's own
  // computes the bound through a gain that can differ by an ulp between its
  // C++ and Python versions, and then no run would agree bit for bit.
  torch::NoGradGuard no_grad;
  for (auto* layer : {mlp[0]->as<torch::nn::Linear>(), mlp[2]->as<torch::nn::Linear>()}) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(layer->weight.size(1)));
    layer->weight.uniform_(-bound, bound);
    layer->bias.uniform_(-bound, bound);
  }
  return mlp;
}

double batch_recall(const at::Tensor& logits, const at::Tensor& labels) {
  const auto positive = labels.eq(kRecallClass);
  const int64_t n = positive.sum().item<int64_t>();
  if (n == 0) return 1.0;
  const int64_t hit = (logits.argmax(1).eq(kRecallClass) & positive).sum().item<int64_t>();
  return static_cast<double>(hit) / static_cast<double>(n);
}

at::Tensor surrogate_violation(const at::Tensor& logits, const at::Tensor& labels) {
  const auto positive = labels.eq(kRecallClass);
  if (positive.sum().item<int64_t>() == 0) return logits.sum() * 0.0;
  return kRecallBound - torch::softmax(logits, 1).index({positive, kRecallClass}).mean();
}

Evaluation evaluate(torch::nn::Sequential& model, const data::Dataset& d) {
  torch::NoGradGuard no_grad;
  const auto logits = model->forward(d.images);
  Evaluation e;
  e.accuracy = logits.argmax(1).eq(d.labels).to(torch::kFloat).mean().item<double>();
  e.recall = batch_recall(logits, d.labels);
  return e;
}

}  // namespace galt::bench
