// The durable ledger (DESIGN §6): events, trace, residuals, quarantine that
// never deletes, resolve policies, refusal, readers, corruption.
#include "galt/memory/trace_ledger.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "galt/error.h"
#include "memory/test_util.h"

namespace galt::memory {
namespace {

const std::vector<double> kClean = {-1, -1, -1, -1};

std::string trace_text(const TraceLedger& l, EntryId e) {
  std::string s;
  for (const Event& ev : l.trace(e, /*include_violations=*/false)) {
    s += std::to_string(ev.seq) + "|" + to_string(ev.kind) + "|" + std::to_string(ev.layer) + "|" +
         ev.data + "\n";
  }
  return s;
}

TEST(TraceLedger, ProposeAdjudicateConsolidateRead) {
  testing::TempDir dir;
  auto l = TraceLedger::create(dir.file("a.db"));
  const EntryId e = l.propose(2, "anchor buffer of task 3", "task3");
  EXPECT_EQ(l.access(e), Access::kNotConsolidated);
  EXPECT_FALSE(l.read(e));
  const Decision d = l.adjudicate(e, kClean);
  EXPECT_EQ(d.action, Action::kAccept);
  EXPECT_EQ(l.access(e), Access::kNotConsolidated);
  l.consolidate(e);
  EXPECT_EQ(l.access(e), Access::kAccessible);
  EXPECT_EQ(*l.read(e), "anchor buffer of task 3");
  EXPECT_EQ(l.list_accessible(), std::vector<EntryId>{e});
  const auto t = l.trace(e);
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].kind, EventKind::kPropose);
  EXPECT_EQ(t[1].kind, EventKind::kAdjudicate);
  EXPECT_EQ(t[2].kind, EventKind::kConsolidate);
  // The decision is recorded with all C_k and its deciding layer.
  const auto j = nlohmann::json::parse(t[1].data);
  EXPECT_EQ(j.at("constraint_values").size(), 4u);
  EXPECT_EQ(j.at("deciding_layer"), -1);
  EXPECT_EQ(l.access(12345), Access::kUnknownEntry);
}

TEST(TraceLedger, ConsolidatingWithoutAcceptingDecisionIsRefused) {
  testing::TempDir dir;
  auto l = TraceLedger::create(dir.file("a.db"));
  const EntryId p = l.propose(1, "never adjudicated");
  EXPECT_THROW(l.consolidate(p), InputError);
  const EntryId r = l.propose(1, "hard violation");
  EXPECT_EQ(l.adjudicate(r, {0.9, -1, -1, -1}).action, Action::kReject);
  const std::int64_t before = l.event_count();
  try {
    l.consolidate(r);
    FAIL() << "consolidate must be refused";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
  }
  EXPECT_EQ(l.event_count(), before);  // the refusal left nothing behind
  const EntryId nw = l.propose(1, "transient");
  l.adjudicate(nw, kClean, /*no_write=*/true);
  EXPECT_THROW(l.consolidate(nw), InputError);
  EXPECT_EQ(l.entry(r)->status, EntryStatus::kRejected);
  // Adjudicating twice is refused too (re-adjudication is its own event).
  EXPECT_THROW(l.adjudicate(r, kClean), InputError);
}

TEST(TraceLedger, QuarantineThenResolveIsNonDestructive) {
  testing::TempDir dir;
  auto l = TraceLedger::create(dir.file("a.db"));
  std::string payload(300, '\0');
  for (int i = 0; i < 300; ++i) payload[i] = static_cast<char>(i * 7);
  const EntryId e = l.propose(3, payload, "binary");
  l.adjudicate(e, kClean);
  l.consolidate(e);
  const std::string trace_before = trace_text(l, e);
  const std::string payload_before = *l.read(e);
  const ViolationId v = l.raise_violation(1, "consent withdrawn");
  EXPECT_EQ(l.access(e), Access::kQuarantined);
  EXPECT_FALSE(l.read(e).has_value());
  const auto exported = l.export_json();
  EXPECT_TRUE(exported.at("entries")[0].at("payload").is_null());
  l.resolve_violation(v, "teacher ruling");
  ASSERT_EQ(l.access(e), Access::kAccessible);
  EXPECT_EQ(*l.read(e), payload_before);
  EXPECT_EQ(*l.read(e), payload);
  EXPECT_EQ(trace_text(l, e), trace_before);
  // The full trace shows the raise and the resolve that touched it.
  const auto full = l.trace(e);
  ASSERT_EQ(full.size(), 5u);
  EXPECT_EQ(full[3].kind, EventKind::kRaiseViolation);
  EXPECT_EQ(full[4].kind, EventKind::kResolveViolation);
}

