// The classifier interface every model of the continual benchmark implements
// (DESIGN §8): logits from flattened images, and the trainable parameters
// grouped into blocks — the nodes θ_v of the constraint graph (DESIGN §1).
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "galt/graph/block_chain.h"

namespace galt::models {

/// A named group of trainable tensors: becomes one block of the constraint
/// graph (DESIGN §1). The tensors are the module's own parameters (shared
/// storage), so updating them updates the model.
struct ParamBlock {
  std::string name;
  std::vector<at::Tensor> params;
};

/// Every classifier of the continual benchmark.
class ClassifierImpl : public torch::nn::Module {
 public:
  ~ClassifierImpl() override = default;
  /// [N, 784] float images -> [N, num_classes] logits. Throws
  /// galt::InputError for an input that is not [N, in_features].
  virtual at::Tensor forward(const at::Tensor& x) = 0;
  /// Trainable parameters grouped into blocks (one per layer / adapter /
  /// head), in forward order. Frozen tensors never appear.
  virtual std::vector<ParamBlock> blocks() = 0;
  /// The model as a chain of its blocks — stage v uses exactly the tensors of
  /// blocks()[v] (plus frozen ones) — when it can be cut that way
  /// (DESIGN §4: local steps, forward edges); nullopt otherwise. The stages
  /// hold the model's own tensors (shared storage).
  virtual std::optional<BlockChain> chain() { return std::nullopt; }
  /// A deep copy: same weights and frozen/trainable state, independent
  /// storage. Used for frozen teachers and per-seed restarts.
  virtual std::shared_ptr<ClassifierImpl> clone_model() const = 0;
};

using ClassifierPtr = std::shared_ptr<ClassifierImpl>;

}  // namespace galt::models
