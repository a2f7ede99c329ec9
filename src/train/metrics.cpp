// Continual-learning metrics (DESIGN §8); formulas in include/galt/train/metrics.h.
#include "galt/train/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

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

double learning_accuracy(const AccuracyMatrix& r) {
  check_accuracy_matrix(r);
  double s = 0;
  for (size_t j = 0; j < r.size(); ++j) s += r[j][j];
  return s / static_cast<double>(r.size());
}

PairedDifference paired_bootstrap(const std::vector<double>& a, const std::vector<double>& b,
                                  int resamples, uint64_t seed) {
  if (a.size() != b.size())
    throw InputError("paired comparison: " + std::to_string(a.size()) + " values against " +
                     std::to_string(b.size()) + " (the seeds must pair up)");
  if (a.size() < 2) throw InputError("paired comparison: needs at least 2 seeds");
  if (resamples < 100) throw InputError("paired comparison: needs at least 100 resamples");
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i]) || !std::isfinite(b[i]))
      throw InputError("paired comparison: a value is not finite (seed position " +
                       std::to_string(i) + ")");
    d[i] = a[i] - b[i];
  }
  PairedDifference out;
  out.n = static_cast<int64_t>(d.size());
  for (double v : d) out.mean += v;
  out.mean /= static_cast<double>(d.size());
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<size_t> pick(0, d.size() - 1);
  std::vector<double> means(static_cast<size_t>(resamples));
  for (auto& m : means) {
    double s = 0;
    for (size_t i = 0; i < d.size(); ++i) s += d[pick(rng)];
    m = s / static_cast<double>(d.size());
  }
  std::sort(means.begin(), means.end());
  auto quantile = [&](double q) {
    const double pos = q * static_cast<double>(means.size() - 1);
    const auto i = static_cast<size_t>(pos);
    const double f = pos - static_cast<double>(i);
    return i + 1 < means.size() ? means[i] * (1 - f) + means[i + 1] * f : means[i];
  };
  out.lo = quantile(0.025);
  out.hi = quantile(0.975);
  return out;
}

std::string format_difference(const PairedDifference& d, int digits) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%+.*f [%+.*f, %+.*f]", digits, d.mean, digits, d.lo, digits,
                d.hi);
  return buf;
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
