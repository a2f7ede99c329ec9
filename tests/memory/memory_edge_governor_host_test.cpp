// MemoryEdgeGovernor against a fake EdgeHost: no optimizer, no solve — the
// governor needs only the graph-level interface (galt/graph/edge_host.h).
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "galt/error.h"
#include "galt/graph/edge_host.h"
#include "galt/memory/memory_edge_governor.h"
#include "memory/test_util.h"

namespace galt::memory {
namespace {

const std::vector<double> kClean = {-1, -1, -1, -1};

// Holds edges by name and records every call; no edge is ever evaluated.
class FakeEdgeHost : public EdgeHost {
 public:
  struct Held {
    ConstraintEdge edge;
    DualValue dual;
  };

  EdgeId add_constraint(ConstraintEdge edge) override {
    if (find_constraint(edge.name)) throw InputError("duplicate edge '" + edge.name + "'");
    const EdgeId id{next_++};
    calls.push_back("add " + edge.name);
    const DualValue dual{edge.lambda_init, edge.rho_init};
    edges.emplace(id.value, Held{std::move(edge), dual});
    return id;
  }

  DualValue remove_constraint(EdgeId id) override {
    const auto it = edges.find(id.value);
    if (it == edges.end()) throw InputError("no edge " + std::to_string(id.value));
    calls.push_back("remove " + it->second.edge.name);
    const DualValue dual = it->second.dual;
    edges.erase(it);
    return dual;
  }

  std::optional<EdgeId> find_constraint(const std::string& name) const override {
    for (const auto& [id, held] : edges) {
      if (held.edge.name == name) return EdgeId{id};
    }
    return std::nullopt;
  }

  DualValue dual_value(EdgeId id) const override { return edges.at(id.value).dual; }

  Held& held(const std::string& name) { return edges.at(find_constraint(name)->value); }

  std::map<std::int64_t, Held> edges;
  std::vector<std::string> calls;

 private:
  std::int64_t next_ = 0;
};

struct FakeRun {
  testing::TempDir dir;
  TraceLedger ledger{TraceLedger::create(dir.file("fake.db"), {}, OpenOptions{.durable = false})};
  FakeEdgeHost host;
  std::vector<std::string> payloads_seen;
  MemoryEdgeGovernor gov{ledger, host, [this](const EntryInfo&, const std::string& payload) {
                           payloads_seen.push_back(payload);
                           ConstraintEdge edge;
                           edge.name = "overwritten by the governor";
                           edge.channel = Channel::kSafety;  // so is this
                           edge.margin = 0.1;
                           return edge;
                         }};

  EntryId consolidated(int layer, const std::string& payload) {
    const EntryId e = ledger.propose(layer, payload);
    ledger.adjudicate(e, kClean);
    ledger.consolidate(e);
    return e;
  }
};

TEST(MemoryEdgeGovernorFakeHost, AddsNamedMemoryEdgesForAccessibleEntriesOnly) {
  FakeRun r;
  const EntryId proposed = r.ledger.propose(2, "not yet adjudicated");
  const EntryId e = r.consolidated(2, "anchors");
  const auto report = r.gov.sync();
  EXPECT_EQ(report.added, std::vector<EntryId>{e});
  EXPECT_TRUE(report.removed.empty());
  EXPECT_EQ(r.host.calls, std::vector<std::string>{"add memory/entry" + std::to_string(e)});
  EXPECT_EQ(r.payloads_seen, std::vector<std::string>{"anchors"});
  const auto& edge = r.host.held(r.gov.edge_name(e)).edge;
  EXPECT_EQ(edge.channel, Channel::kMemory);
  EXPECT_DOUBLE_EQ(edge.margin, 0.1);  // the factory's own fields are kept
  EXPECT_FALSE(r.host.find_constraint(r.gov.edge_name(proposed)));
  EXPECT_TRUE(r.gov.sync().added.empty());  // idempotent: no second add
  EXPECT_EQ(r.host.calls.size(), 1u);
}

TEST(MemoryEdgeGovernorFakeHost, QuarantineRemovesAndRestoresWithTheDuals) {
  FakeRun r;
  const EntryId low = r.consolidated(0, "layer-0 memory");
  const EntryId high = r.consolidated(2, "layer-2 memory");
  r.gov.sync();
  // An edge the governor did not create is never touched.
  ConstraintEdge safety;
  safety.name = "safety";
  r.host.add_constraint(safety);
  r.host.calls.clear();
  // The host's duals moved during training.
  r.host.held(r.gov.edge_name(high)).dual = {.lambda = 0.75, .rho = 4.0};

  const ViolationId v = r.gov.raise_violation(1, "consent withdrawn");  // quarantines m ≥ 1
  EXPECT_EQ(r.gov.governed(), std::vector<EntryId>{low});
  EXPECT_FALSE(r.host.find_constraint(r.gov.edge_name(high)));
  EXPECT_TRUE(r.host.find_constraint("safety"));

  r.gov.resolve_violation(v);
  EXPECT_EQ(r.gov.governed(), (std::vector<EntryId>{low, high}));
  const auto& back = r.host.held(r.gov.edge_name(high)).edge;
  EXPECT_DOUBLE_EQ(back.lambda_init, 0.75);  // given back, not reset
  EXPECT_DOUBLE_EQ(back.rho_init, 4.0);
  const std::string name = r.gov.edge_name(high);
  EXPECT_EQ(r.host.calls, (std::vector<std::string>{"remove " + name, "add " + name}));
}

TEST(MemoryEdgeGovernorFakeHost, AnEdgeTheHostAlreadyDroppedIsNotRemovedTwice) {
  FakeRun r;
  const EntryId e = r.consolidated(3, "preference");
  r.gov.sync();
  r.host.remove_constraint(*r.host.find_constraint(r.gov.edge_name(e)));
  r.host.calls.clear();
  r.gov.raise_violation(0);
  EXPECT_TRUE(r.host.calls.empty());
  EXPECT_TRUE(r.gov.governed().empty());
}

}  // namespace
}  // namespace galt::memory
