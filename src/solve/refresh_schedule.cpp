#include "galt/solve/refresh_schedule.h"

#include <cmath>

#include "galt/error.h"
#include "galt/solve/state_archive.h"

namespace galt {

RefreshSchedule::RefreshSchedule(RefreshOptions options) : options_(options) {
  if (options_.period < 1) throw InputError("refresh schedule: period must be ≥ 1");
  if (std::isnan(options_.trigger)) throw InputError("refresh schedule: trigger is NaN");
}

bool RefreshSchedule::next(int64_t step) {
  const bool due = pending_ || step % options_.period == 0;
  pending_ = false;
  refreshes_ += due;
  return due;
}

void RefreshSchedule::begin_task(const Optimizer&, int) {
  if (options_.at_task_start) pending_ = true;
}

bool RefreshSchedule::step_taken(const Optimizer&, const StepStats& stats) {
  for (const auto& e : stats.edges)
    if (e.value > options_.trigger) pending_ = true;
  return false;
}

void RefreshSchedule::save(torch::serialize::OutputArchive& archive) const {
  state::put_int(archive, "pending", pending_ ? 1 : 0);
  state::put_int(archive, "refreshes", refreshes_);
}

void RefreshSchedule::load(torch::serialize::InputArchive& archive) {
  pending_ = state::get_int(archive, "pending") != 0;
  refreshes_ = state::get_int(archive, "refreshes");
}

}  // namespace galt
