// Settings chosen on validation data (DESIGN §8.1; include/galt/train/tuning.h).
#include "galt/train/tuning.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "galt/error.h"

namespace galt::train {

std::vector<MethodOptions> grid_points(const std::map<std::string, std::vector<double>>& axes) {
  std::vector<MethodOptions> out{MethodOptions{}};
  for (const auto& [key, values] : axes) {
    std::vector<MethodOptions> next;
    for (const auto& partial : out)
      for (double v : values) {
        MethodOptions o = partial;
        o[key] = v;
        next.push_back(std::move(o));
      }
    out = std::move(next);
  }
  if (axes.empty()) out.clear();
  return out;
}

void check_tuning(const TuningSpec& spec, const ProtocolConfig& p) {
  if (!spec.enabled()) throw InputError("config '" + p.name + "' has no [tuning] table");
  if (spec.grid.empty()) throw InputError("[tuning] has no [tuning.grid.<method>] tables");
  if (spec.tasks > p.tasks)
    throw InputError("tuning.tasks = " + std::to_string(spec.tasks) + " exceeds the protocol's " +
                     std::to_string(p.tasks) + " tasks");
  for (const auto& [m, axes] : spec.grid) {
    if (std::find(p.methods.begin(), p.methods.end(), m) == p.methods.end())
      throw InputError("tuning.grid." + m + ": '" + m + "' is not in the benchmark's methods");
    const auto points = grid_points(axes);
    if (static_cast<int>(points.size()) != spec.points)
      throw InputError("tuning.grid." + m + " has " + std::to_string(points.size()) +
                       " points, but every method gets tuning.points = " +
                       std::to_string(spec.points) + " (the same budget for every method)");
    for (const auto& [k, vals] : axes)
      for (double v : vals)
        if (!std::isfinite(v))
          throw InputError("tuning.grid." + m + "." + k + ": a value is not finite");
  }
  const std::set<uint64_t> reported(p.seeds.begin(), p.seeds.end());
  for (auto s : spec.seeds)
    if (reported.count(s))
      throw InputError("tuning seed " + std::to_string(s) +
                       " is also a reported seed: selection seeds are never reported");
  if (p.validation_fraction <= 0)
    throw InputError("tuning needs a validation split (training.validation_fraction > 0)");
  if (spec.select == "safe_accuracy" && !p.safety.enabled())
    throw InputError("tuning.select = \"safe_accuracy\" needs a [safety] table");
}

ProtocolConfig tuning_protocol(const ProtocolConfig& p, const TuningSpec& spec,
                               const std::string& method, const MethodOptions& point) {
  ProtocolConfig q = p;
  if (spec.tasks > 0) q.tasks = spec.tasks;
  if (spec.iterations > 0) q.iterations = spec.iterations;
  q.seeds = spec.seeds;
  q.evaluate_on = EvalSplit::kValidation;
  q.methods = {method};
  MethodOptions opts;
  if (auto it = p.method_options.find(method); it != p.method_options.end()) opts = it->second;
  // The point's keys are what is being chosen (again): they replace any
  // tuned value; the method's other settings (e.g. the standard track's
  // tuned values in the safety track) stay.
  for (const auto& [k, v] : point) opts[k] = v;
  q.method_options.clear();
  q.method_options[method] = opts;
  q.tuned_options.clear();
  q.tuning = {};
  return q;
}

size_t select_point(const TuningSpec& spec, const std::vector<TunedPoint>& points) {
  if (points.empty()) throw InputError("no grid points to select from");
  size_t best = 0;
  if (spec.select == "safe_accuracy") {
    bool any_safe = false;
    for (size_t i = 0; i < points.size(); ++i) {
      const bool safe = points[i].violation <= spec.violation_max;
      if (!safe) continue;
      if (!any_safe || points[i].accuracy > points[best].accuracy) best = i;
      any_safe = true;
    }
    if (any_safe) return best;
    for (size_t i = 1; i < points.size(); ++i)
      if (points[i].violation < points[best].violation) best = i;
    return best;
  }
  for (size_t i = 1; i < points.size(); ++i)
    if (points[i].accuracy > points[best].accuracy) best = i;
  return best;
}

namespace {
// %g: a TOML integer or float either way (options are read as numbers).
std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
std::string point_text(const MethodOptions& o) {
  std::string s;
  for (const auto& [k, v] : o) s += (s.empty() ? "" : ", ") + k + " = " + number(v);
  return s;
}
}  // namespace

std::string tuned_toml(const std::map<std::string, std::vector<TunedPoint>>& results,
                       const std::map<std::string, size_t>& chosen, const TuningSpec& spec,
                       const std::string& header) {
  std::string out;
  for (size_t i = 0; i < header.size();) {
    const auto nl = header.find('\n', i);
    out += "# " + header.substr(i, nl == std::string::npos ? std::string::npos : nl - i) + "\n";
    if (nl == std::string::npos) break;
    i = nl + 1;
  }
  out += "# Selected by \"" + spec.select + "\"";
  if (spec.select == "safe_accuracy") out += " (violation ≤ " + number(spec.violation_max) + ")";
  out += " on the validation split; " + std::to_string(spec.points) + " points per method.\n";
  for (const auto& [m, pts] : results) {
    out += "\n# " + m + ":\n";
    for (size_t i = 0; i < pts.size(); ++i) {
      char buf[120];
      std::snprintf(buf, sizeof buf, "accuracy %.4f", pts[i].accuracy);
      std::string line = "#   " + point_text(pts[i].options) + "  →  " + buf;
      if (std::isfinite(pts[i].violation)) {
        std::snprintf(buf, sizeof buf, ", violation %.4f", pts[i].violation);
        line += buf;
      }
      if (chosen.at(m) == i) line += "   ← chosen";
      out += line + "\n";
    }
    out += "[methods." + m + "]\n";
    for (const auto& [k, v] : pts[chosen.at(m)].options) out += k + " = " + number(v) + "\n";
  }
  return out;
}

}  // namespace galt::train
