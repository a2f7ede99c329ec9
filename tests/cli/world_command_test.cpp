// `galt world` driven through CLI11 as the executable does.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "galt/error.h"
#include "memory/test_util.h"  // TempDir

namespace galt::cli {
namespace {

std::string run(std::vector<std::string> args) {
  CLI::App app{"galt"};
  std::ostringstream out;
  register_world(app, out);
  args.insert(args.begin(), "world");
  std::reverse(args.begin(), args.end());  // CLI11 takes a reversed vector
  app.parse(args);
  return out.str();
}

TEST(WorldCli, PrintsCountsTheBayesCeilingAndDecodedExamples) {
  const std::string out = run({"--seed", "7", "--show", "1"});
  EXPECT_NE(out.find("305 tokens"), std::string::npos) << out;
  EXPECT_NE(out.find("fact        3328         192    384         256            128"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("task Bayes accuracy (the noise ceiling): 0.8632 exact"), std::string::npos);
  EXPECT_NE(out.find("0 exact, 0 near"), std::string::npos);
  for (const char* f : {"[task 0]", "[safety 0]", "[fact 0]", "[tool 0]"})
    EXPECT_NE(out.find(f), std::string::npos) << f;
  EXPECT_NE(out.find("<bos> Q: "), std::string::npos);
}

TEST(WorldCli, OneFamilyAndSplitAndTheJsonSummary) {
  memory::testing::TempDir dir;
  const std::string json = dir.file("world.json");
  const std::string out =
      run({"--family", "fact", "--split", "edit-held-out", "--show", "3", "--json", json});
  EXPECT_EQ(out.find("[task"), std::string::npos) << "only the fact family was asked for";
  EXPECT_NE(out.find("counterfactual"), std::string::npos) << out;
  std::ifstream in(json);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["counts"]["fact"]["edit-held-out"], 128);
  EXPECT_EQ(j["contamination"]["exact"], 0);
  EXPECT_EQ(j["contamination"]["near"], 0);
  ASSERT_EQ(j["examples"].size(), 3u);
  EXPECT_TRUE(j["examples"][0]["meta"]["counterfactual"].get<bool>());
  EXPECT_GT(j["task_bayes_accuracy"]["exact"].get<double>(), 0.8);
  EXPECT_TRUE(j.contains("provenance"));
}

TEST(WorldCli, BadOptionsAreInputErrors) {
  EXPECT_THROW(run({"--family", "facts"}), InputError);
  EXPECT_THROW(run({"--split", "eval"}), InputError);
  EXPECT_THROW(run({"--json", "/nonexistent/dir/world.json"}), InputError);
  EXPECT_THROW(run({"--show", "-1"}), CLI::ValidationError);
}

}  // namespace
}  // namespace galt::cli
