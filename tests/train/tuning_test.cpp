// Tuning on validation data: grids are products of their axes, every method
// must get the same number of points, selection seeds are never reported
// seeds, a point runs on the validation split with its own options, the
// selection rules pick what they say, and the tuned file a config names is
// what the runner uses.
#include "galt/train/tuning.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "galt/error.h"
#include "galt/train/bench_report.h"
#include "galt/train/config.h"
#include "galt/train/runner.h"
#include "train/synthetic_data.h"

namespace galt::train {
namespace {

using testing::tiny_protocol;
namespace fs = std::filesystem;

TEST(Tuning, GridIsTheProductOfItsAxes) {
  const auto pts = grid_points({{"a", {1, 2}}, {"b", {10, 20, 30}}});
  ASSERT_EQ(pts.size(), 6u);
  EXPECT_EQ(pts[0].at("a"), 1);
  EXPECT_EQ(pts[0].at("b"), 10);
  EXPECT_EQ(pts[1].at("b"), 20);  // the last key varies fastest
  EXPECT_EQ(pts[5].at("a"), 2);
  EXPECT_EQ(pts[5].at("b"), 30);
  EXPECT_TRUE(grid_points({}).empty());
}

TEST(Tuning, EveryMethodGetsTheSameBudgetAndSelectionSeedsAreNotReported) {
  auto p = tiny_protocol({"ewc", "si"});
  p.seeds = {0, 1};
  TuningSpec spec;
  spec.points = 3;
  spec.seeds = {100};
  spec.grid["ewc"]["lambda"] = {1, 10, 100};
  spec.grid["si"]["c"] = {0.1, 1, 10};
  EXPECT_NO_THROW(check_tuning(spec, p));
  auto unequal = spec;
  unequal.grid["si"]["c"] = {0.1, 1};
  EXPECT_THROW(check_tuning(unequal, p), InputError);
  auto leaked = spec;
  leaked.seeds = {1};
  EXPECT_THROW(check_tuning(leaked, p), InputError);
  auto stranger = spec;
  stranger.grid["agem"]["ref_batch"] = {64, 128, 256};
  EXPECT_THROW(check_tuning(stranger, p), InputError);
  auto no_val = p;
  no_val.validation_fraction = 0;
  EXPECT_THROW(check_tuning(spec, no_val), InputError);
}

TEST(Tuning, APointRunsOnTheValidationSplitWithItsOptions) {
  auto p = tiny_protocol({"ewc", "si"});
  p.method_options["ewc"] = {{"gamma", 0.9}, {"lambda", 5}};
  p.tuned_options["ewc"] = {{"lambda", 5}};
  TuningSpec spec;
  spec.tasks = 2;
  spec.iterations = 4;
  spec.seeds = {100, 101};
  const auto q = tuning_protocol(p, spec, "ewc", {{"lambda", 1000}});
  EXPECT_EQ(q.tasks, 2);
  EXPECT_EQ(q.iterations, 4);
  EXPECT_EQ(q.seeds, spec.seeds);
  EXPECT_EQ(q.evaluate_on, EvalSplit::kValidation);
  EXPECT_EQ(q.methods, std::vector<std::string>{"ewc"});
  EXPECT_EQ(q.method_options.at("ewc").at("lambda"), 1000);
  EXPECT_EQ(q.method_options.at("ewc").at("gamma"), 0.9);  // untuned options stay
  EXPECT_EQ(q.method_options.count("si"), 0u);
  // And it runs: two tasks, evaluated on validation rows.
  ContinualRunner runner(q);
  runner.set_data(testing::synthetic_data());
  const auto r = runner.run();
  ASSERT_EQ(r.methods[0].runs.size(), 2u);
  EXPECT_EQ(r.methods[0].runs[0].acc_class_il.size(), 2u);
  EXPECT_EQ(r.eval_rows_per_task.front(), 8);  // 4 validation rows × 2 classes
}

TEST(Tuning, SelectionRules) {
  TuningSpec spec;
  std::vector<TunedPoint> pts = {{{{"x", 1}}, 0.70, 0.30},
                                 {{{"x", 2}}, 0.80, 0.10},
                                 {{{"x", 3}}, 0.75, 0.04},
                                 {{{"x", 4}}, 0.72, 0.02}};
  EXPECT_EQ(select_point(spec, pts), 1u);  // most accurate
  spec.select = "safe_accuracy";
  spec.violation_max = 0.05;
  EXPECT_EQ(select_point(spec, pts), 2u);  // most accurate of the safe ones
  spec.violation_max = 0.01;
  EXPECT_EQ(select_point(spec, pts), 3u);  // none safe: least violating
  EXPECT_THROW(select_point(spec, {}), InputError);
}

TEST(Tuning, TheTunedFileAConfigNamesIsWhatTheRunnerUses) {
  const auto dir = fs::temp_directory_path() / ("galt-tuned-" + std::to_string(::getpid()));
  fs::create_directories(dir / "tuned");
  std::map<std::string, std::vector<TunedPoint>> results = {
      {"ewc", {{{{"lambda", 10}}, 0.5, std::nan("")}, {{{"lambda", 1e6}}, 0.6, std::nan("")}}}};
  TuningSpec spec;
  spec.points = 2;
  const auto text = tuned_toml(results, {{"ewc", 1}}, spec, "test header\nsecond line");
  EXPECT_NE(text.find("# test header"), std::string::npos);
  EXPECT_NE(text.find("← chosen"), std::string::npos);
  { std::ofstream(dir / "tuned" / "x.toml") << text; }
  const std::string config = R"([benchmark]
methods = ["ewc", "si"]
tuned = "tuned/x.toml"
[methods.ewc]
gamma = 0.9
[tuning]
points = 2
seeds = [100]
[tuning.grid.ewc]
lambda = [10, 1e6]
[tuning.grid.si]
c = [0.1, 1]
)";
  { std::ofstream(dir / "c.toml") << config; }
  const auto p = load_bench_config((dir / "c.toml").string());
  EXPECT_EQ(p.method_options.at("ewc").at("lambda"), 1e6);
  EXPECT_EQ(p.method_options.at("ewc").at("gamma"), 0.9);
  EXPECT_EQ(p.tuned_options.at("ewc").at("lambda"), 1e6);
  EXPECT_EQ(p.tuning.points, 2);
  EXPECT_EQ(p.tuning.grid.at("si").at("c").size(), 2u);
  EXPECT_NO_THROW(check_tuning(p.tuning, p));
  // The runner's result records the options the method ran with.
  auto q = p;
  q.methods = {"ewc"};
  q.method_options.erase("si");
  q.hidden = {16};
  q.iterations = 3;
  q.batch = 16;
  q.anchors_per_task = 8;
  ContinualRunner runner(q);
  runner.set_data(testing::synthetic_data());
  const auto js = bench_json(runner.run());
  EXPECT_EQ(js["protocol"]["method_options"]["ewc"]["lambda"].get<double>(), 1e6);
  EXPECT_EQ(js["tuning"]["tuned_values"]["ewc"]["lambda"].get<double>(), 1e6);
  // A key both in the config and in the tuned file is ambiguous.
  { std::ofstream(dir / "d.toml") << config + "\n"; }
  std::string both = config;
  both.replace(both.find("gamma = 0.9"), 11, "gamma = 0.9\nlambda = 3");
  { std::ofstream(dir / "d.toml") << both; }
  EXPECT_THROW(load_bench_config((dir / "d.toml").string()), InputError);
  // A missing tuned file says how to make it.
  std::string missing = config;
  missing.replace(missing.find("tuned/x.toml"), 12, "tuned/none.toml");
  { std::ofstream(dir / "e.toml") << missing; }
  try {
    load_bench_config((dir / "e.toml").string());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("galt bench tune"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace galt::train
