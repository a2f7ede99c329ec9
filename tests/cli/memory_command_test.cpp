// `galt memory ...` driven through CLI11 as the executable does.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "galt/error.h"
#include "memory/test_util.h"  // TempDir

namespace galt::cli {
namespace {

using memory::testing::TempDir;

nlohmann::json run(std::vector<std::string> args) {
  CLI::App app{"galt"};
  std::ostringstream out;
  register_memory(app, out);
  args.insert(args.begin(), "memory");
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  app.parse(args);
  return nlohmann::json::parse(out.str());
}

TEST(MemoryCli, WorkedExampleEndToEnd) {
  TempDir dir;
  const std::string db = dir.file("mem.db");
  run({"create", db});
  const auto pref = run({"propose", db, "--layer", "3", "--payload", "prefers metric units",
                         "--label", "units"})["entry"]
                        .get<long long>();
  const auto cons = run({"propose", db, "--layer", "1", "--payload", "may store email", "--label",
                         "consent"})["entry"]
                        .get<long long>();
  auto d = run({"adjudicate", db, "--entry", std::to_string(pref), "--values", "-1,-1,-1,-0.5"});
  EXPECT_EQ(d["decision"]["action"], "accept");
  run({"adjudicate", db, "--entry", std::to_string(cons), "--values", "-1,-1,-1,-1"});
  run({"consolidate", db, "--entry", std::to_string(pref)});
  run({"consolidate", db, "--entry", std::to_string(cons)});
  EXPECT_EQ(run({"list", db})["entries"].size(), 2u);
  const auto v = run({"raise", db, "--layer", "2", "--note", "workflow rule broken"})["violation"];
  // Top-down containment: the layer-1 memory stays, the layer-3 one is quarantined.
  auto listed = run({"list", db});
  ASSERT_EQ(listed["entries"].size(), 1u);
  EXPECT_EQ(listed["entries"][0]["id"], cons);
  const auto shown = run({"show", db, "--entry", std::to_string(pref)});
  EXPECT_EQ(shown["access"], "quarantined");
  EXPECT_EQ(shown["trace"].size(), 4u);  // propose, adjudicate, consolidate, raise
  const auto exported = run({"export", db});
  EXPECT_TRUE(exported["entries"][0]["payload"].is_null());
  EXPECT_EQ(exported["entries"][1]["payload"], "may store email");
  run({"resolve", db, "--violation", std::to_string(v.get<long long>())});
  EXPECT_EQ(run({"list", db})["entries"].size(), 2u);
  EXPECT_EQ(run({"export", db})["entries"][0]["payload"], "prefers metric units");
}

TEST(MemoryCli, BadInputIsAnInputError) {
  TempDir dir;
  const std::string db = dir.file("mem.db");
  EXPECT_THROW(run({"list", db}), InputError);  // no ledger yet
  EXPECT_THROW(run({"create", db, "--access", "bogus"}), InputError);
  EXPECT_THROW(run({"create", db, "--hard", "0,x"}), InputError);
  run({"create", db, "--layers", "3", "--hard", "0"});
  EXPECT_THROW(run({"create", db}), InputError);  // exists
  const auto e = run({"propose", db, "--layer", "2", "--payload", "x"})["entry"].get<long long>();
  EXPECT_THROW(run({"adjudicate", db, "--entry", std::to_string(e), "--values", "-1,abc,-1"}),
               InputError);
  EXPECT_THROW(run({"adjudicate", db, "--entry", std::to_string(e), "--values", "-1,-1"}),
               InputError);
  EXPECT_THROW(run({"consolidate", db, "--entry", std::to_string(e)}), InputError);
  run({"adjudicate", db, "--entry", std::to_string(e), "--values", "-1,-1,-1", "--no-write"});
  EXPECT_THROW(run({"consolidate", db, "--entry", std::to_string(e)}), InputError);
  EXPECT_THROW(run({"propose", db, "--layer", "3", "--payload", "x"}), InputError);
  EXPECT_THROW(run({"propose", db, "--layer", "1"}), InputError);
  EXPECT_THROW(run({"propose", db, "--layer", "1", "--payload-file", dir.file("none")}),
               InputError);
  EXPECT_THROW(run({"show", db, "--entry", "99"}), InputError);
  EXPECT_THROW(run({"resolve", db, "--violation", "5"}), InputError);
  EXPECT_THROW(run({"raise", db, "--layer", "1", "--note", "\xff"}), InputError);  // not UTF-8
  EXPECT_THROW(run({"propose", db, "--layer", "1", "--payload", "x", "--label", "\xfe"}),
               InputError);
  // Nothing bad input did was recorded: one proposal, one adjudication.
  EXPECT_EQ(run({"export", db})["events"].size(), 2u);
}

// The numeric options are range-checked by CLI11 (option_checks.h), before
// the ledger is touched: a CLI::ValidationError naming the option, where the
// ledger's own check would throw an InputError without it.
void expect_option_refused(const std::vector<std::string>& args, const std::string& option) {
  try {
    run(args);
    FAIL() << "accepted " << option;
  } catch (const CLI::ValidationError& e) {
    EXPECT_NE(std::string(e.what()).find(option + ": got "), std::string::npos) << e.what();
  }
}

TEST(MemoryCli, NumericOptionsOutOfRangeAreRefusedBeforeTheLedger) {
  TempDir dir;
  const std::string fresh = dir.file("never.db");
  expect_option_refused({"create", fresh, "--layers", "0"}, "--layers");
  expect_option_refused({"create", fresh, "--layers", "65"}, "--layers");
  expect_option_refused({"create", fresh, "--margin", "nan"}, "--margin");
  expect_option_refused({"create", fresh, "--margin", "-0.1"}, "--margin");
  expect_option_refused({"create", fresh, "--soft-gate", "1.5"}, "--soft-gate");
  expect_option_refused({"create", fresh, "--soft-gate", "inf"}, "--soft-gate");
  EXPECT_FALSE(std::filesystem::exists(fresh));  // nothing was created

  const std::string db = dir.file("mem.db");
  run({"create", db});
  const auto e = run({"propose", db, "--layer", "2", "--payload", "x"})["entry"].get<long long>();
  expect_option_refused({"propose", db, "--layer", "-1", "--payload", "y"}, "--layer");
  expect_option_refused({"adjudicate", db, "--entry", "0", "--values", "-1,-1,-1,-1"}, "--entry");
  expect_option_refused({"readjudicate", db, "--entry", "-1", "--values", "-1,-1,-1,-1"},
                        "--entry");
  expect_option_refused({"consolidate", db, "--entry", "0"}, "--entry");
  expect_option_refused({"show", db, "--entry", "-5"}, "--entry");
  expect_option_refused({"raise", db, "--layer", "-2"}, "--layer");
  expect_option_refused({"resolve", db, "--violation", "0"}, "--violation");
  // Nothing was recorded: the proposal alone.
  EXPECT_EQ(run({"export", db})["events"].size(), 1u);
  EXPECT_EQ(run({"show", db, "--entry", std::to_string(e)})["status"], "proposed");
}

}  // namespace
}  // namespace galt::cli
