// Memory edges of an EdgeHost governed by the ledger (DESIGN §1, §6).
#include "galt/memory/memory_edge_governor.h"

#include "galt/error.h"

namespace galt::memory {

MemoryEdgeGovernor::MemoryEdgeGovernor(TraceLedger& ledger, EdgeHost& host, EdgeFactory factory,
                                       std::string prefix)
    : ledger_(ledger),
      host_(host),
      factory_(std::move(factory)),
      prefix_(std::move(prefix)) {
  if (!factory_) throw InputError("MemoryEdgeGovernor: the edge factory is empty");
  if (prefix_.empty()) throw InputError("MemoryEdgeGovernor: the edge-name prefix is empty");
}

MemoryEdgeGovernor::SyncReport MemoryEdgeGovernor::sync() {
  SyncReport report;
  const std::vector<EntryId> open = ledger_.list_accessible();
  const std::set<EntryId> want(open.begin(), open.end());
  // Remove first: exactly the governed entries the ledger no longer lets through.
  for (auto it = governed_.begin(); it != governed_.end();) {
    const EntryId e = *it;
    if (want.count(e)) {
      ++it;
      continue;
    }
    if (const auto id = host_.find_constraint(edge_name(e))) saved_[e] = host_.remove_constraint(*id);
    report.removed.push_back(e);
    it = governed_.erase(it);
  }
  for (EntryId e : open) {
    if (governed_.count(e)) continue;
    // read() re-checks access in one snapshot and never returns a
    // quarantined payload.
    const auto payload = ledger_.read(e);
    const auto info = ledger_.entry(e);
    if (!payload || !info) continue;
    ConstraintEdge edge = factory_(*info, *payload);
    edge.name = edge_name(e);
    edge.channel = Channel::kMemory;
    if (auto s = saved_.find(e); s != saved_.end()) {
      edge.lambda_init = s->second.lambda;
      edge.rho_init = s->second.rho;
    }
    host_.add_constraint(std::move(edge));
    governed_.insert(e);
    report.added.push_back(e);
  }
  return report;
}

ViolationId MemoryEdgeGovernor::raise_violation(int layer, std::string_view note) {
  const ViolationId v = ledger_.raise_violation(layer, note);
  sync();
  return v;
}

void MemoryEdgeGovernor::resolve_violation(ViolationId violation, std::string_view note) {
  ledger_.resolve_violation(violation, note);
  sync();
}

std::vector<EntryId> MemoryEdgeGovernor::governed() const {
  return {governed_.begin(), governed_.end()};
}

}  // namespace galt::memory
