// Provenance of result files: the commit of the source tree, the command,
// the config, the date.
#include "galt/report/provenance.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace galt::report {
namespace {

TEST(Provenance, NamesTheCommitCommandAndConfig) {
  const Provenance p = provenance("galt bench solver --reps 3", "configs/demo.toml");
  // The tests run from a git checkout (CI clones one): a 40-hex commit.
  ASSERT_EQ(p.commit.size(), 40u) << p.commit;
  EXPECT_EQ(p.commit.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(p.date.size(), 20u);  // YYYY-MM-DDTHH:MM:SSZ
  EXPECT_GT(p.hardware_threads, 0);
  const auto j = to_json(p);
  EXPECT_EQ(j["command"], "galt bench solver --reps 3");
  EXPECT_EQ(j["config"], "configs/demo.toml");
  EXPECT_EQ(j["commit"], p.commit);
  EXPECT_TRUE(j.contains("dirty"));
}

}  // namespace
}  // namespace galt::report
