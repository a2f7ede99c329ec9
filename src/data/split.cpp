// Split builders for continual learning (DESIGN §8).
#include <galt/data/split.h>
#include <galt/error.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "data/seeded_shuffle.h"

namespace galt::data {
namespace {

Dataset take_rows(const Dataset& d, const at::Tensor& idx, const std::string& name) {
  Dataset out;
  out.num_classes = d.num_classes;
  out.name = name;
  out.images = d.images.index_select(0, idx).contiguous();
  out.labels = d.labels.index_select(0, idx).contiguous();
  return out;
}

// The rows `idx` (sorted) of `d`, in that order.
Dataset take_sorted_rows(const Dataset& d, const std::vector<int64_t>& idx) {
  return take_rows(d, torch::tensor(idx, torch::kInt64).reshape({static_cast<int64_t>(idx.size())}),
                   d.name);
}

}  // namespace

std::vector<Task> split_by_classes(const TrainTest& data, int tasks, int classes_per_task) {
  const int64_t k = data.train.num_classes;
  if (tasks < 1 || classes_per_task < 1 || int64_t{tasks} * classes_per_task > k) {
    throw InputError("cannot split " + std::to_string(k) + " classes into " +
                     std::to_string(tasks) + " tasks of " + std::to_string(classes_per_task) +
                     " classes: expected tasks >= 1, classes_per_task >= 1 and tasks * "
                     "classes_per_task <= " +
                     std::to_string(k));
  }
  std::vector<Task> out;
  for (int t = 0; t < tasks; ++t) {
    Task task;
    task.id = t;
    for (int c = 0; c < classes_per_task; ++c) {
      task.classes.push_back(int64_t{t} * classes_per_task + c);
    }
    task.train = filter_classes(data.train, task.classes);
    task.test = filter_classes(data.test, task.classes);
    task.train.name = data.train.name + "/task" + std::to_string(t);
    task.test.name = data.test.name + "/task" + std::to_string(t);
    out.push_back(std::move(task));
  }
  return out;
}

Dataset filter_classes(const Dataset& d, const std::vector<int64_t>& classes) {
  const int64_t k = std::max<int64_t>(d.num_classes, 1);
  auto keep = torch::zeros({k}, torch::kBool);
  auto acc = keep.accessor<bool, 1>();
  for (int64_t c : classes) {
    if (c >= 0 && c < k) acc[c] = true;  // a class the set cannot hold selects nothing
  }
  if (!d.images.defined() || !d.labels.defined()) return d;  // nothing to select from
  auto idx = keep.index_select(0, d.labels).nonzero().squeeze(1);
  return take_rows(d, idx, d.name);
}

std::pair<Dataset, Dataset> split_rows(const Dataset& d, int64_t n, uint64_t seed) {
  if (n < 0) throw InputError("split_rows: n = " + std::to_string(n) + ", expected n >= 0");
  const int64_t size = d.size();
  n = std::min(n, size);
  std::mt19937_64 rng(seed);
  auto perm = detail::permutation(size, rng);
  std::vector<int64_t> pick(perm.begin(), perm.begin() + n), rest(perm.begin() + n, perm.end());
  std::sort(pick.begin(), pick.end());
  std::sort(rest.begin(), rest.end());
  return {take_sorted_rows(d, pick), take_sorted_rows(d, rest)};
}

std::pair<Dataset, Dataset> stratified_split(const Dataset& d, double fraction, uint64_t seed) {
  if (!(fraction >= 0 && fraction < 1))
    throw InputError("stratified_split: fraction " + std::to_string(fraction) +
                     ", expected a number in [0, 1)");
  const int64_t size = d.size();
  std::vector<std::vector<int64_t>> by_class;
  if (size > 0) {
    const auto labels = d.labels.to(torch::kInt64).contiguous();
    const auto* l = labels.data_ptr<int64_t>();
    for (int64_t i = 0; i < size; ++i) {
      if (l[i] < 0) throw InputError("stratified_split: negative label " + std::to_string(l[i]));
      if (static_cast<size_t>(l[i]) >= by_class.size()) by_class.resize(l[i] + 1);
      by_class[l[i]].push_back(i);
    }
  }
  // One stream for the whole split; classes in ascending order, so the same
  // (d, fraction, seed) always gives the same split.
  std::mt19937_64 rng(seed);
  std::vector<int64_t> pick, rest;
  for (const auto& rows : by_class) {
    if (rows.empty()) continue;
    const auto n_class = static_cast<int64_t>(rows.size());
    int64_t n = static_cast<int64_t>(std::llround(fraction * static_cast<double>(n_class)));
    if (fraction > 0 && n_class >= 2) n = std::max<int64_t>(n, 1);
    n = std::min(n, n_class);
    const auto perm = detail::permutation(n_class, rng);
    for (int64_t i = 0; i < n_class; ++i) (i < n ? pick : rest).push_back(rows[perm[i]]);
  }
  std::sort(pick.begin(), pick.end());
  std::sort(rest.begin(), rest.end());
  return {take_sorted_rows(d, pick), take_sorted_rows(d, rest)};
}

at::Tensor task_logit_mask(const std::vector<int64_t>& classes, int64_t num_classes) {
  auto mask = torch::zeros({num_classes}, torch::kBool);
  auto acc = mask.accessor<bool, 1>();
  for (int64_t c : classes) {
    if (c < 0 || c >= num_classes) {
      throw InputError("task_logit_mask: class " + std::to_string(c) + " outside [0, " +
                       std::to_string(num_classes) + ")");
    }
    acc[c] = true;
  }
  return mask;
}

BatchSampler::BatchSampler(int64_t n, int64_t batch, uint64_t seed, bool drop_last)
    : n_(n), batch_(batch), drop_last_(drop_last), rng_(seed) {
  if (n < 1 || batch < 1) {
    throw InputError("BatchSampler: n = " + std::to_string(n) +
                     ", batch = " + std::to_string(batch) + ", expected both >= 1");
  }
  reshuffle();
}

void BatchSampler::reshuffle() {
  order_ = detail::permutation(n_, rng_);
  pos_ = 0;
}

at::Tensor BatchSampler::next() {
  // An epoch ends when every row was served or, with drop_last, when only a
  // short tail is left (it is skipped).
  auto epoch_over = [&] {
    return pos_ >= n_ || (drop_last_ && n_ >= batch_ && n_ - pos_ < batch_);
  };
  if (epoch_over()) reshuffle();
  const int64_t end = std::min(n_, pos_ + batch_);
  auto idx = torch::empty({end - pos_}, torch::kInt64);
  std::copy(order_.begin() + pos_, order_.begin() + end, idx.data_ptr<int64_t>());
  pos_ = end;
  if (epoch_over()) ++epoch_;
  return idx;
}

}  // namespace galt::data