TEST(TraceLedger, TopDownViolationIsContained) {
  testing::TempDir dir;
  auto l = TraceLedger::create(dir.file("a.db"));
  const EntryId low = l.propose(1, "consent-based fact");
  l.adjudicate(low, kClean);
  l.consolidate(low);
  const EntryId high = l.propose(3, "preference");
  l.adjudicate(high, kClean);
  l.consolidate(high);
  l.raise_violation(2, "workflow rule broken");
  EXPECT_TRUE(l.accessible(low));
  EXPECT_FALSE(l.accessible(high));
  EXPECT_EQ(l.list_accessible(), std::vector<EntryId>{low});
}

TEST(TraceLedger, ResolvePolicyReadjudicateKeepsEntriesClosedUntilRuling) {
  testing::TempDir dir;
  LedgerOptions o;
  o.on_resolve = ResolvePolicy::kReadjudicate;
  auto l = TraceLedger::create(dir.file("a.db"), o);
  const EntryId below = l.propose(0, "below");
  const EntryId above = l.propose(2, "above");
  for (EntryId e : {below, above}) {
    l.adjudicate(e, kClean);
    l.consolidate(e);
  }
  const ViolationId v = l.raise_violation(1);
  EXPECT_TRUE(l.accessible(below));
  EXPECT_EQ(l.access(above), Access::kQuarantined);
  l.resolve_violation(v);
  EXPECT_TRUE(l.accessible(below));  // it was never quarantined
  EXPECT_EQ(l.access(above), Access::kNeedsReadjudication);
  EXPECT_FALSE(l.read(above));
  l.readjudicate(above, kClean, false, "teacher: still fine");
  EXPECT_EQ(l.access(above), Access::kAccessible);
  EXPECT_EQ(*l.read(above), "above");
  // A rejecting ruling withdraws a consolidated entry but keeps its payload.
  const ViolationId v2 = l.raise_violation(2);
  l.resolve_violation(v2);
  const Decision d = l.readjudicate(above, {-1, -1, 0.8, -1});
  EXPECT_EQ(d.action, Action::kAcceptWithResidual);  // layer 2 is soft
  EXPECT_EQ(l.access(above), Access::kAccessible);
  l.readjudicate(above, {-1, 0.8, -1, -1});
  EXPECT_EQ(l.access(above), Access::kNotConsolidated);
  EXPECT_EQ(l.entry(above)->payload_bytes, 5);
}

TEST(TraceLedger, ResidualLedgerOpensAndClosesDebts) {
  testing::TempDir dir;
  auto l = TraceLedger::create(dir.file("a.db"));
  const EntryId soft = l.propose(3, "prefers terse answers");
  l.adjudicate(soft, {-1, -1, -1, 0.3});  // soft debt, accepted with gate 0.5
  const EntryId amb = l.propose(1, "maybe consented");
  l.adjudicate(amb, {-1, 0.0, -1, -1});
  auto open = l.residuals(true);
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].kind, ResidualKind::kSoftRuleDebt);
  EXPECT_EQ(open[0].layer, 3);
  EXPECT_EQ(open[1].kind, ResidualKind::kBoundaryAmbiguity);
  l.consolidate(soft);
  EXPECT_DOUBLE_EQ(l.entry(soft)->gate, 0.5);
  // A later ruling settles the ambiguity.
  l.readjudicate(amb, kClean, false, "consent confirmed");
  open = l.residuals(true);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].entry, soft);
  l.close_residual(open[0].id, "teacher accepts the debt");
  EXPECT_TRUE(l.residuals(true).empty());
  EXPECT_EQ(l.residuals(false).size(), 2u);
  EXPECT_THROW(l.close_residual(open[0].id), InputError);
  l.consolidate(amb);
  EXPECT_TRUE(l.accessible(amb));
}

