// LinearisedEdges: external edges kept between refreshes as their
// linearisation at the last refresh θ₀ (DESIGN §4: stale messages, as a
// block in a pipeline would receive them):
//
//   C(θ) ≈ C(θ₀) + J₀·(θ − θ₀),   ∂C/∂θ ≈ J₀,
//
// delivered to the optimizer as messages (ConstraintEdge::message): no
// network pass between refreshes, and none is counted. θ − θ₀ is formed once
// per optimizer step and shared by every edge.
//
//   galt::LinearisedEdges lin(model_tensors);
//   opt.add_callback(lin.callback());          // knows when θ moved
//   opt.add_constraint({.name = "safety", .margin = eps,
//                       .message = lin.track("safety", eps, block_tensors)});
//   ... at a refresh: lin.refresh(names, raw_values, jacobians);
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "galt/graph/constraint_edge.h"
#include "galt/solve/callbacks.h"
#include "galt/solve/family_jacobians.h"

namespace torch::serialize {
class OutputArchive;
class InputArchive;
}  // namespace torch::serialize

namespace galt {

class LinearisedEdges {
 public:
  /// `tensors`: what the Jacobians of refresh() are taken against (e.g. the
  /// model's trainable tensors), in the order refresh() gives them.
  explicit LinearisedEdges(std::vector<at::Tensor> tensors);

  /// Registers edge `name` (raw value `initial_raw`, zero Jacobian, until its
  /// first refresh) and returns its message closure. `block_tensors` are the
  /// tensors of the blocks the edge touches, in the optimizer's block and
  /// tensor order; those not among `tensors` (e.g. auxiliary heads) get a
  /// zero Jacobian. Throws InputError for a duplicate name.
  std::function<EdgeMessage()> track(const std::string& name, double initial_raw,
                                     const std::vector<at::Tensor>& block_tensors);
  bool tracks(const std::string& name) const { return edges_.count(name) > 0; }
  /// Stops tracking (the edge left the optimizer); its closure must not be
  /// called afterwards.
  void forget(const std::string& name) { edges_.erase(name); }

  /// Fresh raw values and Jacobians (jacobians[e][t]: edge names[e] w.r.t.
  /// tensors[t], shaped like it or flat; undefined = zero) at θ₀ = the
  /// tensors now. `linearise` = false promises that no message is read
  /// before the next refresh off this θ (every step refreshes), so θ₀ is not
  /// copied. Throws InputError for an untracked name, a NaN/Inf value or a
  /// Jacobian of the wrong size.
  void refresh(const std::vector<std::string>& names, const std::vector<double>& raw_values,
               std::vector<std::vector<at::Tensor>> jacobians, bool linearise = true);

  /// refresh() from one evaluation of `family` (galt::family_jacobians over
  /// this object's tensors): the edges are the family's, by name.
  void refresh(const EdgeFamily& family, const FamilyJacobians& evaluated, bool linearise = true);

  /// The callback that tells the edges θ has moved (add it to the optimizer
  /// whose step updates the tensors).
  std::shared_ptr<OptimizerCallback> callback();

  /// Refreshes so far.
  int64_t refreshes() const { return refreshes_; }

  /// Checkpoints: every edge's value and Jacobian at its last refresh, θ₀,
  /// and the count. load() into an object tracking the same edge names over
  /// the same tensors (InputError otherwise).
  void save(torch::serialize::OutputArchive& archive) const;
  void load(torch::serialize::InputArchive& archive);

 private:
  struct Edge {
    double raw = 0.0;
    std::vector<at::Tensor> jac;  // per tensors_ entry, flat (empty: zero)
    std::vector<int> layout;      // block tensor → tensors_ index (−1: none)
  };
  class Moved;
  EdgeMessage message(const Edge& e);

  std::vector<at::Tensor> tensors_;
  std::map<std::string, Edge> edges_;
  std::vector<at::Tensor> theta0_;
  std::vector<at::Tensor> delta_;  // θ − θ₀, flat, for the current θ
  bool at_theta0_ = false;         // no step since the last refresh
  bool linearised_ = false;        // θ₀ kept
  int64_t refreshes_ = 0;
  std::shared_ptr<OptimizerCallback> callback_;
};

}  // namespace galt
