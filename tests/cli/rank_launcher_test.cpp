// The machinery of `galt launch` with /bin/sh as the ranks' program: the
// environment contract, the rank prefix, and one failed rank stopping the
// rest with the right exit code.
#include "cli/rank_launcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "galt/error.h"

namespace galt::cli {
namespace {

struct Captured {
  int rc = -1;
  std::string out, err;
  double seconds = 0;
};

std::string read_all(std::FILE* f) {
  std::rewind(f);
  std::string s;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  std::fclose(f);
  return s;
}

Captured run_sh(int ranks, const std::string& script) {
  RankLaunch l;
  l.ranks = ranks;
  l.program = "/bin/sh";
  l.argv0 = "sh";
  l.args = {"-c", script};
  l.grace_seconds = 2;
  l.out = std::tmpfile();
  l.err = std::tmpfile();
  Captured c;
  const auto t0 = std::chrono::steady_clock::now();
  c.rc = launch_ranks(l);
  c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  c.out = read_all(l.out);
  c.err = read_all(l.err);
  return c;
}

TEST(RankLauncher, EveryRankGetsTheContractAndAPrefix) {
  const auto c = run_sh(3,
                        "echo \"hello $RANK/$WORLD_SIZE local $LOCAL_RANK at $MASTER_ADDR\"; "
                        "printf 'no newline'; echo oops >&2; test \"$MASTER_PORT\" -gt 0");
  EXPECT_EQ(c.rc, 0) << c.err;
  for (int r = 0; r < 3; ++r) {
    const std::string p = "[rank " + std::to_string(r) + "] ";
    EXPECT_NE(c.out.find(p + "hello " + std::to_string(r) + "/3 local " + std::to_string(r) +
                         " at 127.0.0.1\n"),
              std::string::npos)
        << c.out;
    EXPECT_NE(c.out.find(p + "no newline\n"), std::string::npos) << c.out;
    EXPECT_NE(c.err.find(p + "oops\n"), std::string::npos) << c.err;
  }
}

TEST(RankLauncher, AFailedRankStopsTheOthersAndIsNamed) {
  const auto c = run_sh(3, "if [ \"$RANK\" = 1 ]; then sleep 0.2; exit 3; fi; exec sleep 60");
  EXPECT_EQ(c.rc, 1);
  EXPECT_NE(c.err.find("galt launch: rank 1 exited with code 3; stopped the other ranks"),
            std::string::npos)
      << c.err;
  EXPECT_LT(c.seconds, 20.0) << "the sleeping ranks were not stopped";
}

TEST(RankLauncher, AKilledRankIsNamedWithItsSignal) {
  const auto c = run_sh(2, "if [ \"$RANK\" = 0 ]; then kill -9 $$; fi; exec sleep 60");
  EXPECT_EQ(c.rc, 1);
  EXPECT_NE(c.err.find("galt launch: rank 0 was killed by signal 9 (SIGKILL)"), std::string::npos)
      << c.err;
  EXPECT_LT(c.seconds, 20.0);
}

TEST(RankLauncher, ARankReportingBadInputMakesItExitTwo) {
  const auto c = run_sh(2, "exit 2");
  EXPECT_EQ(c.rc, 2);
  EXPECT_NE(c.err.find("exited with code 2 (bad input)"), std::string::npos) << c.err;
}

TEST(RankLauncher, BadLaunchesAreInputErrors) {
  RankLaunch l;
  l.args = {"demo"};
  l.ranks = 0;
  EXPECT_THROW(validate(l), InputError);
  l.ranks = 2;
  l.args.clear();
  EXPECT_THROW(validate(l), InputError);
  l.args = {"demo"};
  l.master_port = 70000;
  EXPECT_THROW(validate(l), InputError);
  l.master_port = 0;
  EXPECT_NO_THROW(validate(l));
  EXPECT_GT(free_port("127.0.0.1"), 0);
}

}  // namespace
}  // namespace galt::cli
