// `galt launch --ranks N [--master-addr A] [--master-port P] -- <command> ...`:
// runs `galt <command> ...` as N local ranks (rank_launcher.h) — what
// `torchrun --no-python --nproc-per-node N build/galt <command> ...` does,
// without Python. Exit code: 0 when every rank succeeded; 2 for bad usage or
// when a rank reported bad input; 1 when a rank died or failed.
#include <unistd.h>

#include <climits>

#include "cli/commands.h"
#include "cli/option_checks.h"
#include "cli/rank_launcher.h"

namespace galt::cli {

void register_launch(CLI::App& app) {
  auto launch = std::make_shared<RankLaunch>();
  auto* cmd = app.add_subcommand(
      "launch",
      "Run a galt command as N local ranks (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, "
      "MASTER_PORT set as torchrun sets them); one dead rank stops them all");
  cmd->add_option("--ranks", launch->ranks, "Number of ranks (processes), ≥ 1")
      ->required()
      ->check(at_least(1));
  cmd->add_option("--master-addr", launch->master_addr, "Address rank 0 listens on")
      ->capture_default_str();
  cmd->add_option("--master-port", launch->master_port,
                  "Port rank 0 listens on (0: a free port, chosen at launch)")
      ->capture_default_str()
      ->check(integer_in(0, 65535));
  cmd->add_option("--grace", launch->grace_seconds,
                  "Seconds between SIGTERM and SIGKILL when stopping the other ranks")
      ->capture_default_str()
      ->check(finite_in(0, kMaxGraceSeconds));
  cmd->add_option("command", launch->args,
                  "The galt command and its arguments, after -- (galt launch --ranks 2 -- dist "
                  "selftest --steps 50)")
      ->required();
  cmd->callback([launch] {
    char self[PATH_MAX];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) launch->program.assign(self, static_cast<size_t>(n));
    const int rc = launch_ranks(*launch);
    if (rc != 0) throw CommandFailed(rc, "");
  });
}

}  // namespace galt::cli
