// Forward-consistency edges of a block chain (DESIGN §4), one per inner
// block v (every block but the last):
//
//   C_fwd(v) = mean‖f_v(θ_v; z_v^ref) − z_{v+1}^ref‖² / mean‖z_{v+1}^ref‖² − tol ≤ 0
//
// on a probe batch whose messages z^ref are taken at each refresh. It keeps
// an upstream block's update from invalidating what the downstream blocks
// learned from its messages; its multiplier grows while it is violated. The
// value is computed through block v only (one block forward pass; its
// Jacobian one local backward pass).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "galt/graph/block_chain.h"
#include "galt/graph/constraint_edge.h"

namespace torch::serialize {
class OutputArchive;
class InputArchive;
}  // namespace torch::serialize

namespace galt {

struct ForwardEdgeOptions {
  double tol = 0.05;         ///< relative drift allowed (the edges' margin)
  int64_t probe_rows = 64;   ///< rows of the refresh batch kept as the probe
};

class ForwardEdges {
 public:
  /// `block_names[v]`: the optimizer's name of the block of stage v.
  /// Throws InputError when the names do not match the stages.
  ForwardEdges(BlockChain chain, std::vector<std::string> block_names,
               ForwardEdgeOptions options = {});

  /// The edges "forward_<block>" for the optimizer (channel kForward, margin
  /// tol, touching their block only). Until the first refresh an edge has no
  /// reference and reads C = −1 (feasible, inactive).
  std::vector<ConstraintEdge> edges();
  size_t size() const { return refs_.size(); }

  /// New references from the first probe_rows rows of `x` (the chain's input).
  /// One forward pass of the chain, without gradients.
  void refresh(const at::Tensor& x);

  /// Checkpoints: the references (load() into edges built on the same chain;
  /// InputError when the stage count differs).
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  at::Tensor drift(size_t v) const;

  struct Reference {
    at::Tensor in, out;
    double scale = 1.0;
  };
  BlockChain chain_;
  std::vector<std::string> names_;
  ForwardEdgeOptions options_;
  std::vector<Reference> refs_;
};

}  // namespace galt
