// Continual-learning metrics (DESIGN §8); formulas in include/galt/train/metrics.h.
#include "galt/train/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "galt/error.h"

namespace galt::train {

void check_accuracy_matrix(const AccuracyMatrix& r) {
  if (r.empty()) throw InputError("accuracy matrix is empty");
  const size_t t = r.size();
  for (size_t i = 0; i < t; ++i) {
    if (r[i].size() != t)
      throw InputError("accuracy matrix row " + std::to_string(i) + " has " +
                       std::to_string(r[i].size()) + " entries, expected " + std::to_string(t));
    for (size_t j = 0; j <= i; ++j)
      if (!std::isfinite(r[i][j]) || r[i][j] < 0.0 || r[i][j] > 1.0)
        throw InputError("accuracy matrix entry [" + std::to_string(i) + "][" + std::to_string(j) +
                         "] = " + std::to_string(r[i][j]) + ", expected a number in [0, 1]");
  }
}

double final_average_accuracy(const AccuracyMatrix& r) {
  check_accuracy_matrix(r);
  const auto& last = r.back();
  double s = 0;
  for (double v : last) s += v;
  return s / static_cast<double>(last.size());
}

double forgetting_max(const AccuracyMatrix& r) {
  check_accuracy_matrix(r);
  const size_t t = r.size();
  if (t < 2) return 0.0;
  double s = 0;
  for (size_t j = 0; j + 1 < t; ++j) {
    double best = r[j][j];
    for (size_t l = j; l + 1 < t; ++l) best = std::max(best, r[l][j]);
    s += best - r[t - 1][j];
  }
  return s / static_cast<double>(t - 1);
}

double forgetting_diagonal(const AccuracyMatrix& r) {
  check_accuracy_matrix(r);
  const size_t t = r.size();
  if (t < 2) return 0.0;
  double s = 0;
  for (size_t j = 0; j + 1 < t; ++j) s += r[j][j] - r[t - 1][j];
  return s / static_cast<double>(t - 1);
}

double backward_transfer(const AccuracyMatrix& r) {
  const size_t t = r.size();
  if (t < 2) {
    check_accuracy_matrix(r);
    return 0.0;
  }
  return -forgetting_diagonal(r);
}

Summary summarize(const std::vector<double>& values) {
  Summary s;
  s.values = values;
  if (values.empty()) return s;
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(values.size());
  if (values.size() > 1) {
    double sq = 0;
    for (double v : values) sq += (v - s.mean) * (v - s.mean);
    s.std = std::sqrt(sq / static_cast<double>(values.size() - 1));
  }
  return s;
}

std::string format_summary(const Summary& s, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f ± %.*f", digits, s.mean, digits, s.std);
  return buf;
}

namespace {
AccuracyMatrix reduce(const std::vector<AccuracyMatrix>& ms, bool want_std) {
  if (ms.empty()) return {};
  AccuracyMatrix out = ms.front();
  for (size_t i = 0; i < out.size(); ++i)
    for (size_t j = 0; j < out[i].size(); ++j) {
      std::vector<double> v;
      for (const auto& m : ms) v.push_back(m.at(i).at(j));
      const bool any_nan = std::any_of(v.begin(), v.end(), [](double x) { return std::isnan(x); });
      const Summary s = summarize(v);
      out[i][j] = any_nan ? std::nan("") : (want_std ? s.std : s.mean);
    }
  return out;
}
}  // namespace

AccuracyMatrix mean_matrix(const std::vector<AccuracyMatrix>& ms) { return reduce(ms, false); }
AccuracyMatrix std_matrix(const std::vector<AccuracyMatrix>& ms) { return reduce(ms, true); }

}  // namespace galt::train
