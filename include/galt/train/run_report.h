// The report of one `galt train` run (training_run.h): run.json (every
// number of the TrainingRunResult, the config and the provenance) and a
// self-contained report.html (losses, the validation curve, the
// forward-consistency values and λ_fwd over steps, the counters).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "galt/report/provenance.h"
#include "galt/train/training_run.h"

namespace galt::train {

nlohmann::json run_json(const TrainingRunResult& r, const report::Provenance& provenance);

/// Writes `dir`/run.json and `dir`/report.html (the folder is made when
/// missing), each through a temporary file renamed over it. Throws
/// galt::InputError when they cannot be written.
void write_run_report(const TrainingRunResult& r, const report::Provenance& provenance,
                      const std::string& dir);

}  // namespace galt::train
