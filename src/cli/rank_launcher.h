// The machinery of `galt launch` (launch_command.cpp): N local processes of one
// program, each told its rank through torchrun's environment contract
// (galt/dist/rendezvous.h), their output forwarded line by line with a rank
// prefix, and the rule that one dead rank stops the run.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace galt::cli {

struct RankLaunch {
  int ranks = 1;
  std::string master_addr = "127.0.0.1";
  /// 0: a free port on master_addr, chosen now.
  int master_port = 0;
  /// The program every rank runs (default: this executable) and its
  /// arguments (argv[1…]).
  std::string program = "/proc/self/exe";
  std::string argv0 = "galt";
  std::vector<std::string> args;
  /// After the first rank fails: SIGTERM to the others, SIGKILL after this.
  double grace_seconds = 5.0;
  /// Where the ranks' stdout and stderr lines go, each prefixed "[rank r] ",
  /// and the launcher's own messages (to err).
  std::FILE* out = stdout;
  std::FILE* err = stderr;
};

/// The longest --grace: a day (the grace is waited in milliseconds, an int64).
inline constexpr double kMaxGraceSeconds = 86400;

/// Throws galt::InputError: ranks < 1, no program arguments, a port outside
/// 0..65535, an empty address, a grace outside [0, kMaxGraceSeconds].
void validate(const RankLaunch& launch);

/// Runs the ranks to the end. Every rank gets RANK, WORLD_SIZE, LOCAL_RANK,
/// LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT, and, unless already set,
/// GALT_THREADS = max(1, cores / ranks) (as torchrun sets OMP_NUM_THREADS, so
/// N ranks do not each take every core). When one rank exits non-zero or is
/// killed by a signal, the others are stopped (SIGTERM, then SIGKILL after
/// the grace) and a line naming that rank goes to `err`.
/// Returns 0 when every rank exited 0; 2 when the first to fail exited 2
/// (bad input: every rank checks it, before training); otherwise 1. Throws
/// galt::InputError for an invalid launch, std::runtime_error when a process
/// cannot be started.
int launch_ranks(const RankLaunch& launch);

/// A TCP port nobody listens on at `addr` now (bound to port 0 and released).
int free_port(const std::string& addr);

}  // namespace galt::cli
