// Continual-learning metrics on an accuracy matrix (DESIGN §8).
//
// R[i][j] is the test accuracy on task j measured after training on task i
// (T × T; entries j > i may be NaN when task j has not been seen). With T
// tasks, the final row is R[T−1]:
//
//   final average accuracy  A   = (1/T) Σ_j R[T−1][j]
//   forgetting (max-based)  F   = 1/(T−1) Σ_{j<T−1} ( max_{l∈[j,T−2]} R[l][j] − R[T−1][j] )
//                                 (Chaudhry et al., 2018)
//   forgetting (diagonal)   F_d = 1/(T−1) Σ_{j<T−1} ( R[j][j] − R[T−1][j] )
//   backward transfer       BWT = 1/(T−1) Σ_{j<T−1} ( R[T−1][j] − R[j][j] ) = −F_d
//                                 (Lopez-Paz & Ranzato, 2017)
//   learning accuracy       LA  = (1/T) Σ_j R[j][j]  (how well each task was
//                                 learnt when it was trained; low forgetting
//                                 with a low LA is "not learning", not retention)
//
// With T = 1 forgetting and BWT are 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace galt::train {

using AccuracyMatrix = std::vector<std::vector<double>>;

/// Throws galt::InputError unless `r` is square, non-empty, and every entry
/// on or below the diagonal is a finite number in [0, 1].
void check_accuracy_matrix(const AccuracyMatrix& r);

double final_average_accuracy(const AccuracyMatrix& r);
double forgetting_max(const AccuracyMatrix& r);
double forgetting_diagonal(const AccuracyMatrix& r);
double backward_transfer(const AccuracyMatrix& r);
double learning_accuracy(const AccuracyMatrix& r);

/// Mean and sample standard deviation (n − 1; 0 for a single value) of a
/// list, with the values kept (multi-seed reporting: mean ± std, seeds listed).
struct Summary {
  double mean = 0.0;
  double std = 0.0;
  std::vector<double> values;
};
Summary summarize(const std::vector<double>& values);
/// "0.912 ± 0.004" (digits after the point as given).
std::string format_summary(const Summary& s, int digits = 3);

/// A paired comparison over seeds (DESIGN §8.1): the mean of d_i = a_i − b_i
/// and its 95 % percentile-bootstrap interval (resampling seeds with
/// replacement, `resamples` times, from a fixed seed so the interval is
/// reproducible). `beats` says the interval excludes 0 — a claim is made only
/// then; otherwise "no difference measured".
struct PairedDifference {
  double mean = 0.0;
  double lo = 0.0;  ///< 2.5 % quantile of the bootstrap means
  double hi = 0.0;  ///< 97.5 % quantile
  int64_t n = 0;    ///< pairs (seeds)
  bool excludes_zero() const { return lo > 0.0 || hi < 0.0; }
};
/// Throws galt::InputError unless a and b have the same length ≥ 2 and hold
/// only finite values.
PairedDifference paired_bootstrap(const std::vector<double>& a, const std::vector<double>& b,
                                  int resamples = 10000, uint64_t seed = 0);
/// "+0.012 [+0.004, +0.020]".
std::string format_difference(const PairedDifference& d, int digits = 3);

/// Element-wise mean (and sample std) of equally shaped matrices; NaN stays NaN.
AccuracyMatrix mean_matrix(const std::vector<AccuracyMatrix>& ms);
AccuracyMatrix std_matrix(const std::vector<AccuracyMatrix>& ms);

}  // namespace galt::train
