// Internal: the runner's part of a run checkpoint (the "runner" archive of
// include/galt/train/run_checkpoint.h) — where the run is, what it has
// recorded so far, the frozen anchors, torch's generator and the model.
#pragma once

#include <cstdint>
#include <vector>

#include "galt/data/dataset.h"
#include "galt/solve/state_archive.h"
#include "galt/train/continual_method.h"
#include "galt/train/runner.h"

namespace galt::train::detail {

/// A checkpoint's place in the run: `iteration` steps of task `task` are
/// done (1 … iterations: a checkpoint follows a step).
struct RunPosition {
  int task = 0;
  int64_t iteration = 0;
};

void save_run_state(state::OutputArchive& a, const RunPosition& at, const SeedRun& run,
                    const TrainingContext& ctx, const std::vector<AnchorSet>& anchors);

/// Restores the saved state into a run the runner has just set up (ctx.model
/// built, the method begun): run's records, ctx.step and seen_mask, the
/// anchors (their rows x, y are the seed's `anchor_rows`; the frozen outputs
/// come from the checkpoint), torch's generator, the model's tensors.
/// Throws galt::InputError when the state does not fit this run (tasks,
/// iterations, the model's tensors).
RunPosition load_run_state(state::InputArchive& a, SeedRun& run, TrainingContext& ctx,
                           std::vector<AnchorSet>& anchors,
                           const std::vector<data::Dataset>& anchor_rows, int64_t iterations);

}  // namespace galt::train::detail
