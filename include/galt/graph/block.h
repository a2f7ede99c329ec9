// Block: a named group of trainable tensors with its AdamW state (DESIGN §1).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace galt {

/// AdamW hyper-parameters of a block. The defaults are
/// torch::optim::AdamWOptions' defaults.
struct AdamWOptions {
  double lr = 1e-3;            ///< η
  double beta1 = 0.9;          ///< first-moment decay
  double beta2 = 0.999;        ///< second-moment decay
  double eps = 1e-8;           ///< ε in D = sqrt(ŝ) + ε
  double weight_decay = 1e-2;  ///< decoupled weight decay (θ ← θ·(1 − η·wd))
};

/// A block v: trainable tensors θ_v and their AdamW state (m, s, t) per
/// tensor. The state defines the diagonal metric D_v = sqrt(ŝ) + ε, the
/// "Adam metric" of the local solve (DESIGN §2.1).
///
/// The moment update and the metric are computed with exactly the operations
/// torch::optim::AdamW (LibTorch 1.13) uses, so that with no active
/// constraint a GALT step equals an AdamW step bit for bit (DESIGN §2.4).
class Block {
 public:
  Block(std::string name, std::vector<at::Tensor> params);

  const std::string& name() const { return name_; }
  const std::vector<at::Tensor>& params() const { return params_; }
  /// Total number of scalars in the block.
  int64_t numel() const { return numel_; }

  /// Per-tensor AdamW state. A tensor that has never had a gradient has
  /// step 0 and zero moments.
  struct TensorState {
    at::Tensor exp_avg;     ///< m
    at::Tensor exp_avg_sq;  ///< s
    int64_t step = 0;       ///< t
  };
  const std::vector<TensorState>& state() const { return state_; }

  /// True for tensors that carry a gradient now (`p.grad().defined()`); only
  /// those take an AdamW step, as in torch::optim::AdamW.
  std::vector<bool> has_grad() const;

  /// Advances t and the moments of every tensor that has a gradient.
  /// `force_gradient` (optional, per tensor, flat or shaped): Σ f_e J_e of the
  /// active edges; when given, the second moment tracks the Lagrangian's
  /// gradient (g + Σ f_e J_e)² while the first moment stays the task's.
  void update_moments(const AdamWOptions& opt,
                      const std::vector<at::Tensor>* force_gradient = nullptr);

  /// For an external kernel that updates m and s of tensor i in place exactly
  /// as update_moments would (galt::Optimizer's fused path): allocates the
  /// moments when needed, counts one more step t, and returns the state.
  TensorState& advance_state(size_t i);

  /// D per tensor: sqrt(s)/sqrt(1 − β2^t) + ε, AdamW's denominator. A tensor
  /// with t = 0 gets D = ε (a degenerate metric; the local solve stays finite).
  std::vector<at::Tensor> metric(const AdamWOptions& opt) const;

  /// The AdamW step size η/(1 − β1^t) for tensor i (0 when t = 0).
  double step_size(size_t i, const AdamWOptions& opt) const;

  /// Restores tensor i's state (checkpoint loading).
  void set_state(size_t i, TensorState state) { state_.at(i) = std::move(state); }

  /// Forgets the moments (a cold restart of the metric).
  void reset_state();

 private:
  std::string name_;
  std::vector<at::Tensor> params_;
  std::vector<TensorState> state_;
  int64_t numel_ = 0;
};

}  // namespace galt
