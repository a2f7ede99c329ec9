// Split builders for continual learning (DESIGN §8): a dataset cut
// into T contexts ("tasks") of consecutive class groups, subsets of rows for
// anchors and probe sets, and a seeded mini-batch sampler.
//
// Evaluation scenarios (van de Ven et al., 2022):
//  - task-incremental: the task id is known at test time; the prediction is the
//    argmax over that task's classes only (apply task_logit_mask()).
//  - class-incremental: one head, argmax over all classes seen so far.
#pragma once

#include <ATen/core/Tensor.h>
#include <galt/data/dataset.h>

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace galt::data {

/// One context of a split benchmark: its classes and its slices of train and
/// test (labels keep their global class ids).
struct Task {
  int id = 0;                    ///< 0-based position in the sequence
  std::vector<int64_t> classes;  ///< ascending global class ids
  Dataset train;
  Dataset test;
};

/// T tasks of consecutive class groups: task t holds classes
/// [t·c, (t+1)·c). With T = 5, c = 2 this is Split-(Fashion-)MNIST.
/// Throws galt::InputError if tasks < 1, classes_per_task < 1, or
/// tasks·classes_per_task > data.train.num_classes.
std::vector<Task> split_by_classes(const TrainTest& data, int tasks, int classes_per_task);

/// The rows of `d` whose label is in `classes`, in their original order
/// (used for safety probe sets, anchor pools, per-task slices).
Dataset filter_classes(const Dataset& d, const std::vector<int64_t>& classes);

/// A seeded random subset of n rows of `d` (n clipped to [0, d.size()]) and
/// its complement; both keep the original row order. The same (d, n, seed)
/// always gives the same split. Throws galt::InputError if n < 0.
std::pair<Dataset, Dataset> split_rows(const Dataset& d, int64_t n, uint64_t seed);

/// A seeded, stratified split: from every class present in `d`, round(
/// fraction · n_class) rows (at least one when the class has two or more
/// rows and fraction > 0) go to the first set, the rest to the second; both
/// keep the original row order and together hold every row exactly once.
/// Used to carve the validation split out of each task's training data
/// (DESIGN §8.1). Throws galt::InputError unless 0 ≤ fraction < 1.
std::pair<Dataset, Dataset> stratified_split(const Dataset& d, double fraction, uint64_t seed);

/// Bool mask [num_classes], true at `classes`: for task-incremental
/// evaluation, logits.masked_fill(~mask, -inf) restricts the argmax to the
/// task's classes. Throws galt::InputError for a class outside
/// [0, num_classes).
at::Tensor task_logit_mask(const std::vector<int64_t>& classes, int64_t num_classes);

/// Mini-batch sampler over n rows: each epoch is a fresh seeded permutation,
/// cut into consecutive batches of `batch` indices. The last batch of an epoch
/// holds the n mod batch leftover rows unless drop_last is set (then, when
/// n ≥ batch, every batch has exactly `batch` rows). Deterministic given
/// (n, batch, seed, drop_last); independent of torch's global RNG.
class BatchSampler {
 public:
  /// Throws galt::InputError if n < 1 or batch < 1.
  BatchSampler(int64_t n, int64_t batch, uint64_t seed, bool drop_last = false);
  /// The next batch: int64 index tensor [B] into the n rows (CPU).
  at::Tensor next();
  /// Completed passes over the data so far.
  int64_t epoch() const { return epoch_; }

 private:
  void reshuffle();

  int64_t n_;
  int64_t batch_;
  bool drop_last_;
  std::mt19937_64 rng_;
  std::vector<int64_t> order_;
  int64_t pos_ = 0;
  int64_t epoch_ = 0;
};

}  // namespace galt::data
