// `galt bench constrained`: the recall-constrained Fashion-MNIST classifier
// (recall_problem.h) trained four ways (constrained_methods.h), under the
// results protocol (DESIGN §8.1):
//
//  - selection: a validation split of 10 % of the training rows (stratified,
//    split seed 0); every grid point of a method is trained once on the rest
//    with selection seed 100 (never reported) and the rule picks one — the
//    best validation accuracy among points whose last iterate is feasible on
//    its training rows (recall ≥ 0.95), else the highest training recall;
//    the same four points per constrained method;
//  - report: the chosen setting, frozen, trained on all training rows for
//    every reported seed (11–15; seeds 1–5 served a development pilot) and evaluated on the test
//    set once.
//
// docs/CONSTRAINED.md has the numbers and what they mean.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/constrained/constrained_methods.h"

namespace galt::bench {

struct ConstrainedOptions {
  std::string fashion_dir = "/usr/share/datasets/fashion-mnist";
  std::vector<std::string> methods{"adam", "gda", "alm", "galt"};
  std::vector<uint64_t> seeds{11, 12, 13, 14, 15};
  int epochs = 3;
  int64_t train_rows = 0;  ///< the first N training rows (0: all 60,000)
  /// A method named here is run with this setting instead of selecting one.
  std::map<std::string, Setting> fixed;
};

inline constexpr uint64_t kSelectionSeed = 100;
inline constexpr uint64_t kSplitSeed = 0;
inline constexpr double kValidationFraction = 0.1;

/// The grid of every method (four points per constrained method).
const std::vector<Setting>& constrained_grid(const std::string& method);

/// Throws galt::InputError for options no run could take: epochs < 1, no
/// seeds, an unknown method, a --setting with a missing, unknown or
/// non-positive key. run_constrained_benchmark checks them first too.
void check_constrained_options(const ConstrainedOptions& options);

/// Runs the benchmark; `progress` gets one line per run. The JSON: problem,
/// protocol, per method its setting (and the selection runs), seeds,
/// test_acc / test_recall / train_recall_last / recall_last_epoch /
/// seconds_per_epoch as {mean, std, values}, feasible_seeds, lambda_trace;
/// then GALT's paired differences against every other method and the
/// issue's targets, each with its measured value.
nlohmann::json run_constrained_benchmark(const ConstrainedOptions& options,
                                         const std::function<void(const std::string&)>& progress);

}  // namespace galt::bench
