#include "galt/solve/augmented_lagrangian.h"

#include <algorithm>
#include <cmath>

#include "galt/error.h"

namespace galt {

AugmentedLagrangian::AugmentedLagrangian(AugmentedLagrangianOptions options) : options_(options) {
  if (options_.inner_steps < 1) throw InputError("augmented Lagrangian: inner_steps must be ≥ 1");
  if (!(options_.rho_init > 0) || !(options_.rho_max >= options_.rho_init) ||
      !(options_.rho_min > 0))
    throw InputError("augmented Lagrangian: need 0 < rho_min, 0 < rho_init ≤ rho_max");
  if (!(options_.growth >= 1) || !(options_.shrink > 0 && options_.shrink <= 1))
    throw InputError("augmented Lagrangian: need growth ≥ 1 and 0 < shrink ≤ 1");
}

void AugmentedLagrangian::validate(const ConstraintEdge& edge,
                                   const AugmentedLagrangianOptions& options) {
  const double rho = edge.rho_init > 0 ? edge.rho_init : options.rho_init;
  const double rho_max = edge.rho_max > 0 ? edge.rho_max : options.rho_max;
  if (rho_max < rho)
    throw InputError("constraint '" + edge.name + "': rho_max " + std::to_string(rho_max) +
                     " is below its initial rho " + std::to_string(rho));
}

EdgeId AugmentedLagrangian::add_edge(const ConstraintEdge& edge, EdgeId id) {
  validate(edge, options_);
  EdgeDual d;
  d.lambda = edge.lambda_init;
  d.rho = edge.rho_init > 0 ? edge.rho_init : options_.rho_init;
  d.rho_max = edge.rho_max > 0 ? edge.rho_max : options_.rho_max;
  if (d.rho_max < d.rho)
    throw InputError("constraint '" + edge.name + "': rho_max " + std::to_string(d.rho_max) +
                     " is below its initial rho " + std::to_string(d.rho));
  if (!id.valid()) id = EdgeId{next_id_};
  if (index_of(id) >= 0)
    throw InputError("constraint '" + edge.name + "': edge id " + std::to_string(id.value) +
                     " has a multiplier already");
  next_id_ = std::max(next_id_, id.value + 1);
  duals_.push_back(d);
  ids_.push_back(id);
  return id;
}

int AugmentedLagrangian::index_of(EdgeId id) const {
  for (size_t i = 0; i < ids_.size(); ++i)
    if (ids_[i] == id) return static_cast<int>(i);
  return -1;
}

void AugmentedLagrangian::remove_edge(EdgeId id) {
  const int i = index_of(id);
  if (i < 0) throw InputError("augmented Lagrangian: no edge with id " + std::to_string(id.value));
  duals_.erase(duals_.begin() + i);
  ids_.erase(ids_.begin() + i);
}

const EdgeDual& AugmentedLagrangian::dual(EdgeId id) const {
  const int i = index_of(id);
  if (i < 0) throw InputError("augmented Lagrangian: no edge with id " + std::to_string(id.value));
  return duals_[i];
}

EdgeDual& AugmentedLagrangian::dual(EdgeId id) {
  return const_cast<EdgeDual&>(static_cast<const AugmentedLagrangian&>(*this).dual(id));
}

double AugmentedLagrangian::violation(Sense sense, double c) {
  return sense == Sense::kEquality ? std::abs(c) : std::max(0.0, c);
}

bool AugmentedLagrangian::active(Sense sense, double lambda, double rho, double c) {
  return sense == Sense::kEquality || lambda + rho * c > 0;
}

std::vector<DualUpdate> AugmentedLagrangian::outer_update(const std::vector<Sense>& senses,
                                                          const std::vector<double>& values) {
  std::vector<DualUpdate> out(duals_.size());
  for (size_t e = 0; e < duals_.size(); ++e) {
    auto& d = duals_[e];
    auto& u = out[e];
    const double c = values[e];
    u.value = u.surrogate = c;
    u.lambda_before = d.lambda;
    u.rho_before = d.rho;
    d.lambda += d.rho * c;
    if (senses[e] == Sense::kInequality) d.lambda = std::max(0.0, d.lambda);
    const double v = violation(senses[e], c);
    if (options_.rule == PenaltyRule::kClassical && v > 0 && d.last_violation >= 0 &&
        v > options_.shrink * d.last_violation) {
      d.rho = std::min(d.rho_max, options_.growth * d.rho);
      u.rho_grew = true;
    }
    d.last_violation = v;
    d.violation_ema = d.outer_updates == 0 ? v : 0.9 * d.violation_ema + 0.1 * v;
    d.outer_updates += 1;
    u.lambda_after = d.lambda;
    u.rho_after = d.rho;
  }
  return out;
}

void AugmentedLagrangian::inner_update(const std::vector<Sense>& senses,
                                       const std::vector<double>& values) {
  if (options_.rule != PenaltyRule::kAVBD) return;
  for (size_t e = 0; e < duals_.size(); ++e) {
    const double v = violation(senses[e], values[e]);
    if (v > 0) duals_[e].rho = std::min(duals_[e].rho_max, duals_[e].rho + options_.avbd_beta * v);
  }
}

void AugmentedLagrangian::warm_start() {
  for (auto& d : duals_) {
    d.lambda *= options_.avbd_alpha * options_.avbd_gamma;
    d.rho = std::max(options_.rho_min, options_.avbd_gamma * d.rho);
    d.last_violation = -1.0;
  }
}

}  // namespace galt
