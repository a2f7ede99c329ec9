// The run store: a run round-trips through its JSON; a benchmark resumed
// from a store gives the uninterrupted benchmark's result; another protocol
// or option never picks up a stored run; a corrupt file is a clear error.
#include "galt/train/run_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "galt/error.h"
#include "galt/train/bench_report.h"
#include "train/synthetic_data.h"

namespace galt::train {
namespace {

using testing::synthetic_data;
using testing::tiny_protocol;
namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const auto d =
      fs::temp_directory_path() / ("galt-run-store-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  return d;
}

// The JSON of a result without what differs between two processes by nature.
nlohmann::json comparable(const BenchResult& r) {
  auto j = bench_json(r);
  j.erase("total_seconds");
  j.erase("provenance");
  for (auto& [m, v] : j["methods"].items()) {
    v.erase("wall_seconds");
    for (auto& s : v["per_seed"]) {
      s.erase("wall_seconds");
      s.erase("eval_seconds");
      s.erase("commit");
    }
  }
  return j;
}

TEST(RunStore, SeedRunRoundTripsThroughJson) {
  ContinualRunner runner(tiny_protocol({"galt", "adamw"}));
  runner.set_data(synthetic_data());
  const auto r = runner.run();
  for (const auto& m : r.methods) {
    const auto& run = m.runs[0];
    const auto back = seed_run_from_json(seed_run_json(run, r.protocol.scenario));
    EXPECT_EQ(seed_run_json(back, r.protocol.scenario).dump(),
              seed_run_json(run, r.protocol.scenario).dump())
        << m.method;
    EXPECT_EQ(back.duals.size(), run.duals.size());
    EXPECT_EQ(back.counters.forward_passes, run.counters.forward_passes);
  }
  EXPECT_THROW(seed_run_from_json(nlohmann::json{{"seed", 1}}), InputError);
}

// A stored run holds whole numbers where it holds counts, seeds and steps; a
// float there (too large for the field, or fractional) is refused, not cast
// (the cast of 1e300 to uint64_t was undefined behaviour: UBSan, found with
// fuzz/train/run_store_fuzz.cpp; the input is fuzz/regressions/run_store/).
TEST(RunStore, FloatsWhereWholeNumbersBelongAreInputErrors) {
  ContinualRunner runner(tiny_protocol({"adamw"}));
  runner.set_data(synthetic_data());
  const auto r = runner.run();
  auto good = seed_run_json(r.methods[0].runs[0], r.protocol.scenario);
  using nlohmann::json;
  good["safety"] = {{"step", json::array({10})},
                    {"rate", json::array({0.0})},
                    {"forbidden_seen", json::array({1})}};
  ASSERT_NO_THROW(seed_run_from_json(good));
  const std::vector<std::pair<nlohmann::json::json_pointer, nlohmann::json>> bad{
      {nlohmann::json::json_pointer("/seed"), 1e300},
      {nlohmann::json::json_pointer("/seed"), -1},
      {nlohmann::json::json_pointer("/seed"), 2.5},
      {nlohmann::json::json_pointer("/safety/step/0"), 1e30},
      {nlohmann::json::json_pointer("/safety/forbidden_seen/0"), 1e10},
      {nlohmann::json::json_pointer("/safety/forbidden_seen/0"), 4294967296LL},
      {nlohmann::json::json_pointer("/counters/steps"), 1e19},
      {nlohmann::json::json_pointer("/counters"), 3},
  };
  for (const auto& [where, value] : bad) {
    auto j = good;
    ASSERT_TRUE(j.contains(where)) << where.to_string();
    j[where] = value;
    EXPECT_THROW(seed_run_from_json(j), InputError) << where.to_string() << " = " << value;
  }
}

TEST(RunStore, ResumedBenchmarkEqualsTheUninterruptedOne) {
  auto p = tiny_protocol({"adamw", "replay", "galt"});
  p.seeds = {0, 1};
  const auto data = synthetic_data();
  ContinualRunner whole(p);
  whole.set_data(data);
  const auto uninterrupted = whole.run();

  // "Killed" after seed 0: a first process ran only seed 0 into the store.
  const auto dir = fresh_dir("resume");
  auto first = p;
  first.seeds = {0};
  {
    ContinualRunner r(first);
    r.set_data(data);
    auto store = std::make_shared<DirectoryRunStore>(dir.string(), "abc123");
    r.set_run_store(store);
    r.run();
    EXPECT_EQ(store->saved(), 3);
  }
  ContinualRunner resumed(p);
  resumed.set_data(data);
  auto store = std::make_shared<DirectoryRunStore>(dir.string(), "abc123");
  resumed.set_run_store(store);
  struct Counter : RunCallback {
    int begun = 0;
    void begin_run(const std::string&, uint64_t) override { ++begun; }
  };
  auto counter = std::make_shared<Counter>();
  resumed.add_callback(counter);
  const auto r = resumed.run();
  EXPECT_EQ(store->loaded(), 3);  // seed 0 from the store ...
  EXPECT_EQ(store->saved(), 3);   // ... seed 1 trained
  EXPECT_EQ(counter->begun, 3);
  EXPECT_EQ(comparable(r).dump(), comparable(uninterrupted).dump());
  EXPECT_EQ(r.methods[0].runs[0].commit, "abc123");
  fs::remove_all(dir);
}

TEST(RunStore, OtherSettingsNeverTakeAStoredRun) {
  const auto p = tiny_protocol({"ewc"});
  auto q = p;
  q.method_options["ewc"]["lambda"] = 1e4;
  auto longer = p;
  longer.iterations += 1;
  auto renamed = p;
  renamed.name = "another name";
  renamed.seeds = {0, 5};
  EXPECT_NE(run_fingerprint(p, "ewc"), run_fingerprint(q, "ewc"));
  EXPECT_NE(run_fingerprint(p, "ewc"), run_fingerprint(longer, "ewc"));
  EXPECT_NE(run_fingerprint(p, "ewc"), run_fingerprint(p, "si"));
  // Labels and the seed list are not run settings.
  EXPECT_EQ(run_fingerprint(p, "ewc"), run_fingerprint(renamed, "ewc"));
  // Another method's options do not touch this method's runs.
  auto other = p;
  other.method_options["si"]["c"] = 3;
  EXPECT_EQ(run_fingerprint(p, "ewc"), run_fingerprint(other, "ewc"));

  const auto dir = fresh_dir("settings");
  ContinualRunner r(p);
  r.set_data(synthetic_data());
  auto store = std::make_shared<DirectoryRunStore>(dir.string(), "c");
  r.set_run_store(store);
  r.run();
  EXPECT_TRUE(store->load(p, "ewc", 0).has_value());
  EXPECT_FALSE(store->load(q, "ewc", 0).has_value());
  EXPECT_FALSE(store->load(p, "ewc", 1).has_value());
  fs::remove_all(dir);
}

TEST(RunStore, CorruptRunIsAClearErrorAndNotOverwritten) {
  const auto p = tiny_protocol({"adamw"});
  const auto dir = fresh_dir("corrupt");
  DirectoryRunStore store(dir.string(), "c");
  const auto path = store.path_of(p, "adamw", 0);
  fs::create_directories(fs::path(path).parent_path());
  { std::ofstream(path) << "{\"seed\": 0, \"acc_matrix"; }
  try {
    store.load(p, "adamw", 0);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  ContinualRunner r(p);
  r.set_data(synthetic_data());
  r.set_run_store(std::make_shared<DirectoryRunStore>(dir.string(), "c"));
  EXPECT_THROW(r.run(), InputError);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "{\"seed\": 0, \"acc_matrix");  // left as found
  fs::remove_all(dir);
}

}  // namespace
}  // namespace galt::train
