// SeedRun's summaries (include/galt/train/runner.h). Apart from the runner
// so that what reads and writes stored runs (bench_report.cpp, run_store.cpp)
// links without it (fuzz/train/run_store_fuzz.cpp).
#include <cmath>
#include <cstdint>

#include "galt/train/runner.h"

namespace galt::train {

double SeedRun::mean_safety_violation() const {
  double s = 0;
  int64_t n = 0;
  for (size_t i = 0; i < safety_rate.size(); ++i)
    if (i >= safety_forbidden_seen.size() || safety_forbidden_seen[i]) {
      s += safety_rate[i];
      ++n;
    }
  return n == 0 ? std::nan("") : s / static_cast<double>(n);
}

double SeedRun::final_safety_violation() const {
  return safety_rate.empty() ? std::nan("") : safety_rate.back();
}

}  // namespace galt::train
