#include "galt/solve/trust_region.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "galt/error.h"

namespace galt {

TrustRegion::TrustRegion(TrustRegionOptions options) : options_(options), radius_(options.radius) {
  if (!(options_.radius >= 0) || !std::isfinite(options_.radius))
    throw InputError("trust region: the radius must be a finite number ≥ 0");
  if (options_.adaptive && options_.radius > 0 &&
      !(options_.min > 0 && options_.min <= options_.max))
    throw InputError("trust region: need 0 < min ≤ max");
}

double TrustRegion::bound(double lr, int64_t numel) const {
  if (radius_ <= 0) return std::numeric_limits<double>::infinity();
  return radius_ * lr * std::sqrt(static_cast<double>(numel));
}

double TrustRegion::clip_scale(double norm, double lr, int64_t numel) const {
  const double b = bound(lr, numel);
  return norm > b ? b / norm : 1.0;
}

void TrustRegion::record(std::vector<EdgeId> solved_for, bool clipped) {
  solved_for_ = std::move(solved_for);
  was_clipped_ = clipped;
}

void TrustRegion::adapt(const std::function<std::optional<double>(EdgeId)>& agreement) {
  if (!options_.adaptive || radius_ <= 0 || solved_for_.empty()) return;
  double worst = std::numeric_limits<double>::infinity();
  for (EdgeId e : solved_for_)
    if (const auto q = agreement(e)) worst = std::min(worst, *q);
  if (!std::isfinite(worst)) return;
  if (worst < options_.shrink_below)
    radius_ = std::max(options_.min, radius_ / 2);
  else if (worst > options_.grow_above && was_clipped_)
    radius_ = std::min(options_.max, radius_ * 2);
}

}  // namespace galt
