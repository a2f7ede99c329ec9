// The galt executable as 2 and 3 local processes on loopback (DESIGN §4,
// "tested on loopback with 2+ local processes"): `galt dist selftest` under
// `galt launch`, started by hand, and under torchrun when it is installed.
// Every run here picks a free port, so ctest -j runs them side by side.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <vector>

#include "dist/child_process.h"
#include "dist/local_ranks.h"

namespace galt::dist {
namespace {

using testing::ChildProcess;
using testing::free_port;
using testing::galt_executable;

// The JSON line of every rank in `out` (with or without launch's
// "[rank r] " prefix), by rank.
std::map<int, nlohmann::json> rank_lines(const std::string& out) {
  std::map<int, nlohmann::json> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    const auto brace = line.find('{');
    if (brace == std::string::npos || line.find("\"checksum\"") == std::string::npos) continue;
    const auto j = nlohmann::json::parse(line.substr(brace));
    lines[j.at("rank").get<int>()] = j;
  }
  return lines;
}

std::vector<std::string> galt(std::vector<std::string> args) {
  args.insert(args.begin(), galt_executable());
  return args;
}

// `dist selftest` with `extra`, and 30 steps of 4 blocks unless `extra` says.
std::vector<std::string> selftest(const std::vector<std::string>& extra) {
  std::vector<std::string> a{"dist", "selftest"};
  for (const char* flag : {"--steps", "--blocks"})
    if (std::find(extra.begin(), extra.end(), flag) == extra.end())
      a.insert(a.end(), {flag, std::string(flag) == "--steps" ? "30" : "4"});
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

// The serial reference's fingerprint.
nlohmann::json serial_run(const std::vector<std::string>& extra) {
  auto args = selftest(extra);
  args.insert(args.end(), {"--executor", "serial"});
  ChildProcess p(galt(args));
  EXPECT_TRUE(p.wait(60)) << "the serial run did not finish";
  EXPECT_EQ(p.exit_code(), 0) << p.err();
  const auto lines = rank_lines(p.out());
  EXPECT_EQ(lines.size(), 1u) << p.out();
  return lines.empty() ? nlohmann::json{} : lines.begin()->second;
}

std::vector<std::string> launch_args(int ranks, const std::vector<std::string>& command) {
  std::vector<std::string> a{"launch", "--ranks", std::to_string(ranks), "--"};
  a.insert(a.end(), command.begin(), command.end());
  return galt(a);
}

struct Case {
  int ranks;
  std::string order;
  std::string partition;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.ranks << " ranks, " << c.order << ", " << c.partition;
}

class MatchesSerial : public ::testing::TestWithParam<Case> {};

// (a) Every rank's final parameters, Adam state, duals and edge values equal
// the serial run's, bit for bit (the fingerprint hashes their bytes).
TEST_P(MatchesSerial, BitForBit) {
  const Case c = GetParam();
  const std::vector<std::string> extra{"--order", c.order, "--partition", c.partition};
  const auto serial = serial_run(extra);
  ASSERT_FALSE(serial.is_null());
  ChildProcess run(launch_args(c.ranks, selftest(extra)));
  ASSERT_TRUE(run.wait(60)) << "the launch did not finish";
  ASSERT_EQ(run.exit_code(), 0) << run.err();
  const auto lines = rank_lines(run.out());
  ASSERT_EQ(static_cast<int>(lines.size()), c.ranks) << run.out();
  for (const auto& [rank, j] : lines) {
    EXPECT_EQ(j.at("executor"), "processes(" + std::to_string(c.ranks) + ")");
    EXPECT_EQ(j.at("checksum"), serial.at("checksum")) << "rank " << rank << "\n" << run.out();
    EXPECT_EQ(j.at("params_checksum"), serial.at("params_checksum")) << "rank " << rank;
    EXPECT_EQ(j.at("duals_checksum"), serial.at("duals_checksum")) << "rank " << rank;
    EXPECT_EQ(j.at("lambda"), serial.at("lambda")) << "rank " << rank;
    EXPECT_EQ(j.at("rho"), serial.at("rho")) << "rank " << rank;
    EXPECT_EQ(j.at("broadcasts_per_step"), 4);
  }
  // The duals moved (an outer update ran): the comparison covers them.
  bool moved = false;
  for (const auto& l : serial.at("lambda")) moved = moved || l.get<double>() != 0.0;
  EXPECT_TRUE(moved) << serial.dump();
}

INSTANTIATE_TEST_SUITE_P(LocalRanks, MatchesSerial,
                         ::testing::Values(Case{2, "jacobi", "contiguous"},
                                           Case{2, "gauss-seidel", "contiguous"},
                                           Case{3, "jacobi", "round-robin"},
                                           Case{3, "gauss-seidel", "contiguous"}),
                         [](const auto& info) {
                           std::string n = std::to_string(info.param.ranks) + "ranks_" +
                                           info.param.order + "_" + info.param.partition;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

// Ranks started by hand with the environment contract (what a cluster
// launcher does).
std::vector<std::unique_ptr<ChildProcess>> start_ranks(int world,
                                                       const std::vector<std::string>& args,
                                                       std::vector<std::string> env = {}) {
  const int port = free_port();
  std::vector<std::unique_ptr<ChildProcess>> ranks;
  for (int r = 0; r < world; ++r) {
    auto e = env;
    e.insert(e.end(), {"RANK=" + std::to_string(r), "WORLD_SIZE=" + std::to_string(world),
                       "LOCAL_RANK=" + std::to_string(r), "MASTER_ADDR=127.0.0.1",
                       "MASTER_PORT=" + std::to_string(port)});
    ranks.push_back(std::make_unique<ChildProcess>(galt(args), e));
  }
  return ranks;
}

// (b) A rank SIGKILLed mid-run: the others stop within 30 s, exit 1, and say
// which rank died.
TEST(DeadRank, TheOthersStopNamingIt) {
  auto ranks = start_ranks(3, selftest({"--steps", "100000", "--die-rank", "1", "--die-at-step",
                                        "15", "--check-every", "0"}));
  ASSERT_TRUE(ranks[1]->wait(60));
  EXPECT_EQ(ranks[1]->exit_code(), -SIGKILL) << ranks[1]->err();
  for (int r : {0, 2}) {
    ASSERT_TRUE(ranks[r]->wait(35)) << "rank " << r << " still runs 35 s after rank 1 died";
    EXPECT_EQ(ranks[r]->exit_code(), 1) << ranks[r]->err();
    const double after =
        std::chrono::duration<double>(ranks[r]->ended() - ranks[1]->ended()).count();
    EXPECT_LT(after, 30.0) << "rank " << r;
    EXPECT_NE(ranks[r]->err().find("rank 1 died or stopped responding"), std::string::npos)
        << "rank " << r << ": " << ranks[r]->err();
    EXPECT_EQ(ranks[r]->out().find("\"checksum\""), std::string::npos)
        << "no result when a rank died";
  }
}

TEST(DeadRank, TheStoreHostDyingIsNamedToo) {
  auto ranks = start_ranks(2, selftest({"--steps", "100000", "--die-rank", "0", "--die-at-step",
                                        "15", "--check-every", "0"}));
  ASSERT_TRUE(ranks[0]->wait(60));
  EXPECT_EQ(ranks[0]->exit_code(), -SIGKILL);
  ASSERT_TRUE(ranks[1]->wait(35)) << "rank 1 still runs 35 s after rank 0 died";
  EXPECT_EQ(ranks[1]->exit_code(), 1) << ranks[1]->err();
  EXPECT_NE(ranks[1]->err().find("rank 0 "), std::string::npos) << ranks[1]->err();
}

TEST(DeadRank, LaunchStopsTheOthersAndExitsOne) {
  ChildProcess run(
      launch_args(3, selftest({"--steps", "100000", "--die-rank", "2", "--die-at-step", "15"})));
  ASSERT_TRUE(run.wait(45)) << "galt launch did not stop";
  EXPECT_EQ(run.exit_code(), 1) << run.err();
  EXPECT_NE(run.err().find("galt launch: rank 2 was killed by signal 9 (SIGKILL)"),
            std::string::npos)
      << run.err();
  EXPECT_LT(run.seconds(), 40.0);
}

// The ranks' states must agree; one ulp of one penalty on one rank is a
// loud failure, not a quietly diverging run.
TEST(Divergence, IsCaughtByTheReplicaCheck) {
  ChildProcess run(launch_args(2, selftest({"--diverge-rank", "1", "--check-every", "5"})));
  ASSERT_TRUE(run.wait(60));
  EXPECT_EQ(run.exit_code(), 1) << run.err();
  EXPECT_NE(run.err().find("replicas diverged at step 5; rank 1 differs from rank 0 in the duals"),
            std::string::npos)
      << run.err();
}

// (c) Bad input: exit 2 before any training (no result line, quickly).
void expect_bad_input(ChildProcess& p, const std::string& message, double within) {
  ASSERT_TRUE(p.wait(within + 30));
  EXPECT_EQ(p.exit_code(), 2) << p.err();
  EXPECT_NE(p.err().find(message), std::string::npos) << p.err();
  EXPECT_EQ(p.out().find("\"checksum\""), std::string::npos) << "it trained: " << p.out();
  EXPECT_LT(p.seconds(), within);
}

TEST(BadInput, RankAtLeastWorldSize) {
  ChildProcess flags(galt(selftest(
      {"--rank", "2", "--world-size", "2", "--master-port", std::to_string(free_port())})));
  expect_bad_input(flags, "rank 2 is outside [0, 2)", 10);
  ChildProcess env(galt(selftest({})), {"RANK=3", "WORLD_SIZE=2", "MASTER_ADDR=127.0.0.1",
                                        "MASTER_PORT=" + std::to_string(free_port())});
  expect_bad_input(env, "rank 3 is outside [0, 2)", 10);
  ChildProcess missing(galt(selftest({})), {"WORLD_SIZE=2", "RANK=0", "MASTER_ADDR=127.0.0.1"});
  expect_bad_input(missing, "MASTER_PORT is not set", 10);
}

TEST(BadInput, UnreachableRendezvous) {
  ChildProcess p(galt(selftest({"--rank", "1", "--world-size", "2", "--master-port",
                                std::to_string(free_port()), "--timeout", "1"})));
  expect_bad_input(p, "no store answered", 15);
}

TEST(BadInput, MoreRanksThanBlocks) {
  ChildProcess run(launch_args(3, selftest({"--blocks", "2"})));
  expect_bad_input(run, "3 ranks for 2 blocks", 20);
  EXPECT_NE(run.err().find("exited with code 2 (bad input)"), std::string::npos) << run.err();
}

// `galt train` with the process executor: rank 0's report has the serial
// run's fingerprint (one BLAS thread in both), and a config with more ranks
// than blocks is refused on every rank before training.
TEST(Train, UnderLaunchEqualsTheSerialRun) {
  const std::string dir = ::testing::TempDir() + "galt-train-" + std::to_string(::getpid());
  const std::string cfg = dir + ".toml";
  {
    std::ofstream f(cfg);
    f << "[model]\nhidden = [16, 16]\n[train]\nsteps = 10\nbatch = 32\neval_every = 0\n"
         "eval_rows = 100\n[galt]\nrefresh_period = 3\n";
  }
  auto fingerprint = [](const std::string& out) {
    std::ifstream in(out + "/run.json");
    return nlohmann::json::parse(in).at("fingerprint").get<std::string>();
  };
  ChildProcess serial(galt({"train", "--config", cfg, "--out", dir + "-serial"}),
                      {"GALT_THREADS=1"});
  ASSERT_TRUE(serial.wait(120));
  ASSERT_EQ(serial.exit_code(), 0) << serial.err();
  ChildProcess ranks(launch_args(
      3, {"train", "--config", cfg, "--out", dir + "-ranks", "--executor", "processes"}));
  ASSERT_TRUE(ranks.wait(120));
  ASSERT_EQ(ranks.exit_code(), 0) << ranks.err();
  EXPECT_EQ(fingerprint(dir + "-ranks"), fingerprint(dir + "-serial")) << ranks.out();
  ChildProcess too_many(
      launch_args(4, {"train", "--config", cfg, "--out", dir + "-4", "--executor", "processes"}));
  expect_bad_input(too_many, "4 ranks for 3 blocks", 60);
  EXPECT_FALSE(std::filesystem::exists(dir + "-4"));
}

// torchrun's agent hosts the store and tells the ranks so
// (TORCHELASTIC_USE_AGENT_STORE): every rank connects as a client. Played
// here by the test, which hosts the store itself.
TEST(AgentStore, RanksJoinALaunchersStore) {
  const int port = free_port();
  c10d::TCPStoreOptions o;
  o.port = static_cast<std::uint16_t>(port);
  o.isServer = true;
  o.waitWorkers = false;
  c10d::TCPStore agent("127.0.0.1", o);
  const auto serial = serial_run({});
  std::vector<std::unique_ptr<ChildProcess>> ranks;
  for (int r = 0; r < 2; ++r)
    ranks.push_back(std::make_unique<ChildProcess>(
        galt(selftest({})),
        std::vector<std::string>{"RANK=" + std::to_string(r), "WORLD_SIZE=2",
                                 "MASTER_ADDR=127.0.0.1", "MASTER_PORT=" + std::to_string(port),
                                 "TORCHELASTIC_USE_AGENT_STORE=True",
                                 "TORCHELASTIC_RESTART_COUNT=0"}));
  for (int r = 0; r < 2; ++r) {
    ASSERT_TRUE(ranks[r]->wait(60));
    ASSERT_EQ(ranks[r]->exit_code(), 0) << ranks[r]->err();
    const auto lines = rank_lines(ranks[r]->out());
    ASSERT_EQ(lines.count(r), 1u) << ranks[r]->out();
    EXPECT_EQ(lines.at(r).at("checksum"), serial.at("checksum"));
  }
  // The run's keys live under torchrun's per-attempt prefix.
  EXPECT_TRUE(agent.check({"/worker/attempt_0/galt/dist/joined"}));
}

// (d) torchrun itself, when installed. The underscore spellings: Debian's
// torchrun (1.13) may not know --no-python/--nproc-per-node; every version
// knows these. --redirects/--tee: Debian's torchrun 1.13 under Python 3.11
// cannot parse their default "0" (iterating an IntFlag skips its zero
// member, so the parse yields None and the launch fails); a mapping for a
// local rank this run does not have means "none" for every rank, in every
// version.
TEST(Torchrun, RunsTheSelftest) {
  if (std::system("command -v torchrun >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "torchrun is not installed (Debian's python3-torch ships it)";
  const auto serial = serial_run({});
  ChildProcess run(std::vector<std::string>{
      "/bin/sh", "-c",
      "exec torchrun --no_python --nproc_per_node 2 --redirects 9:1 --tee 9:1 --master_port " +
          std::to_string(free_port()) + " " + galt_executable() +
          " dist selftest --steps 30 --blocks 4"});
  ASSERT_TRUE(run.wait(60));
  ASSERT_EQ(run.exit_code(), 0) << run.err();
  const auto lines = rank_lines(run.out());
  ASSERT_EQ(lines.size(), 2u) << run.out();
  for (const auto& [rank, j] : lines) EXPECT_EQ(j.at("checksum"), serial.at("checksum"));
}

}  // namespace
}  // namespace galt::dist
