// Rendezvous: how the processes of one run find each other (DESIGN §4,
// "processes"). Every process is one rank of a world of world_size ranks;
// rank 0 hosts a key-value store (c10d's TCPStore) at master_addr:master_port
// and every rank connects to it, then Gloo connects every pair of ranks
// (galt/dist/process_group.h).
//
// The configuration follows torchrun's environment contract, so the same
// binary runs under `galt launch`, `torchrun --no-python` and cluster
// launchers that set the same variables:
//
//   RANK         this process's rank, 0 ≤ RANK < WORLD_SIZE
//   WORLD_SIZE   the number of ranks, ≥ 1
//   LOCAL_RANK   the rank on this machine (optional; default RANK)
//   MASTER_ADDR  the host of rank 0 (an address or a name)
//   MASTER_PORT  the port rank 0 listens on, 1..65535
//   GLOO_SOCKET_IFNAME  the network interface Gloo binds (optional)
//   TORCHELASTIC_USE_AGENT_STORE=True  torchrun's agent already hosts the
//                store at MASTER_ADDR:MASTER_PORT: every rank connects as a
//                client, under the key prefix /worker/attempt_<n>
//                (n = TORCHELASTIC_RESTART_COUNT), as PyTorch's env://
//                rendezvous does
//
//   auto rv = galt::dist::Rendezvous::from_environment();   // or fill it in
//   rv.timeout = std::chrono::seconds(10);
//   auto group = std::make_shared<galt::dist::ProcessGroup>(rv);
#pragma once

#include <chrono>
#include <string>

namespace galt::dist {

struct Rendezvous {
  int rank = 0;
  int world_size = 1;
  /// The rank among the processes on this machine (informational: every
  /// rank runs on the CPU).
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  /// The longest any wait may take: joining the rendezvous, and every
  /// collective. A peer that died or hangs becomes an error after at most
  /// this long, never a hang. It must exceed the longest gap between two
  /// collectives (one optimizer step on the slowest rank).
  std::chrono::milliseconds timeout{30000};
  /// The network interface Gloo binds (e.g. "eth0"). Empty: the loopback
  /// address when master_addr is a loopback address or "localhost",
  /// otherwise the address this machine's host name resolves to.
  std::string interface;
  /// Rank 0 hosts the store (galt launch, explicit values). False: someone
  /// else already does (torchrun's agent) and every rank connects to it.
  bool host_store = true;
  /// Prefix of every key this run puts in the store ("" for none).
  std::string key_prefix;

  /// From the environment (the contract above). Throws galt::InputError
  /// naming the variable when one is missing or malformed, or when the
  /// values are inconsistent (validate()).
  static Rendezvous from_environment();
  /// True when WORLD_SIZE is set: a launcher started this process.
  static bool in_environment();

  /// Throws galt::InputError: world_size < 1, rank outside [0, world_size),
  /// local_rank < 0, an empty master_addr, a port outside 1..65535, a
  /// timeout ≤ 0.
  void validate() const;
  /// "rank 1 of 3 (rendezvous 127.0.0.1:29500)".
  std::string describe() const;
};

}  // namespace galt::dist
