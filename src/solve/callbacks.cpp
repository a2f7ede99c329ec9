#include "galt/solve/callbacks.h"

#include <algorithm>
#include <cmath>

#include "galt/error.h"
#include "galt/solve/augmented_lagrangian.h"
#include "galt/solve/state_archive.h"

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

void DualTrace::save(torch::serialize::OutputArchive& archive) const {
  state::put_int(archive, "count", static_cast<int64_t>(order_.size()));
  for (size_t i = 0; i < order_.size(); ++i) {
    const std::string key = "series" + std::to_string(i);
    state::put_int(archive, key + "/id", order_[i].value);
    state::put_trace(archive, key, series_.at(order_[i]));
  }
}

void DualTrace::load(torch::serialize::InputArchive& archive) {
  std::map<EdgeId, EdgeTrace> series;
  std::vector<EdgeId> order;
  const int64_t n = state::get_int(archive, "count");
  for (int64_t i = 0; i < n; ++i) {
    const std::string key = "series" + std::to_string(i);
    const EdgeId id{state::get_int(archive, key + "/id")};
    if (!series.emplace(id, state::get_trace(archive, key)).second)
      throw InputError("checkpoint: the dual trace holds edge id " + std::to_string(id.value) +
                       " twice");
    order.push_back(id);
  }
  series_ = std::move(series);
  order_ = std::move(order);
}

}  // namespace galt
