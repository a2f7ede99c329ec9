// TraceLedger: the durable, append-only record of a trace memory
// (DESIGN §6), an embedded SQLite database in WAL mode.
//
//   auto ledger = TraceLedger::create("mem.db", LedgerOptions{});
//   EntryId e = ledger.propose(/*memory_layer=*/2, "anchor buffer of task 3");
//   ledger.adjudicate(e, {-1.0, -0.8, -0.5, -0.3});   // C_k per layer
//   ledger.consolidate(e);                             // refused unless accepted
//   ViolationId v = ledger.raise_violation(/*layer=*/1, "consent withdrawn");
//   ledger.accessible(e);   // false: a violation at layer 1 ≤ 2 (bottom-up)
//   ledger.resolve_violation(v, "teacher ruling");
//   ledger.accessible(e);   // true again (or after re-adjudication, by policy)
//
// Semantics:
// - Every state change is an event appended to the `events` table (propose,
//   adjudicate, consolidate, raise/resolve violation, re-adjudicate,
//   open/close residual). Events are never updated or deleted (SQL triggers
//   refuse it) and each carries a checksum chained over its predecessor, so
//   corruption of any committed record is detected on open.
// - Every decision is stored with its deciding layer and all C_k.
// - Access is computed at query time from the entry's layer and status and
//   the set of active violations, by the ledger's AccessPolicy.
//   Quarantine never deletes or rewrites a payload.
// - On resolve, a quarantined entry either regains access (ResolvePolicy::
//   kRestore) or stays closed until re-adjudicated (kReadjudicate).
// - The read API (read, list_accessible, export_json) never returns the
//   payload of an entry that is not accessible.
// - One writer (a process-wide lock file `<path>-writer.lock`; a second
//   writer gets galt::InputError), any number of concurrent readers (open
//   with OpenOptions::read_only). One TraceLedger object is not thread-safe;
//   give each thread its own.
// - Durability: with OpenOptions::durable (default) every commit is fsynced
//   (synchronous=FULL). A kill at any point loses at most the uncommitted
//   transaction; group many appends into one Batch for throughput.
// - Corruption (not a SQLite file, not a galt ledger, a malformed page, a
//   broken checksum chain, a payload whose hash does not match) is reported
//   as galt::InputError naming the file and what is wrong.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "galt/memory/access_policy.h"
#include "galt/memory/adjudicator.h"
#include "galt/memory/labels.h"
#include "galt/memory/safety_stack.h"

namespace galt::memory {

using EntryId = std::int64_t;
using ViolationId = std::int64_t;
using ResidualId = std::int64_t;

/// What resolving a violation does to the entries it quarantined.
enum class ResolvePolicy {
  kRestore,       ///< access returns as soon as no violation blocks it
  kReadjudicate,  ///< the entries stay closed until re-adjudicated
};
const char* to_string(ResolvePolicy p);
ResolvePolicy parse_resolve_policy(const std::string& s);

/// Fixed when the ledger is created and stored in it.
struct LedgerOptions {
  SafetyStackOptions stack;
  AdjudicatorOptions adjudicator;
  /// Access rule. Default hierarchical; the baselines exist for experiments.
  AccessPolicyKind access = AccessPolicyKind::kHierarchical;
  /// Default kRestore.
  ResolvePolicy on_resolve = ResolvePolicy::kRestore;
};

/// Per-connection options.
struct OpenOptions {
  /// Open without write access (a concurrent reader). Default false.
  bool read_only = false;
  /// Check the file on open: SQLite quick_check plus the event checksum
  /// chain (O(events)). Default true.
  bool verify = true;
  /// fsync every commit (synchronous=FULL). false: synchronous=NORMAL,
  /// which survives a process kill but not a power cut. Default true.
  bool durable = true;
  /// How long to wait for a lock held by another connection. Default 5 s.
  int busy_timeout_ms = 5000;
};

/// One row of the append-only event log.
struct Event {
  std::int64_t seq = 0;  ///< 1-based position in the log
  EventKind kind = EventKind::kPropose;
  EntryId entry = 0;          ///< 0 when the event concerns no entry
  ViolationId violation = 0;  ///< 0 when none
  ResidualId residual = 0;    ///< 0 when none
  int layer = -1;             ///< entry/violation/deciding layer, −1 when none
  std::string data;           ///< JSON object (the decision, note, gate…)
};

struct EntryInfo {
  EntryId id = 0;
  int memory_layer = 0;
  std::string label;
  EntryStatus status = EntryStatus::kProposed;
  bool needs_readjudication = false;
  double gate = 0.0;  ///< a of the last accepting decision
  std::int64_t payload_bytes = 0;
};

struct Violation {
  ViolationId id = 0;
  int layer = 0;
  bool active = true;
  std::string note;
  std::int64_t raised_seq = 0;
  std::int64_t resolved_seq = 0;  ///< 0 while active
};

struct Residual {
  ResidualId id = 0;
  EntryId entry = 0;
  ResidualKind kind = ResidualKind::kNone;
  int layer = -1;
  bool open = true;
  std::int64_t opened_seq = 0;
  std::int64_t closed_seq = 0;  ///< 0 while open
};

/// Why an entry can or cannot be read.
enum class Access {
  kAccessible,
  kQuarantined,          ///< an active violation blocks it (by the policy)
  kNotConsolidated,      ///< proposed, rejected, held, or accepted only
  kNeedsReadjudication,  ///< ResolvePolicy::kReadjudicate after a resolve
  kUnknownEntry,
};
const char* to_string(Access a);

class TraceLedger {
 public:
  /// Creates a new ledger file; throws galt::InputError if `path` exists or
  /// the options are invalid.
  static TraceLedger create(const std::string& path, const LedgerOptions& options = {},
                            OpenOptions open = {});
  /// Opens an existing ledger; throws galt::InputError if it is missing,
  /// corrupt, not a galt ledger, or (for a writer) already open for writing.
  static TraceLedger open(const std::string& path, OpenOptions open = {});

