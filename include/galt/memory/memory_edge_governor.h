// MemoryEdgeGovernor: the ledger decides which memory (retention) edges the
// optimizer has (DESIGN §1 memory channel, §6). It talks to the optimizer only
// through galt::EdgeHost (galt/graph/edge_host.h), so the memory module does
// not depend on the solver.
//
// In training, a memory edge exists only for a consolidated, accessible
// ledger entry (e.g. a task's anchor buffer, proposed at the end of the task
// and adjudicated against the safety edges). sync() makes the host's
// governed edges equal to that set: raising a violation removes exactly the
// edges of the entries the access rule quarantines; resolving restores them
// (ResolvePolicy::kRestore) or waits until each is re-adjudicated
// (kReadjudicate). A removed edge's multiplier and penalty are remembered
// and given back when it returns, so quarantine is non-destructive for the
// duals too.
//
//   MemoryEdgeGovernor gov(ledger, optimizer, [&](const EntryInfo& e, const std::string& p) {
//     return anchor_kl_edge(model, anchors.at(e.id), /*weight=*/e.gate);
//   });
//   EntryId e = ledger.propose(2, "task 1 anchors"); ledger.adjudicate(e, C);
//   ledger.consolidate(e); gov.sync();          // edge "memory/entry<e>" added
//   gov.raise_violation(1, "consent withdrawn"); // edge removed (1 ≤ 2)
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "galt/graph/constraint_edge.h"
#include "galt/graph/edge_host.h"
#include "galt/memory/trace_ledger.h"

namespace galt::memory {

class MemoryEdgeGovernor {
 public:
  /// Builds the edge of one accessible entry from its ledger record and
  /// payload. The governor sets the edge's name (edge_name) and channel
  /// (Channel::kMemory).
  using EdgeFactory = std::function<ConstraintEdge(const EntryInfo&, const std::string& payload)>;

  /// `prefix` names the governed edges ("<prefix><entry id>"); edges of the
  /// host (the optimizer) without it are never touched. Neither the ledger
  /// nor the host is owned; both must outlive the governor.
  MemoryEdgeGovernor(TraceLedger& ledger, EdgeHost& host, EdgeFactory factory,
                     std::string prefix = "memory/entry");

  /// What one sync changed.
  struct SyncReport {
    std::vector<EntryId> added, removed;
  };
  /// Adds the edges of accessible entries that lack one and removes the
  /// edges of entries no longer accessible.
  SyncReport sync();

  /// Ledger writes followed by sync().
  ViolationId raise_violation(int layer, std::string_view note = "");
  void resolve_violation(ViolationId violation, std::string_view note = "");

  /// Entries whose edge is in the optimizer now.
  std::vector<EntryId> governed() const;
  std::string edge_name(EntryId entry) const { return prefix_ + std::to_string(entry); }

 private:
  TraceLedger& ledger_;
  EdgeHost& host_;
  EdgeFactory factory_;
  std::string prefix_;
  std::set<EntryId> governed_;
  std::map<EntryId, DualValue> saved_;
};

}  // namespace galt::memory
