// Benchmark configs: valid files parse, every malformed input is an InputError
// that names the problem; the checked-in configs parse.
#include "galt/train/config.h"
#include "galt/train/run_config.h"

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

// A field out of its range: the message names the file, the table.key and
// what is accepted (`expected`).
void expect_range_error(const std::string& toml, const std::string& key,
                        const std::string& expected) {
  SCOPED_TRACE(toml);
  expect_error("[benchmark]\n" + toml, "test.toml: " + key + ": ");
  expect_error("[benchmark]\n" + toml, expected);
}

TEST(Config, NegativeCountsAreRefused) {
  expect_range_error("tasks = -1", "benchmark.tasks", "below the minimum 1");
  expect_range_error("[training]\nbatch = -8", "training.batch", "below the minimum 1");
  expect_range_error("[training]\npretrain_iterations = -1", "training.pretrain_iterations",
                     "below the minimum 0");
  expect_range_error("[training]\ntest_per_task = -1", "training.test_per_task",
                     "below the minimum 0");
  expect_range_error("[training]\ntrain_per_task = -1", "training.train_per_task",
                     "below the minimum 0");
  expect_range_error("[memory]\nconstraint_batch = -1", "memory.constraint_batch",
                     "below the minimum 0");
  expect_range_error("[safety]\ncritical_class = 1\nforbidden_class = 2\nprobe_size = -5",
                     "safety.probe_size", "below the minimum 1");
  expect_range_error("[tuning]\npoints = 1\niterations = -3", "tuning.iterations",
                     "below the minimum 0");
  expect_range_error("[model]\nhidden = [16, -4]", "model.hidden", "non-negative");
}

TEST(Config, ZeroCountsAreRefusedWhereZeroMeansNothing) {
  expect_range_error("classes_per_task = 0", "benchmark.classes_per_task", "below the minimum 1");
  expect_range_error("[training]\niterations = 0", "training.iterations", "below the minimum 1");
  expect_range_error("[training]\neval_every = 0", "training.eval_every", "below the minimum 1");
  expect_range_error("[memory]\nanchors_per_task = 0", "memory.anchors_per_task",
                     "below the minimum 1");
  expect_range_error("[model]\nhidden = [0]", "model.hidden", "widths >= 1");
  expect_range_error("[model]\nlora_rank = 0", "model.lora_rank", "below the minimum 1");
  expect_range_error("[tuning]\npoints = 0", "tuning.points", "below the minimum 1");
  // Where 0 has a meaning ("all", "none", "the protocol's") it parses.
  const auto p = parse_bench_config(
      "[benchmark]\n[training]\ntest_per_task = 0\npretrain_iterations = 0\n[memory]\n"
      "constraint_batch = 0\n[tuning]\npoints = 1\ntasks = 0\niterations = 0");
  EXPECT_EQ(p.test_per_task, 0);
  EXPECT_EQ(p.tuning.tasks, 0);
}

TEST(Config, CountsTooLargeForTheirFieldAreRefused) {
  // tasks is an int: 2^32 + 1 would wrap to 1.
  expect_range_error("tasks = 4294967297", "benchmark.tasks", "above the maximum 10");
  expect_range_error("[tuning]\npoints = 4294967297", "tuning.points", "above the maximum");
  expect_range_error("[tuning]\npoints = 1\ntasks = 11", "tuning.tasks", "above the maximum 10");
}

TEST(Config, RatesOutOfRangeAreRefused) {
  const std::string safety = "[safety]\ncritical_class = 1\nforbidden_class = 2\n";
  expect_range_error(safety + "epsilon = 1.0", "safety.epsilon", "in [0, 1)");
  expect_range_error(safety + "epsilon = -0.01", "safety.epsilon", "in [0, 1)");
  expect_range_error("[tuning]\npoints = 1\nviolation_max = 1.5", "tuning.violation_max",
                     "in [0, 1]");
  expect_range_error("[tuning]\npoints = 1\nviolation_max = -0.1", "tuning.violation_max",
                     "in [0, 1]");
  expect_range_error("[training]\nlr = 0.0", "training.lr", "> 0");
  expect_range_error("[training]\npretrain_lr = -1e-3", "training.pretrain_lr", "> 0");
  expect_range_error("[training]\nweight_decay = -0.1", "training.weight_decay", ">= 0");
  expect_range_error("[memory]\nanchor_margin = -0.05", "memory.anchor_margin", ">= 0");
  expect_range_error("[model]\nlora_alpha = 0.0", "model.lora_alpha", "> 0");
}

