// The problem Lagrangian libraries publish (Cotter et al. 2019; Cooper's and
// TFCO's examples): a Fashion-MNIST classifier, MLP 784-256-10 (ReLU), Adam
// lr 1e-3, batch 128, trained under recall(class 0) ≥ 0.95 on its training
// batches by the proxy scheme — the batch's recall (argmax, no gradient)
// drives the multiplier, a differentiable surrogate drives the step.
//
// Every random draw goes through torch's generators in the order Python's
// torch does them (the model's initialisation, then one randperm per epoch;
// the validation split from its own seeded generator), so
// python/galt/bench_constrained.py reproduces a run operation for operation.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/modules/container/sequential.h>

#include <cstdint>

#include "galt/data/dataset.h"

namespace galt::bench {

/// The constraint: recall of kRecallClass ≥ kRecallBound.
inline constexpr int64_t kRecallClass = 0;
inline constexpr double kRecallBound = 0.95;
inline constexpr int64_t kBatch = 128;
inline constexpr double kLearningRate = 1e-3;

/// Training rows and the validation rows carved from them.
struct FitValidation {
  data::Dataset fit;
  data::Dataset validation;
};

/// Per class, a permutation of its rows drawn from a generator seeded with
/// `seed`; the first round(fraction · n_c) are validation. Both parts keep
/// the rows' order.
FitValidation validation_split(const data::Dataset& train, double fraction, uint64_t seed);

/// The MLP, initialised from torch's global generator (seed it first).
torch::nn::Sequential make_mlp();

/// Recall of kRecallClass among `labels` under argmax(`logits`); 1 when no
/// row has the class (vacuous).
double batch_recall(const at::Tensor& logits, const at::Tensor& labels);

/// The surrogate's C in the "≤" form: kRecallBound − mean softmax
/// probability of the class over its rows (0·logits when there are none).
at::Tensor surrogate_violation(const at::Tensor& logits, const at::Tensor& labels);

/// Accuracy and recall of kRecallClass of `model` on `d` (one forward pass).
struct Evaluation {
  double accuracy = 0.0;
  double recall = 0.0;
};
Evaluation evaluate(torch::nn::Sequential& model, const data::Dataset& d);

}  // namespace galt::bench
