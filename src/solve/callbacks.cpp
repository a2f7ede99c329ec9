#include "galt/solve/callbacks.h"

#include <algorithm>
#include <cmath>

#include "galt/solve/augmented_lagrangian.h"

namespace galt {

bool ProgressCallback::step_taken(const Optimizer&, const StepStats& s) {
  if (every_ <= 0 || s.step % every_ != 0) return false;
  int active = 0;
  double worst = 0.0;
  for (const auto& e : s.edges) {
    active += e.active;
    worst = std::max(worst, std::max(0.0, e.value));
  }
  std::fprintf(out_, "galt step %lld: %d/%zu edges active, worst C %.4g, solve %.2f ms\n",
               static_cast<long long>(s.step), active, s.edges.size(), worst,
               s.solve_seconds * 1e3);
  return false;
}

void BriefReportCallback::outer_update(const Optimizer&, const StepStats& s) {
  std::fputs(brief_report(s).c_str(), out_);
  last_ = s.step;
}

bool BriefReportCallback::step_taken(const Optimizer&, const StepStats& s) {
  if (every_ > 0 && s.step % every_ == 0 && last_ != s.step) std::fputs(brief_report(s).c_str(), out_);
  return false;
}

bool DualTrace::step_taken(const Optimizer&, const StepStats& s) {
  if (every_ <= 0 || s.step % every_ != 0) return false;
  for (const auto& e : s.edges) {
    auto [it, fresh] = series_.try_emplace(e.id);
    if (fresh) order_.push_back(e.id);
    auto& t = it->second;
    t.name = e.name;
    t.step.push_back(s.step);
    t.value.push_back(e.value);
    t.lambda.push_back(e.lambda);
    t.rho.push_back(e.rho);
  }
  return false;
}

std::vector<EdgeTrace> DualTrace::traces() const {
  std::vector<EdgeTrace> out;
  for (EdgeId id : order_) out.push_back(series_.at(id));
  return out;
}

}  // namespace galt