TEST(Config, NonFiniteNumbersAreRefused) {
  // TOML spells them nan, inf, -inf; NaN fails every comparison, so a check
  // written as "refuse when below" would let it through.
  for (const std::string v : {"nan", "inf", "-inf"}) {
    SCOPED_TRACE(v);
    expect_range_error("[training]\nlr = " + v, "training.lr", "finite");
    expect_range_error("[training]\npretrain_lr = " + v, "training.pretrain_lr", "finite");
    expect_range_error("[training]\nweight_decay = " + v, "training.weight_decay", "finite");
    expect_range_error("[training]\nvalidation_fraction = " + v, "training.validation_fraction",
                       "finite");
    expect_range_error("[model]\nlora_alpha = " + v, "model.lora_alpha", "finite");
    expect_range_error("[memory]\nanchor_margin = " + v, "memory.anchor_margin", "finite");
    expect_range_error("[safety]\ncritical_class = 1\nforbidden_class = 2\nepsilon = " + v,
                       "safety.epsilon", "finite");
    expect_range_error("[tuning]\npoints = 1\nviolation_max = " + v, "tuning.violation_max",
                       "finite");
    expect_range_error("[methods.galt]\nrho_max = " + v, "methods.galt.rho_max", "finite");
    expect_range_error("[tuning]\npoints = 1\n[tuning.grid.ewc]\nlambda = [1.0, " + v + "]",
                       "tuning.grid.ewc.lambda", "finite");
  }
}

TEST(Config, FractionsOfOneOrMoreAreRefused) {
  for (const std::string v : {"1.0", "1.5", "-0.1"})
    expect_range_error("[training]\nvalidation_fraction = " + v, "training.validation_fraction",
                       "in [0, 1)");
  EXPECT_DOUBLE_EQ(
      parse_bench_config("[benchmark]\n[training]\nvalidation_fraction = 0.0").validation_fraction,
      0.0);
}

TEST(Config, ClassIndicesOutOfRangeAreRefused) {
  expect_range_error("[safety]\ncritical_class = 10\nforbidden_class = 2", "safety.critical_class",
                     "above the maximum 9");
  expect_range_error("[safety]\ncritical_class = 1\nforbidden_class = -1",
                     "safety.forbidden_class", "below the minimum 0");
  expect_range_error("[safety]\ncritical_class = 3\nforbidden_class = 3",
                     "safety.forbidden_class", "other than critical_class");
  // More classes than the dataset has: 6 tasks of 2.
  expect_range_error("tasks = 6\nclasses_per_task = 2", "benchmark.tasks",
                     "tasks * classes_per_task <= 10");
  EXPECT_EQ(parse_bench_config("[benchmark]\ntasks = 5\nclasses_per_task = 2").tasks, 5);
}

TEST(Config, MethodOptionsOutOfRangeFailBeforeTraining) {
  // A method's keys and ranges are its own (OptionReader): the runner's
  // validate() builds every method, before any data or training.
  for (const std::string bad : {"refresh_period = 2.5", "refresh_period = 0", "fused = 2",
                                "trigger = -1.0", "rehearsal_batch = -1"}) {
    SCOPED_TRACE(bad);
    const auto p = parse_bench_config("[benchmark]\nmethods = [\"galt\"]\n[methods.galt]\n" + bad);
    try {
      ContinualRunner(p).validate();
      FAIL() << "accepted";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("[methods.galt] " + bad.substr(0, bad.find(' '))),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(Config, MissingFileIsInputError) {
  EXPECT_THROW(load_bench_config("/nonexistent/galt.toml"), InputError);
}

// A tuned file name the system refuses (longer than NAME_MAX) is bad input,
// with or without allow_missing_tuned; it was a std::filesystem_error (exit
// 1) when a missing tuned file was allowed (found by fuzz/train/config_fuzz.cpp;
// the input is fuzz/regressions/config/tuned-name-too-long.toml).
TEST(Config, TunedFileNameTooLongIsAnInputError) {
  const std::string text = "[benchmark]\nmethods = [\"galt\"]\ntuned = \"" +
                           std::string(5000, 'x') + ".toml\"\n";
  for (bool allow_missing : {false, true}) {
    try {
      parse_bench_config(text, "/tmp/config.toml", {.allow_missing_tuned = allow_missing});
      FAIL() << "expected InputError";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("benchmark.tuned: cannot read the tuned file"),
                std::string::npos)
          << e.what();
    }
  }
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
    if (f.path().parent_path().filename() == "train") {  // galt train's run configs
      EXPECT_NO_THROW(load_run_config(f.path().string()));
      ++n;
      continue;
    }
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