TEST(TraceLedger, BadRequestsAreInputErrorsAndChangeNothing) {
  testing::TempDir dir;
  auto l = TraceLedger::create(dir.file("a.db"));
  EXPECT_THROW(l.propose(4, "x"), InputError);
  EXPECT_THROW(l.propose(-1, "x"), InputError);
  EXPECT_THROW(l.raise_violation(9), InputError);
  EXPECT_THROW(l.resolve_violation(77), InputError);
  const EntryId e = l.propose(0, "x");
  EXPECT_THROW(l.adjudicate(e, {-1, -1}), InputError);
  EXPECT_THROW(l.adjudicate(999, kClean), InputError);
  const ViolationId v = l.raise_violation(0);
  l.resolve_violation(v);
  EXPECT_THROW(l.resolve_violation(v), InputError);
  EXPECT_EQ(l.event_count(), 3);
  EXPECT_THROW(TraceLedger::create(dir.file("a.db")), InputError);  // exists
  EXPECT_THROW(TraceLedger::open(dir.file("missing.db")), InputError);
  LedgerOptions bad;
  bad.stack.layers = 3;  // default hard {0,1} fits, names do not
  bad.stack.names = {"a"};
  EXPECT_THROW(TraceLedger::create(dir.file("b.db"), bad), InputError);
}

// Labels and notes go into the ledger's JSON, which must be UTF-8: other
// bytes are bad input, refused before anything is written. They were a
// nlohmann type_error (exit 1 from `galt memory raise --note $'\xff'`); found
// with the ledger fuzzer (its input: fuzz/regressions/ledger/).
TEST(TraceLedger, LabelsAndNotesThatAreNotUtf8AreInputErrors) {
  testing::TempDir dir;
  auto l = TraceLedger::create(dir.file("a.db"));
  const std::string bad = "ok \xff\xfe";
  EXPECT_THROW(l.propose(0, "x", bad), InputError);
  EXPECT_THROW(l.raise_violation(0, bad), InputError);
  const EntryId e = l.propose(0, "x", "caf\xc3\xa9");  // UTF-8 is fine
  l.adjudicate(e, kClean);
  EXPECT_THROW(l.readjudicate(e, kClean, false, bad), InputError);
  const ViolationId v = l.raise_violation(0, "n");
  EXPECT_THROW(l.resolve_violation(v, bad), InputError);
  EXPECT_EQ(l.event_count(), 3);  // propose, adjudicate, raise
  EXPECT_EQ(l.entry(e)->label, "caf\xc3\xa9");
}

TEST(TraceLedger, BatchCommitsTogetherOrNotAtAll) {
  testing::TempDir dir;
  auto l = TraceLedger::create(dir.file("a.db"));
  {
    TraceLedger::Batch b(l);
    for (int i = 0; i < 10; ++i) l.propose(i % 4, "p" + std::to_string(i));
    // A refused operation inside the batch rolls back only itself.
    EXPECT_THROW(l.consolidate(1), InputError);
    b.commit();
  }
  EXPECT_EQ(l.event_count(), 10);
  {
    TraceLedger::Batch b(l);
    l.propose(0, "lost");
    l.raise_violation(0);
  }  // destroyed uncommitted
  EXPECT_EQ(l.event_count(), 10);
  EXPECT_EQ(l.active_layers(), 0u);
  // The chain still verifies after a rollback and further appends.
  l.propose(1, "after");
  EXPECT_NO_THROW(l.verify());
  EXPECT_EQ(l.entries().size(), 11u);
}

TEST(TraceLedger, SingleWriterConcurrentReaders) {
  testing::TempDir dir;
  const std::string path = dir.file("a.db");
  auto w = TraceLedger::create(path);
  EXPECT_THROW(TraceLedger::open(path), InputError);  // a second writer
  auto r = TraceLedger::open(path, {.read_only = true});
  EXPECT_THROW(r.propose(0, "x"), InputError);
  const EntryId e = w.propose(2, "shared");
  w.adjudicate(e, kClean);
  w.consolidate(e);
  EXPECT_EQ(*r.read(e), "shared");  // the reader sees the writer's commits
  const ViolationId v = w.raise_violation(0);
  EXPECT_FALSE(r.read(e));
  EXPECT_EQ(r.access(e), Access::kQuarantined);
  w.resolve_violation(v);
  EXPECT_TRUE(r.accessible(e));
  // The writer lock is released on close.
  { auto moved = std::move(w); }
  EXPECT_NO_THROW(TraceLedger::open(path));
}

