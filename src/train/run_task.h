// What a run config's [model] and [data] become for the training loop
// (training_run.cpp): the model cut into blocks, a seeded batch stream, the
// task loss and the evaluation. Images (Fashion-MNIST, reduced MNIST) with
// an MLP; text (Debian's fortunes) with the causal transformer. Internal to
// galt_train.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "galt/graph/block_chain.h"
#include "galt/models/classifier.h"
#include "galt/solve/local_objectives.h"
#include "galt/train/run_config.h"
#include "galt/train/training_run.h"

namespace galt::train::detail {

struct RunTask {
  std::string metric;      ///< "accuracy" | "bits_per_char"
  int64_t outputs = 0;     ///< classes, or the vocabulary
  int64_t train_rows = 0;  ///< training images, or characters
  std::shared_ptr<torch::nn::Module> module;
  std::vector<models::ParamBlock> blocks;
  BlockChain chain;
  /// The next training batch (inputs, targets).
  std::function<std::pair<at::Tensor, at::Tensor>()> next_batch;
  /// The task loss of an output batch (logits) against its targets.
  OutputLoss loss;
  /// The chain's quality on the validation split (the first `cap` rows or
  /// windows; 0: all) or on the test split.
  std::function<RunEvaluation(bool test, int64_t cap)> evaluate;
};

/// Loads the data and builds the model (seeded by config.seed: torch's
/// global generator draws the initialisation). Throws galt::InputError for
/// missing data.
RunTask make_run_task(const RunConfig& config);

}  // namespace galt::train::detail
