// ReplicaCheck: the ranks of a replicated run must hold the same state, bit
// for bit (process_executor.h). The duals λ, ρ are never sent: every rank
// computes them itself from the edge values it measures, which are identical
// only if the ranks' states and arithmetic are (same data, same seed, same
// thread counts). A difference is a bug or a source of non-determinism, and a
// run that carries on would train diverging models while reporting one — so
// this check fails loudly instead.
//
// Every `every` steps each rank fingerprints its state and the fingerprints
// are all-gathered (one small collective); every rank compares them and
// throws the same ReplicaDivergence when they differ. distribute() installs
// it (every 10 steps by default).
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <vector>

#include "galt/dist/process_group.h"
#include "galt/solve/callbacks.h"

namespace galt {
class Optimizer;
}

namespace galt::dist {

/// 64-bit hashes of the bytes of an optimizer's replicated state.
struct ReplicaFingerprint {
  /// Per block (graph order): parameters, Adam moments and step counts, the
  /// trust radius.
  std::vector<uint64_t> blocks;
  uint64_t duals = 0;        ///< λ and ρ of every edge (graph order)
  uint64_t edge_values = 0;  ///< C_e as the last step measured it
  /// One hash of all of the above.
  uint64_t combined() const;
};

/// The fingerprint of `opt`'s state now. Equal fingerprints: equal state,
/// up to a hash collision.
ReplicaFingerprint fingerprint(const Optimizer& opt);

/// The replicas of a run differ. what() names the step, the ranks and what
/// differs from rank 0.
class ReplicaDivergence : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ReplicaCheck final : public OptimizerCallback {
 public:
  /// every ≥ 1: check after steps every, 2·every, …
  ReplicaCheck(std::shared_ptr<ProcessGroup> group, int64_t every = 10);
  bool step_taken(const Optimizer& opt, const StepStats& stats) override;

  /// One check now (a collective: every rank calls it). Throws
  /// ReplicaDivergence.
  static void check(ProcessGroup& group, const Optimizer& opt, int64_t step);
  /// Checks run so far.
  int64_t checks() const { return checks_; }

 private:
  std::shared_ptr<ProcessGroup> group_;
  int64_t every_;
  int64_t checks_ = 0;
};

}  // namespace galt::dist