TEST(TraceLedger, ReopenRestoresStateAndOptions) {
  testing::TempDir dir;
  const std::string path = dir.file("a.db");
  nlohmann::json before;
  {
    LedgerOptions o;
    o.stack.layers = 6;
    o.stack.hard = {0, 2};
    o.access = AccessPolicyKind::kHierarchical;
    o.on_resolve = ResolvePolicy::kReadjudicate;
    auto l = TraceLedger::create(path, o);
    const EntryId e = l.propose(5, "deep");
    l.adjudicate(e, std::vector<double>(6, -1.0));
    l.consolidate(e);
    l.raise_violation(4, "upper");
    before = l.export_json();
  }
  auto l = TraceLedger::open(path);
  EXPECT_EQ(l.stack().size(), 6);
  EXPECT_TRUE(l.stack().is_hard(2));
  EXPECT_EQ(l.resolve_policy(), ResolvePolicy::kReadjudicate);
  EXPECT_EQ(l.export_json(), before);
  EXPECT_EQ(l.access(1), Access::kQuarantined);
}

// --- corruption --------------------------------------------------------------

std::string make_small_ledger(const testing::TempDir& dir, const std::string& name) {
  const std::string path = dir.file(name);
  auto l = TraceLedger::create(path);
  for (int i = 0; i < 50; ++i) {
    const EntryId e = l.propose(i % 4, "payload number " + std::to_string(i) + " with padding");
    l.adjudicate(e, kClean);
    l.consolidate(e);
  }
  return path;
}

void expect_input_error_mentioning(const std::string& path, const std::string& word) {
  try {
    auto l = TraceLedger::open(path);
    // Structural damage may surface only when the data are touched.
    l.export_json();
    FAIL() << "corruption of " << path << " not detected";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(word), std::string::npos) << e.what();
  }
}

TEST(TraceLedgerCorruption, GarbageFileIsNotALedger) {
  testing::TempDir dir;
  const std::string path = dir.file("junk.db");
  std::ofstream(path) << std::string(8192, 'x');
  expect_input_error_mentioning(path, "corrupt");
}

TEST(TraceLedgerCorruption, ForeignSqliteDatabaseIsRejected) {
  testing::TempDir dir;
  const std::string path = dir.file("other.db");
  {
    sqlite3* h = nullptr;
    sqlite3_open(path.c_str(), &h);
    sqlite3_exec(h, "CREATE TABLE t(x); INSERT INTO t VALUES(1);", nullptr, nullptr, nullptr);
    sqlite3_close(h);
  }
  expect_input_error_mentioning(path, "not a galt trace ledger");
}

TEST(TraceLedgerCorruption, FlippedPayloadTextIsDetectedByTheChain) {
  testing::TempDir dir;
  const std::string path = make_small_ledger(dir, "a.db");
  // Flip a byte inside an event's JSON text, in place (valid SQLite pages).
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), {});
  const auto pos = bytes.find("payload_hash");
  ASSERT_NE(pos, std::string::npos);
  f.seekp(static_cast<std::streamoff>(pos));
  f.put('P');
  f.close();
  expect_input_error_mentioning(path, "checksum");
}

TEST(TraceLedgerCorruption, FlippedPayloadBytesAreDetectedOnRead) {
  testing::TempDir dir;
  const std::string path = make_small_ledger(dir, "a.db");
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), {});
  const auto pos = bytes.find("payload number 7 with");
  ASSERT_NE(pos, std::string::npos);
  f.seekp(static_cast<std::streamoff>(pos));
  f.put('Q');
  f.close();
  auto l = TraceLedger::open(path);  // the event chain is intact
  try {
    for (EntryId e = 1; e <= 50; ++e) (void)l.read(e);
    FAIL() << "payload corruption not detected";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
}

TEST(TraceLedgerCorruption, TruncatedOrSmashedPagesAreDetected) {
  testing::TempDir dir;
  const std::string path = make_small_ledger(dir, "a.db");
  const auto size = std::filesystem::file_size(path);
  ASSERT_GT(size, 8192u);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size / 2));
    const std::string junk(2048, static_cast<char>(0xA5));
    f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  try {
    auto l = TraceLedger::open(path);
    l.export_json();
    FAIL() << "smashed page not detected";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace galt::memory
