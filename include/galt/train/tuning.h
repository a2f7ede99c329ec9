// Choosing every method's settings on validation data (DESIGN §8.1): a grid
// per method with the same number of points for every method, run on the
// validation split carved from the training data, on selection seeds that
// are never reported, optionally on the first tasks of the sequence only
// (Chaudhry et al., 2019). The chosen values are written to a "tuned" TOML
// file that the benchmark config names; the reported runs read them from
// there, frozen.
//
// Config layout (in the benchmark's TOML, config.h):
//
//   [benchmark]
//   tuned = "tuned/classil-fashion.toml"   # relative to the config's folder
//
//   [tuning]
//   tasks = 2            # first tasks of the sequence (0: all)
//   iterations = 0       # per task (0: the protocol's)
//   seeds = [100]        # selection seeds (never reported)
//   points = 6           # grid points per method — the same for every method
//   select = "accuracy"  # or "safe_accuracy" (below)
//   violation_max = 0.05 # safe_accuracy: the held-out violation a point may have
//   [tuning.grid.<method>]
//   <key> = [v1, v2, ...]   # the grid is the product of the keys' lists
//
// select = "accuracy": the point with the highest mean final average
// accuracy (the protocol's scenario) on the validation split over the
// selection seeds. "safe_accuracy": among the points whose mean final
// held-out violation is ≤ violation_max, the most accurate; if none is, the
// least violating. Ties go to the earlier point. (TuningSpec itself is in
// protocol.h, beside the protocol it tunes.)
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "galt/train/protocol.h"

namespace galt::train {

/// The grid of one method: every combination of its keys' values, in
/// lexicographic key order with the last key varying fastest.
std::vector<MethodOptions> grid_points(const std::map<std::string, std::vector<double>>& axes);

/// Throws galt::InputError unless every method in `spec.grid` is in the
/// protocol's methods, has exactly spec.points points, and every value is
/// finite; and unless the selection seeds are disjoint from the reported
/// seeds (p.seeds).
void check_tuning(const TuningSpec& spec, const ProtocolConfig& p);

/// The protocol a grid point runs under: the first spec.tasks tasks,
/// spec.iterations, the selection seeds, evaluation on the validation split,
/// the method alone with its options overridden by `point`.
ProtocolConfig tuning_protocol(const ProtocolConfig& p, const TuningSpec& spec,
                               const std::string& method, const MethodOptions& point);

/// One evaluated grid point.
struct TunedPoint {
  MethodOptions options;   ///< the point's values (the tuned keys only)
  double accuracy = 0.0;   ///< mean final average accuracy over the selection seeds
  double violation = 0.0;  ///< mean final held-out violation (NaN without safety)
};

/// The index of the chosen point under spec.select (see the file comment).
/// Throws galt::InputError for an empty list.
size_t select_point(const TuningSpec& spec, const std::vector<TunedPoint>& points);

/// The tuned file's text: a header comment (command, commit, date, what was
/// selected on), each method's points and scores as comments, and a
/// [methods.<method>] table with the chosen values.
std::string tuned_toml(const std::map<std::string, std::vector<TunedPoint>>& results,
                       const std::map<std::string, size_t>& chosen, const TuningSpec& spec,
                       const std::string& header);

}  // namespace galt::train
