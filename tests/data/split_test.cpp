// Split builders, row subsets, logit masks and the batch sampler.
#include <galt/data/split.h>
#include <galt/error.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

namespace galt::data {
namespace {

// n rows, label i % 10, image row i filled with i (so rows are identifiable).
Dataset toy(int64_t n, const std::string& name = "toy") {
  Dataset d;
  d.labels = torch::arange(n, torch::kInt64).remainder(10);
  d.images = torch::arange(n, torch::kFloat32).unsqueeze(1).expand({n, 784}).contiguous();
  d.name = name;
  return d;
}

std::set<int64_t> row_ids(const Dataset& d) {
  std::set<int64_t> s;
  for (int64_t i = 0; i < d.size(); ++i)
    s.insert(static_cast<int64_t>(d.images[i][0].item<float>()));
  return s;
}

TEST(SplitByClasses, FiveTasksOfTwoConsecutiveClasses) {
  TrainTest tt{toy(1000, "tr"), toy(200, "te")};
  const auto tasks = split_by_classes(tt, 5, 2);
  ASSERT_EQ(tasks.size(), 5u);
  for (int t = 0; t < 5; ++t) {
    EXPECT_EQ(tasks[t].id, t);
    EXPECT_EQ(tasks[t].classes, (std::vector<int64_t>{2 * t, 2 * t + 1}));
    EXPECT_EQ(tasks[t].train.size(), 200);
    EXPECT_EQ(tasks[t].test.size(), 40);
    EXPECT_EQ(tasks[t].train.num_classes, 10);
    EXPECT_EQ(tasks[t].train.name, "tr/task" + std::to_string(t));
    auto lab = tasks[t].train.labels;
    EXPECT_TRUE(((lab == 2 * t) | (lab == 2 * t + 1)).all().item<bool>());
    auto tl = tasks[t].test.labels;
    EXPECT_TRUE(((tl == 2 * t) | (tl == 2 * t + 1)).all().item<bool>());
    // Images travel with their labels.
    auto ids = tasks[t].train.images.select(1, 0).to(torch::kInt64).remainder(10);
    EXPECT_TRUE(torch::equal(ids, lab));
  }
}

TEST(SplitByClasses, PartialCoverageIsAllowed) {
  TrainTest tt{toy(100), toy(50)};
  const auto tasks = split_by_classes(tt, 3, 3);
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_EQ(tasks[2].classes, (std::vector<int64_t>{6, 7, 8}));
}

TEST(SplitByClasses, TooManyClassesIsAnInputError) {
  TrainTest tt{toy(100), toy(50)};
  EXPECT_THROW(split_by_classes(tt, 6, 2), InputError);
  EXPECT_THROW(split_by_classes(tt, 0, 2), InputError);
  EXPECT_THROW(split_by_classes(tt, 5, 0), InputError);
  EXPECT_THROW(split_by_classes(tt, -1, -1), InputError);
}

TEST(FilterClasses, KeepsRowsOfTheClassesInOrder) {
  const auto d = toy(50);
  const auto f = filter_classes(d, {3, 7});
  ASSERT_EQ(f.size(), 10);
  for (int64_t i = 0; i + 1 < f.size(); ++i) {
    EXPECT_LT(f.images[i][0].item<float>(), f.images[i + 1][0].item<float>());
  }
  EXPECT_EQ(filter_classes(d, {}).size(), 0);
  EXPECT_EQ(filter_classes(d, {42}).size(), 0);
  EXPECT_EQ(filter_classes(Dataset{}, {1}).size(), 0);
}

TEST(SplitRows, SeededSubsetAndItsComplement) {
  const auto d = toy(100);
  const auto [a, rest] = split_rows(d, 30, 7);
  EXPECT_EQ(a.size(), 30);
  EXPECT_EQ(rest.size(), 70);
  auto ia = row_ids(a), ir = row_ids(rest);
  EXPECT_EQ(ia.size(), 30u);
  for (auto i : ia) EXPECT_EQ(ir.count(i), 0u);
  // Deterministic for a seed, different across seeds.
  const auto [b, _] = split_rows(d, 30, 7);
  EXPECT_TRUE(torch::equal(a.images, b.images));
  const auto [c, __] = split_rows(d, 30, 8);
  EXPECT_FALSE(torch::equal(a.images, c.images));
  // Labels follow their rows.
  auto ids = a.images.select(1, 0).to(torch::kInt64).remainder(10);
  EXPECT_TRUE(torch::equal(ids, a.labels));
}

TEST(SplitRows, ClipsAndRejectsNegative) {
  const auto d = toy(10);
  EXPECT_EQ(split_rows(d, 50, 1).first.size(), 10);
  EXPECT_EQ(split_rows(d, 50, 1).second.size(), 0);
  EXPECT_EQ(split_rows(d, 0, 1).first.size(), 0);
  EXPECT_THROW(split_rows(d, -1, 1), InputError);
}

TEST(StratifiedSplit, TakesTheFractionOfEveryClassAndPartitionsTheRows) {
  const auto d = toy(1000);  // 100 rows of each of 10 classes
  const auto [val, train] = stratified_split(d, 0.1, 3);
  EXPECT_EQ(val.size(), 100);
  EXPECT_EQ(train.size(), 900);
  for (int64_t c = 0; c < 10; ++c) EXPECT_EQ(val.labels.eq(c).sum().item<int64_t>(), 10) << c;
  auto iv = row_ids(val), it = row_ids(train);
  EXPECT_EQ(iv.size() + it.size(), 1000u);
  for (auto i : iv) EXPECT_EQ(it.count(i), 0u);
  const auto ids = val.images.select(1, 0).to(torch::kInt64).remainder(10);
  EXPECT_TRUE(torch::equal(ids, val.labels));
  // Seeded: same seed, same split; another seed, another one.
  EXPECT_TRUE(torch::equal(stratified_split(d, 0.1, 3).first.images, val.images));
  EXPECT_FALSE(torch::equal(stratified_split(d, 0.1, 4).first.images, val.images));
}

TEST(StratifiedSplit, SmallClassesKeepARowAndBadFractionsAreErrors) {
  const auto d = toy(20);                                   // 2 rows per class
  EXPECT_EQ(stratified_split(d, 0.1, 1).first.size(), 10);  // one per class
  EXPECT_EQ(stratified_split(d, 0.0, 1).first.size(), 0);
  EXPECT_THROW(stratified_split(d, 1.0, 1), InputError);
  EXPECT_THROW(stratified_split(d, -0.1, 1), InputError);
}

TEST(TaskLogitMask, MarksTheTaskClasses) {
  auto m = task_logit_mask({2, 3}, 10);
  EXPECT_EQ(m.scalar_type(), torch::kBool);
  EXPECT_EQ(m.sum().item<int64_t>(), 2);
  EXPECT_TRUE(m[2].item<bool>());
  EXPECT_TRUE(m[3].item<bool>());
  // Task-IL prediction: argmax over the task's classes only.
  auto logits = torch::tensor({{9.f, 0.f, 1.f, 2.f, 5.f, 0.f, 0.f, 0.f, 0.f, 0.f}});
  auto pred = logits.masked_fill(~m, -INFINITY).argmax(1);
  EXPECT_EQ(pred.item<int64_t>(), 3);
  EXPECT_THROW(task_logit_mask({10}, 10), InputError);
  EXPECT_THROW(task_logit_mask({-1}, 10), InputError);
}

TEST(BatchSampler, EachEpochCoversEveryRowOnce) {
  BatchSampler s(10, 4, 123);
  std::vector<int64_t> seen;
  std::vector<int64_t> sizes;
  for (int b = 0; b < 3; ++b) {
    auto idx = s.next();
    sizes.push_back(idx.size(0));
    for (int64_t i = 0; i < idx.size(0); ++i) seen.push_back(idx[i].item<int64_t>());
  }
  EXPECT_EQ(sizes, (std::vector<int64_t>{4, 4, 2}));
  EXPECT_EQ(s.epoch(), 1);
  std::sort(seen.begin(), seen.end());
  for (int64_t i = 0; i < 10; ++i) EXPECT_EQ(seen[i], i);
}

TEST(BatchSampler, ReshufflesEachEpochAndIsSeeded) {
  BatchSampler a(50, 50, 5), b(50, 50, 5), c(50, 50, 6);
  auto a1 = a.next(), a2 = a.next();
  EXPECT_EQ(a.epoch(), 2);
  EXPECT_FALSE(torch::equal(a1, a2));
  EXPECT_TRUE(torch::equal(std::get<0>(a1.sort()), std::get<0>(a2.sort())));
  EXPECT_TRUE(torch::equal(a1, b.next()));
  EXPECT_FALSE(torch::equal(a1, c.next()));
}

TEST(BatchSampler, DropLastSkipsTheShortTail) {
  BatchSampler s(10, 4, 1, /*drop_last=*/true);
  for (int b = 0; b < 6; ++b) EXPECT_EQ(s.next().size(0), 4);
  EXPECT_EQ(s.epoch(), 3);
  BatchSampler tiny(3, 8, 1, true);  // n < batch: the whole set each time
  EXPECT_EQ(tiny.next().size(0), 3);
}

TEST(BatchSampler, RejectsBadArguments) {
  EXPECT_THROW(BatchSampler(0, 4, 1), InputError);
  EXPECT_THROW(BatchSampler(4, 0, 1), InputError);
}

}  // namespace
}  // namespace galt::data
