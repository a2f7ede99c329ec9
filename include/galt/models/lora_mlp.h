// LoRA-MLP (the public prototype's reference protocol, docs/RESULTS.md): a
// frozen copy of a pretrained MLP whose hidden layers each carry a trainable
// rank-r adapter, and a trainable head (the last layer).
//
// Hidden layer i computes  h = ReLU(W_i x + b_i + (alpha/r) · B_i A_i x)
// with A_i [r, in] (kaiming-uniform init) and B_i [out, r] (zero init), so a
// fresh LoRA-MLP computes exactly the base MLP's function.
#pragma once

#include <galt/models/classifier.h>
#include <galt/models/mlp.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <vector>

namespace galt::models {

class LoRAMLPImpl : public ClassifierImpl {
 public:
  /// Copies `base`'s weights (independent storage; later changes to `base`
  /// do not leak in). The copy of layers 1..L-1 is the frozen base; the copy
  /// of layer L is the trainable head. rank ≥ 1, alpha > 0; the adapter
  /// scale is alpha / rank (default alpha 1.0). Throws galt::InputError for a
  /// bad rank/alpha or a base with fewer than two layers (no hidden layer to
  /// adapt).
  LoRAMLPImpl(const MLPImpl& base, int64_t rank, double alpha = 1.0);

  at::Tensor forward(const at::Tensor& x) override;
  /// In forward order: "lora1", …, "lora{L-1}" ({A, B} of each hidden
  /// layer), then "head" ({weight, bias}). While the base is unfrozen
  /// (unfreeze_base()), block "base{i}" ({weight, bias}) precedes "lora{i}".
  std::vector<ParamBlock> blocks() override;
  /// One stage per block of blocks() (the trainable ones; nullopt while the
  /// base of a LoRA-MLP is unfrozen, since its blocks then split layers).
  std::optional<BlockChain> chain() override;
  /// Deep copy (adapters, head, base and its frozen state); draws no random
  /// numbers.
  std::shared_ptr<ClassifierImpl> clone_model() const override;

  /// Stops gradients to the base weights (the default after construction).
  void freeze_base();
  /// Lets gradients reach the base weights too (they then appear in blocks()
  /// and their linear maps are recorded by TapRecorder; while frozen they go
  /// through a plain linear and are not recorded).
  void unfreeze_base();
  bool base_frozen() const { return base_frozen_; }

  int64_t rank() const { return rank_; }
  double alpha() const { return alpha_; }
  /// Number of linear layers (hidden layers + head).
  int64_t num_layers() const { return static_cast<int64_t>(base_w_.size()) + 1; }

 private:
  struct CloneTag {};
  LoRAMLPImpl(CloneTag, const LoRAMLPImpl& other);
  void set_base_requires_grad(bool on);

  int64_t rank_;
  double alpha_;
  bool base_frozen_ = true;
  std::vector<at::Tensor> base_w_, base_b_;  // frozen base, hidden layers
  std::vector<at::Tensor> lora_a_, lora_b_;  // adapters, one per hidden layer
  at::Tensor head_w_, head_b_;
};
TORCH_MODULE(LoRAMLP);

}  // namespace galt::models