  TraceLedger(TraceLedger&&) noexcept;
  TraceLedger& operator=(TraceLedger&&) noexcept;
  ~TraceLedger();

  // --- writes (each its own transaction unless a Batch is open) ---------

  /// Records a candidate memory depending on layer `memory_layer`.
  EntryId propose(int memory_layer, std::string_view payload, std::string_view label = "");
  /// Runs the adjudicator on the entry (status proposed) with its C_k;
  /// opens a residual when the decision leaves one. Throws InputError if
  /// the entry is unknown or was already adjudicated (use readjudicate).
  Decision adjudicate(EntryId entry, const std::vector<double>& constraint_values,
                      bool no_write = false);
  /// Consolidates an accepted entry with the gate of its decision. Throws
  /// InputError ("refused") unless its last decision accepts it.
  void consolidate(EntryId entry);
  ViolationId raise_violation(int layer, std::string_view note = "");
  /// Throws InputError if the violation is unknown or already resolved.
  void resolve_violation(ViolationId violation, std::string_view note = "");
  /// A later ruling (e.g. a teacher's): closes the entry's open residuals,
  /// records the new decision, clears a pending re-adjudication. An
  /// accepting ruling keeps a consolidated entry consolidated; a rejecting
  /// one withdraws it (the payload is kept).
  Decision readjudicate(EntryId entry, const std::vector<double>& constraint_values,
                        bool no_write = false, std::string_view note = "");
  /// Closes one residual without a new decision.
  void close_residual(ResidualId residual, std::string_view note = "");

  /// Groups writes into one transaction (one fsync). Commit explicitly; a
  /// Batch destroyed uncommitted rolls back and leaves the ledger as it was.
  class Batch {
   public:
    explicit Batch(TraceLedger& ledger);
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    ~Batch();
    void commit();

   private:
    TraceLedger* ledger_;
    bool done_ = false;
  };

  // --- reads (computed at query time) ------------------------------------

  Access access(EntryId entry) const;
  bool accessible(EntryId entry) const { return access(entry) == Access::kAccessible; }
  /// The payload, only if the entry is accessible; std::nullopt otherwise.
  /// Throws InputError if the stored payload fails its checksum.
  std::optional<std::string> read(EntryId entry) const;
  std::vector<EntryId> list_accessible() const;
  std::optional<EntryInfo> entry(EntryId entry) const;
  std::vector<EntryInfo> entries() const;
  std::vector<Violation> violations(bool active_only = false) const;
  std::vector<Residual> residuals(bool open_only = false) const;
  /// The ordered history of an entry: its own events, and with
  /// include_violations the raise/resolve events (after its proposal) of
  /// violations whose layer could block it under the ledger's policy.
  std::vector<Event> trace(EntryId entry, bool include_violations = true) const;
  /// Layers with at least one active violation.
  LayerMask active_layers() const;
  std::int64_t event_count() const;
  /// Everything but the payloads of entries that are not accessible.
  nlohmann::json export_json() const;
  /// Runs the corruption checks (what open() does with verify = true).
  void verify() const;

  const SafetyStack& stack() const;
  const Adjudicator& adjudicator() const;
  AccessPolicy access_policy() const;
  ResolvePolicy resolve_policy() const;
  const std::string& path() const;

 private:
  struct Impl;
  explicit TraceLedger(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace galt::memory
