#include "galt/solve/linearised_edges.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <unordered_map>

#include "galt/error.h"
#include "galt/solve/state_archive.h"

namespace galt {

class LinearisedEdges::Moved final : public OptimizerCallback {
 public:
  explicit Moved(LinearisedEdges* owner) : owner_(owner) {}
  bool step_taken(const Optimizer&, const StepStats&) override {
    owner_->at_theta0_ = false;
    owner_->delta_.clear();
    return false;
  }

 private:
  LinearisedEdges* owner_;
};

LinearisedEdges::LinearisedEdges(std::vector<at::Tensor> tensors)
    : tensors_(std::move(tensors)), callback_(std::make_shared<Moved>(this)) {}

std::shared_ptr<OptimizerCallback> LinearisedEdges::callback() { return callback_; }

std::function<EdgeMessage()> LinearisedEdges::track(const std::string& name, double initial_raw,
                                                    const std::vector<at::Tensor>& block_tensors) {
  if (edges_.count(name)) throw InputError("linearised edges: '" + name + "' is tracked already");
  std::unordered_map<const void*, int> index;
  for (size_t i = 0; i < tensors_.size(); ++i)
    index[tensors_[i].unsafeGetTensorImpl()] = static_cast<int>(i);
  Edge e;
  e.raw = initial_raw;
  for (const auto& t : block_tensors) {
    auto it = index.find(t.unsafeGetTensorImpl());
    e.layout.push_back(it == index.end() ? -1 : it->second);
  }
  edges_[name] = std::move(e);
  return [this, name] { return message(edges_.at(name)); };
}

EdgeMessage LinearisedEdges::message(const Edge& e) {
  EdgeMessage m;
  m.value = e.raw;
  m.jacobian.resize(e.layout.size());
  if (e.jac.empty()) return m;
  for (size_t k = 0; k < e.layout.size(); ++k)
    if (e.layout[k] >= 0) m.jacobian[k] = e.jac[static_cast<size_t>(e.layout[k])];
  if (at_theta0_) return m;  // θ = θ₀ exactly: no d-sized pass
  if (!linearised_)
    throw std::logic_error(
        "linearised edges: a message was read off its refresh point, but the refresh kept no θ₀ "
        "(refresh(..., linearise = false))");
  torch::NoGradGuard no_grad;
  if (delta_.empty())
    for (size_t i = 0; i < tensors_.size(); ++i)
      delta_.push_back((tensors_[i].detach() - theta0_[i]).reshape({-1}));
  for (size_t i = 0; i < tensors_.size(); ++i)
    if (e.jac[i].defined()) m.value += torch::dot(delta_[i], e.jac[i]).item<double>();
  return m;
}

void LinearisedEdges::refresh(const EdgeFamily& family, const FamilyJacobians& evaluated,
                              bool linearise) {
  std::vector<std::string> names;
  std::vector<std::vector<at::Tensor>> jac(evaluated.slots.size());
  for (size_t r = 0; r < evaluated.slots.size(); ++r) {
    names.push_back(family.edges.at(static_cast<size_t>(evaluated.slots[r])).name);
    for (size_t t = 0; t < tensors_.size(); ++t)
      jac[r].push_back(evaluated.jacobian(r, t, tensors_[t]));
  }
  refresh(names, evaluated.values, std::move(jac), linearise);
}

void LinearisedEdges::refresh(const std::vector<std::string>& names,
                              const std::vector<double>& raw_values,
                              std::vector<std::vector<at::Tensor>> jacobians, bool linearise) {
  if (names.size() != raw_values.size() || names.size() != jacobians.size())
    throw InputError("linearised edges: refresh with " + std::to_string(names.size()) + " names, " +
                     std::to_string(raw_values.size()) + " values and " +
                     std::to_string(jacobians.size()) + " Jacobians");
  torch::NoGradGuard no_grad;
  for (size_t e = 0; e < names.size(); ++e) {
    auto it = edges_.find(names[e]);
    if (it == edges_.end())
      throw InputError("linearised edges: refresh of untracked edge '" + names[e] + "'");
    if (!std::isfinite(raw_values[e]))
      throw InputError("constraint '" + names[e] + "' is NaN/Inf at a refresh");
    if (jacobians[e].size() != tensors_.size())
      throw InputError("linearised edges: '" + names[e] + "' has " +
                       std::to_string(jacobians[e].size()) + " Jacobian tensors, expected " +
                       std::to_string(tensors_.size()));
    for (size_t t = 0; t < tensors_.size(); ++t) {
      auto& j = jacobians[e][t];
      if (!j.defined()) continue;
      if (j.numel() != tensors_[t].numel())
        throw InputError("linearised edges: '" + names[e] + "', tensor " + std::to_string(t) +
                         ": Jacobian has " + std::to_string(j.numel()) + " entries, expected " +
                         std::to_string(tensors_[t].numel()));
      j = j.detach().reshape({-1});
    }
  }
  // θ₀ moves: an edge linearised at the old θ₀ and left out would be wrong.
  for (const auto& [name, edge] : edges_)
    if (!edge.jac.empty() && std::find(names.begin(), names.end(), name) == names.end())
      throw InputError("linearised edges: refresh leaves out '" + name +
                       "', which is linearised at the previous refresh point");
  for (size_t e = 0; e < names.size(); ++e) {
    auto& edge = edges_.at(names[e]);
    edge.raw = raw_values[e];
    edge.jac = std::move(jacobians[e]);
  }
  theta0_.clear();
  delta_.clear();
  if (linearise)
    for (const auto& p : tensors_) theta0_.push_back(p.detach().clone());
  linearised_ = linearise;
  at_theta0_ = true;
  ++refreshes_;
}

void LinearisedEdges::save(torch::serialize::OutputArchive& archive) const {
  state::put_int(archive, "count", static_cast<int64_t>(edges_.size()));
  int64_t i = 0;
  for (const auto& [name, e] : edges_) {
    const std::string key = "edge" + std::to_string(i++);
    state::put_string(archive, key + "/name", name);
    state::put_double(archive, key + "/raw", e.raw);
    state::put_tensors(archive, key + "/jacobian", e.jac);
  }
  state::put_tensors(archive, "theta0", theta0_);
  state::put_int(archive, "at_theta0", at_theta0_ ? 1 : 0);
  state::put_int(archive, "linearised", linearised_ ? 1 : 0);
  state::put_int(archive, "refreshes", refreshes_);
}

void LinearisedEdges::load(torch::serialize::InputArchive& archive) {
  const int64_t n = state::get_int(archive, "count");
  if (n != static_cast<int64_t>(edges_.size()))
    throw InputError("checkpoint: " + std::to_string(n) + " linearised edges, " +
                     std::to_string(edges_.size()) + " tracked");
  std::map<std::string, std::pair<double, std::vector<at::Tensor>>> loaded;
  for (int64_t i = 0; i < n; ++i) {
    const std::string key = "edge" + std::to_string(i);
    const std::string name = state::get_string(archive, key + "/name");
    if (!edges_.count(name))
      throw InputError("checkpoint: linearised edge '" + name + "' is not tracked");
    auto jac = state::get_tensors(archive, key + "/jacobian");
    if (!jac.empty() && jac.size() != tensors_.size())
      throw InputError("checkpoint: linearised edge '" + name + "' has " +
                       std::to_string(jac.size()) + " Jacobian tensors, expected " +
                       std::to_string(tensors_.size()));
    for (size_t t = 0; t < jac.size(); ++t)
      if (jac[t].defined() && jac[t].numel() != tensors_[t].numel())
        throw InputError("checkpoint: linearised edge '" + name + "', tensor " + std::to_string(t) +
                         ": a Jacobian of the wrong size");
    loaded[name] = {state::get_double(archive, key + "/raw"), std::move(jac)};
  }
  if (static_cast<int64_t>(loaded.size()) != n)
    throw InputError("checkpoint: a linearised edge is saved twice");
  auto theta0 = state::get_tensors(archive, "theta0");
  if (!theta0.empty() && theta0.size() != tensors_.size())
    throw InputError("checkpoint: θ₀ of the linearised edges has " + std::to_string(theta0.size()) +
                     " tensors, expected " + std::to_string(tensors_.size()));
  const bool at_theta0 = state::get_int(archive, "at_theta0") != 0;
  const bool linearised = state::get_int(archive, "linearised") != 0;
  const int64_t refreshes = state::get_int(archive, "refreshes");
  for (auto& [name, e] : edges_) {
    e.raw = loaded.at(name).first;
    e.jac = std::move(loaded.at(name).second);
  }
  theta0_ = std::move(theta0);
  delta_.clear();  // recomputed from θ − θ₀ when a message is read
  at_theta0_ = at_theta0;
  linearised_ = linearised;
  refreshes_ = refreshes;
}

}  // namespace galt
