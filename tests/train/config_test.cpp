// Benchmark configs: valid files parse, every malformed input is an InputError
// that names the problem; the checked-in configs parse.
#include "galt/train/config.h"

#include <galt_paths.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "galt/error.h"
#include "galt/train/runner.h"
#include "galt/train/tuning.h"

namespace galt::train {
namespace {

void expect_error(const std::string& toml, const std::string& fragment) {
  try {
    parse_bench_config(toml, "test.toml");
    FAIL() << "expected InputError for:\n" << toml;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << fragment;
  }
}

TEST(Config, ParsesEveryTable) {
  const auto p = parse_bench_config(R"(
[benchmark]
name = "x"
dataset = "mnist"
scenario = "task"
seeds = [3, 4]
methods = ["galt", "ewc"]
[model]
hidden = [32, 16]
[training]
iterations = 7
lr = 0.01
[memory]
anchors_per_task = 10
[safety]
critical_class = 4
forbidden_class = 9
epsilon = 0.1
[methods.ewc]
lambda = 5
)");
  EXPECT_EQ(p.name, "x");
  EXPECT_EQ(p.dataset, "mnist");
  EXPECT_EQ(p.scenario, Scenario::kTaskIncremental);
  EXPECT_EQ(p.seeds, (std::vector<uint64_t>{3, 4}));
  EXPECT_EQ(p.hidden, (std::vector<int64_t>{32, 16}));
  EXPECT_EQ(p.iterations, 7);
  EXPECT_DOUBLE_EQ(p.lr, 0.01);
  EXPECT_EQ(p.anchors_per_task, 10);
  EXPECT_EQ(p.safety.critical_class, 4);
  EXPECT_DOUBLE_EQ(p.method_options.at("ewc").at("lambda"), 5.0);
}

TEST(Config, MalformedInputsAreInputErrors) {
  expect_error("[benchmark\nname = 1", "syntax error");
  expect_error("[training]\niterations = 3", "missing table");
  expect_error("[benchmark]\ndataset = \"cifar\"", "\"cifar\" is not one of");
  expect_error("[benchmark]\nscenario = \"domain\"", "benchmark.scenario");
  expect_error("[benchmark]\n[training]\niterations = \"many\"",
               "training.iterations: expected an integer");
  expect_error("[benchmark]\n[training]\niterations = 0", "below the minimum");
  expect_error("[benchmark]\n[training]\nlr = -1.0", "training.lr");
  expect_error("[benchmark]\n[training]\nitterations = 5", "unknown key");
  expect_error("[benchmark]\n[extras]\nx = 1", "unknown table");
  expect_error("[benchmark]\nseeds = []", "at least one seed");
  expect_error("[benchmark]\nseeds = [-1]", "non-negative");
  expect_error("[benchmark]\n[safety]\ncritical_class = 3", "needs both");
  expect_error("[benchmark]\n[safety]\ncritical_class = 3\nforbidden_class = 4\nprobe_shift = 9",
               "safety.probe_shift");
  expect_error("[benchmark]\n[safety]\ncritical_class = 3\nforbidden_class = 4\nprobe_shift = -1",
               "safety.probe_shift");
  expect_error("[benchmark]\n[methods.galt]\nrefresh_period = \"often\"", "expected a number");
  expect_error("[benchmark]\n[training]\nvalidation_fraction = 1.0",
               "training.validation_fraction");
  expect_error("[benchmark]\n[training]\nvalidation_fraction = 0.0\nevaluate_on = \"validation\"",
               "needs validation_fraction > 0");
  expect_error("[benchmark]\n[training]\nevaluate_on = \"train\"", "training.evaluate_on");
  expect_error("[benchmark]\n[tuning]\nseeds = [100]", "tuning.points");
  expect_error("[benchmark]\n[tuning]\npoints = 2\n[tuning.grid.ewc]\nlambda = []",
               "non-empty array");
  expect_error("[benchmark]\n[tuning]\npoints = 2\nselect = \"best\"", "tuning.select");
  expect_error("[benchmark]\ntuned = \"nowhere.toml\"", "galt bench tune");
}

TEST(Config, MissingFileIsInputError) {
  EXPECT_THROW(load_bench_config("/nonexistent/galt.toml"), InputError);
}

TEST(Config, UnknownMethodOrOptionFailsBeforeTraining) {
  auto p = parse_bench_config("[benchmark]\nmethods = [\"galt\", \"magic\"]");
  ContinualRunner r1(p);
  try {
    r1.run();
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown method 'magic'"), std::string::npos);
  }
  p = parse_bench_config("[benchmark]\nmethods = [\"ewc\"]\n[methods.ewc]\nlamda = 3");
  ContinualRunner r2(p);
  EXPECT_THROW(r2.run(), InputError);
  p = parse_bench_config("[benchmark]\nmethods = [\"ewc\"]\n[methods.si]\nc = 3");
  ContinualRunner r3(p);
  EXPECT_THROW(r3.run(), InputError);  // options for a method not in the list
}

TEST(Config, CheckedInConfigsParse) {
  const auto dir = std::filesystem::path(GALT_SOURCE_DIR) / "configs";
  int n = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (f.path().extension() != ".toml" || f.path().filename().string().rfind("memory", 0) == 0 ||
        f.path().parent_path().filename() == "tuned")
      continue;
    SCOPED_TRACE(f.path().string());
    // Tuned files are made by `galt bench tune`; the ones that exist must parse.
    const auto p = load_bench_config(f.path().string(), {.allow_missing_tuned = true});
    if (p.tuning.enabled()) {
      EXPECT_NO_THROW(check_tuning(p.tuning, p));
    }
    for (const auto& m : p.methods) {
      auto it = p.method_options.find(m);
      EXPECT_NO_THROW(
          make_method(m, it == p.method_options.end() ? MethodOptions{} : it->second, p));
    }
    ++n;
  }
  EXPECT_GE(n, 1);
}

}  // namespace
}  // namespace galt::train
