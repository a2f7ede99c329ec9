// Multi-layer perceptron with ReLU, e.g. 784-400-400-10, the
// network of the standard Split-MNIST protocol (DESIGN §8).
#pragma once

#include <galt/models/classifier.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace galt::models {

/// MLP: Linear → ReLU → … → Linear (no activation after the last layer).
/// Every linear map goes through galt::tapped_linear (include/galt/graph/
/// linear_tap.h), so an active TapRecorder sees each layer's input and output
/// for the per-example Jacobian trick (DESIGN §2.3).
/// Blocks: "fc1", "fc2", …, one per layer, each {weight [out,in], bias [out]}.
/// Initialisation is LibTorch's Linear default (kaiming-uniform weights,
/// uniform bias), drawn from torch's global generator: call
/// torch::manual_seed(seed) before constructing for a reproducible model.
class MLPImpl : public ClassifierImpl {
 public:
  /// sizes = {in, hidden..., out}; at least two entries, all ≥ 1. Throws
  /// galt::InputError otherwise.
  explicit MLPImpl(std::vector<int64_t> sizes);

  at::Tensor forward(const at::Tensor& x) override;
  /// Blocks "fc1", "fc2", … (tensors with requires_grad off are left out,
  /// and a block left empty is dropped).
  std::vector<ParamBlock> blocks() override;
  /// One stage per block of blocks() (the trainable ones; nullopt while the
  /// base of a LoRA-MLP is unfrozen, since its blocks then split layers).
  std::optional<BlockChain> chain() override;
  /// Deep copy on the same device and dtype, with the same requires_grad
  /// flags and train/eval mode. Leaves torch's global generator untouched, so
  /// cloning teachers does not shift a seeded run's random stream.
  std::shared_ptr<ClassifierImpl> clone_model() const override;

  /// The output after `layer` hidden layers (post-ReLU): layer 0 is the input
  /// itself, layer k ∈ [1, num_layers()-1] the k-th hidden activation. For
  /// local/auxiliary heads. Throws galt::InputError for a layer outside
  /// [0, num_layers()-1].
  at::Tensor forward_features(const at::Tensor& x, int layer);

  /// Number of linear layers (sizes.size() - 1).
  int64_t num_layers() const { return static_cast<int64_t>(layers_.size()); }
  /// The layer sizes given at construction.
  const std::vector<int64_t>& sizes() const { return sizes_; }
  /// Layer i (0-based) as a LibTorch Linear (its weight and bias are the
  /// model's parameters).
  const torch::nn::Linear& layer(int64_t i) const { return layers_.at(static_cast<size_t>(i)); }

 private:
  std::vector<int64_t> sizes_;
  std::vector<torch::nn::Linear> layers_;
};

/// Module holder (like TORCH_MODULE(MLP)), also constructible from a braced
/// size list: MLP net({784, 400, 400, 10}).
class MLP : public torch::nn::ModuleHolder<MLPImpl> {
 public:
  using torch::nn::ModuleHolder<MLPImpl>::ModuleHolder;
  using torch::nn::ModuleHolder<MLPImpl>::get;
  MLP(std::initializer_list<int64_t> sizes) : MLP(std::vector<int64_t>(sizes)) {}
};

}  // namespace galt::models
