// ProcessExecutor: galt::Executor over the ranks of a ProcessGroup
// (DESIGN §4, execution mode 2: processes, one or more blocks per rank).
//
//   auto group = std::make_shared<galt::dist::ProcessGroup>(
//       galt::dist::Rendezvous::from_environment());
//   galt::Optimizer opt(groups, ...);                    // the same on every rank
//   galt::dist::distribute(opt, group);                 // executor + replica check
//   for (...) { ...; loss.backward(); opt.step(); }     // the same loop on every rank
//
// This first slice is the replicated design. Every rank holds the whole model
// and runs the same program on the same data with the same seed; every rank
// evaluates every edge itself (values, Jacobians, the dual updates: identical
// everywhere because the state is). Only the block phase is divided: in each
// colour of the schedule a rank steps the blocks it owns (block_owner.h),
// then each block of the colour is broadcast from its owner — its BlockState
// (galt/solve/executor.h): parameters, Adam moments and step counts, and the
// step's result — so every rank starts the next colour, and the next step,
// with the same state. The run is bit-for-bit SerialExecutor's for the same
// schedule (tests/dist compares them).
//
// Not distributed yet: the edge evaluation and the task's forward/backward
// (every rank repeats them: they bound the speedup), and memory (every rank
// holds everything). The model-parallel variant — forward edges across ranks,
// activations sent between neighbouring blocks, pipelined local steps — is
// the next slice (issue 13; docs/SCALING.md, "Process executor").
//
// Failures: a step that throws on its owner is sent as a failed block (the
// colour's broadcasts still all happen), so every rank throws after the
// colour: the owner its own exception, the others the same kind (InputError
// stays InputError) naming the rank and the block. A dead or hung rank is a
// PeerFailure from the group (process_group.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "galt/dist/block_owner.h"
#include "galt/dist/process_group.h"
#include "galt/solve/executor.h"
#include "galt/solve/optimizer.h"

namespace galt::dist {

struct ProcessExecutorOptions {
  /// Which rank steps which block (block_owner.h).
  Partition partition = Partition::kContiguous;
  /// Runs this rank's own blocks of a colour (null: serial; a ThreadExecutor
  /// spreads them over threads).
  std::shared_ptr<Executor> local;
};

/// What the executor sent and waited for, summed over its runs.
struct ProcessTraffic {
  int64_t runs = 0;             ///< block phases (optimizer steps)
  int64_t colours = 0;          ///< colours run
  int64_t blocks_stepped = 0;   ///< block steps run on this rank
  int64_t broadcasts = 0;       ///< one per block per step
  int64_t bytes = 0;            ///< payload bytes of those broadcasts
  double exchange_seconds = 0;  ///< packing, broadcasting and unpacking
};

class ProcessExecutor final : public Executor {
 public:
  explicit ProcessExecutor(std::shared_ptr<ProcessGroup> group,
                           ProcessExecutorOptions options = {});

  std::string name() const override;  ///< "processes(N)"
  int concurrency() const override { return group_->world_size(); }

  /// Without a BlockState the other ranks cannot be told what a step changed:
  /// throws std::logic_error (galt::Optimizer always passes one).
  void run(const BlockSchedule& schedule, const std::function<void(int)>& before_colour,
           const std::function<void(int)>& step) override;
  /// Above. Throws galt::InputError (before any step) when the schedule has
  /// fewer blocks than the group has ranks (check_partition).
  void run(const BlockSchedule& schedule, const std::function<void(int)>& before_colour,
           const std::function<void(int)>& step, const BlockState& state) override;

  /// The owner of every block of the last schedule (block order).
  const std::vector<int>& owners() const { return owners_; }
  const ProcessTraffic& traffic() const { return traffic_; }
  ProcessGroup& group() { return *group_; }

 private:
  std::shared_ptr<ProcessGroup> group_;
  ProcessExecutorOptions options_;
  std::vector<int> owners_;
  ProcessTraffic traffic_;
};

/// Makes `opt` run its block phase on the ranks of `group` and, every
/// `check_every` steps (0: never), check that the ranks' replicas agree
/// (ReplicaCheck, replica_check.h). Throws galt::InputError now when the
/// optimizer has fewer blocks than the group has ranks. Returns the
/// executor.
std::shared_ptr<ProcessExecutor> distribute(Optimizer& opt, std::shared_ptr<ProcessGroup> group,
                                            ProcessExecutorOptions options = {},
                                            int64_t check_every = 10);

}  // namespace galt::dist
