// Result files the project commits name what produced them: every JSON in
// docs/results/ carries a provenance with a full commit hash, the command
// and the config (bench_report.h, report/provenance.h).
#include <galt_paths.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

namespace galt::train {
namespace {

TEST(BenchReport, CommittedResultFilesNameTheirCommitCommandAndConfig) {
  const auto dir = std::filesystem::path(GALT_SOURCE_DIR) / "docs" / "results";
  const std::regex hash("[0-9a-f]{40}");
  int n = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    if (f.path().extension() != ".json") continue;
    SCOPED_TRACE(f.path().string());
    std::ifstream in(f.path());
    const auto j = nlohmann::json::parse(in);
    ASSERT_TRUE(j.contains("provenance"));
    const auto& p = j["provenance"];
    ASSERT_TRUE(p.contains("commit") && p["commit"].is_string());
    EXPECT_TRUE(std::regex_match(p["commit"].get<std::string>(), hash)) << p["commit"];
    ASSERT_TRUE(p.contains("command") && p["command"].is_string());
    EXPECT_FALSE(p["command"].get<std::string>().empty());
    EXPECT_TRUE(p.contains("config"));
    ++n;
  }
  EXPECT_GE(n, 1);
}

}  // namespace
}  // namespace galt::train
