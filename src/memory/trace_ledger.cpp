// The durable trace ledger on SQLite (DESIGN §6). See trace_ledger.h for the
// semantics; this file holds the schema and the bookkeeping.
#include "galt/memory/trace_ledger.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "galt/error.h"
#include "memory/json_fields.h"
#include "memory/sqlite_db.h"

namespace galt::memory {
namespace {

using detail::Db;
using detail::Stmt;

constexpr int kApplicationId = 0x47414C54;  // "GALT"
constexpr int kFormatVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE events(seq INTEGER PRIMARY KEY, kind INTEGER NOT NULL, entry INTEGER NOT NULL,
                    violation INTEGER NOT NULL, residual INTEGER NOT NULL,
                    layer INTEGER NOT NULL, data TEXT NOT NULL, chk INTEGER NOT NULL);
CREATE INDEX events_by_entry ON events(entry) WHERE entry <> 0;
CREATE TABLE entries(id INTEGER PRIMARY KEY, memory_layer INTEGER NOT NULL,
                     status INTEGER NOT NULL, needs_readj INTEGER NOT NULL,
                     gate REAL NOT NULL, label TEXT NOT NULL, proposed_seq INTEGER NOT NULL);
CREATE TABLE payloads(id INTEGER PRIMARY KEY, bytes BLOB NOT NULL, hash INTEGER NOT NULL);
CREATE TABLE violations(id INTEGER PRIMARY KEY, layer INTEGER NOT NULL, active INTEGER NOT NULL,
                        note TEXT NOT NULL, raised_seq INTEGER NOT NULL,
                        resolved_seq INTEGER NOT NULL);
CREATE TABLE residuals(id INTEGER PRIMARY KEY, entry INTEGER NOT NULL, kind INTEGER NOT NULL,
                       layer INTEGER NOT NULL, open INTEGER NOT NULL,
                       opened_seq INTEGER NOT NULL, closed_seq INTEGER NOT NULL);
CREATE INDEX residuals_open_by_entry ON residuals(entry) WHERE open = 1;
-- The mask of layers with an active violation, read in the same snapshot
-- as the entry by every access query.
CREATE TABLE state(id INTEGER PRIMARY KEY CHECK (id = 1), mask INTEGER NOT NULL);
INSERT INTO state VALUES (1, 0);
-- Append-only: history and payloads are never rewritten (DESIGN §6:
-- quarantine never deletes).
CREATE TRIGGER events_append_only_u BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_d BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER payloads_immutable_u BEFORE UPDATE ON payloads
  BEGIN SELECT RAISE(ABORT, 'payloads are immutable'); END;
CREATE TRIGGER payloads_immutable_d BEFORE DELETE ON payloads
  BEGIN SELECT RAISE(ABORT, 'payloads are immutable'); END;
CREATE TRIGGER entries_kept BEFORE DELETE ON entries
  BEGIN SELECT RAISE(ABORT, 'entries are never deleted'); END;
)sql";

// FNV-1a, 64 bit: detects accidental corruption (not an adversary).
struct Fnv {
  std::uint64_t h = 1469598103934665603ULL;
  void bytes(const void* p, std::size_t n) {
    const auto* c = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) {
      h ^= c[i];
      h *= 1099511628211ULL;
    }
  }
  void i64(std::int64_t v) { bytes(&v, sizeof v); }
};

std::int64_t payload_hash(std::string_view p) {
  Fnv f;
  f.bytes(p.data(), p.size());
  return static_cast<std::int64_t>(f.h);
}

std::int64_t chain(std::int64_t prev, std::int64_t seq, int kind, std::int64_t entry,
                   std::int64_t violation, std::int64_t residual, int layer,
                   std::string_view data) {
  Fnv f;
  f.i64(prev);
  f.i64(seq);
  f.i64(kind);
  f.i64(entry);
  f.i64(violation);
  f.i64(residual);
  f.i64(layer);
  f.bytes(data.data(), data.size());
  return static_cast<std::int64_t>(f.h);
}

bool file_exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

EntryStatus status_of(int code, const std::string& path) {
  if (code < 0 || code > static_cast<int>(EntryStatus::kConsolidated)) {
    throw InputError("trace ledger '" + path + "': corrupt entry status " + std::to_string(code));
  }
  return static_cast<EntryStatus>(code);
}

}  // namespace

const char* to_string(ResolvePolicy p) {
  return p == ResolvePolicy::kRestore ? "restore" : "readjudicate";
}
ResolvePolicy parse_resolve_policy(const std::string& s) {
  if (s == "restore") return ResolvePolicy::kRestore;
  if (s == "readjudicate") return ResolvePolicy::kReadjudicate;
  throw InputError("resolve policy: unknown '" + s + "' (expected restore or readjudicate)");
}

const char* to_string(Access a) {
  switch (a) {
    case Access::kAccessible:
      return "accessible";
    case Access::kQuarantined:
      return "quarantined";
    case Access::kNotConsolidated:
      return "not_consolidated";
    case Access::kNeedsReadjudication:
      return "needs_readjudication";
    case Access::kUnknownEntry:
      return "unknown_entry";
  }
  return "?";
}

struct TraceLedger::Impl {
  std::string path;
  bool read_only = false;
  int lock_fd = -1;
  Db db;
  Adjudicator adjudicator{SafetyStack{}};
  AccessPolicy policy;
  ResolvePolicy on_resolve = ResolvePolicy::kRestore;

  // Writer-side bookkeeping, restored on rollback.
  struct Cursor {
    std::int64_t last_seq = 0;
    std::int64_t last_chk = 0;
    std::array<int, 64> active_count{};
  };
  Cursor cur;
  Cursor batch_snapshot;
  bool in_batch = false;

  Stmt ins_event, ins_entry, ins_payload, ins_violation, ins_residual;
  Stmt get_access, get_entry, get_payload, set_status, set_mask, set_violation_resolved;
  Stmt get_violation, open_residuals_of, close_residual_row, get_residual;
  Stmt events_of_entry, event_by_seq;
  // Transaction control, prepared once (sqlite3_exec would re-parse them on
  // every append).
  Stmt sp_begin, sp_release, sp_rollback, tx_begin, tx_commit, tx_rollback;

  ~Impl() {
    // Finalize the statements and close the database before releasing the
    // writer lock, so a waiting writer never overlaps with this one.
    for (Stmt* s : {&ins_event,
                    &ins_entry,
                    &ins_payload,
                    &ins_violation,
                    &ins_residual,
                    &get_access,
                    &get_entry,
                    &get_payload,
                    &set_status,
                    &set_mask,
                    &set_violation_resolved,
                    &get_violation,
                    &open_residuals_of,
                    &close_residual_row,
                    &get_residual,
                    &events_of_entry,
                    &event_by_seq,
                    &sp_begin,
                    &sp_release,
                    &sp_rollback,
                    &tx_begin,
                    &tx_commit,
                    &tx_rollback}) {
      *s = Stmt();
    }
    db = Db();
    if (lock_fd >= 0) ::close(lock_fd);
  }

  [[noreturn]] void input_error(const std::string& what) const {
    throw InputError("trace ledger '" + path + "': " + what);
  }

  void require_writer(const char* op) const {
    if (read_only) input_error(std::string(op) + ": the ledger is open read-only");
  }

  void take_writer_lock() {
    const std::string lock_path = path + "-writer.lock";
    lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd < 0)
      input_error("cannot open lock file " + lock_path + ": " + std::strerror(errno));
    if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(lock_fd);
      lock_fd = -1;
      input_error("already open for writing by another process or object (single writer)");
    }
  }

  void configure(const OpenOptions& o) {
    sqlite3_busy_timeout(db.handle(), o.busy_timeout_ms);
    if (!read_only) {
      db.exec("PRAGMA journal_mode=WAL");
      db.exec(o.durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    }
    db.exec("PRAGMA cache_size=-65536");
    db.exec("PRAGMA foreign_keys=OFF");
  }

  void prepare() {
    ins_event = Stmt(db,
                     "INSERT INTO events(seq,kind,entry,violation,residual,layer,data,chk) "
                     "VALUES(?1,?2,?3,?4,?5,?6,?7,?8)");
    ins_entry = Stmt(db,
                     "INSERT INTO entries(id,memory_layer,status,needs_readj,gate,label,"
                     "proposed_seq) VALUES(NULL,?1,0,0,0.0,?2,?3)");
    ins_payload = Stmt(db, "INSERT INTO payloads(id,bytes,hash) VALUES(?1,?2,?3)");
    ins_violation = Stmt(db,
                         "INSERT INTO violations(id,layer,active,note,raised_seq,resolved_seq) "
                         "VALUES(NULL,?1,1,?2,?3,0)");
    ins_residual = Stmt(db,
                        "INSERT INTO residuals(id,entry,kind,layer,open,opened_seq,closed_seq) "
                        "VALUES(NULL,?1,?2,?3,1,?4,0)");
    get_access = Stmt(db,
                      "SELECT e.memory_layer, e.status, e.needs_readj, s.mask "
                      "FROM entries e, state s WHERE e.id = ?1 AND s.id = 1");
    get_entry = Stmt(db,
                     "SELECT e.id, e.memory_layer, e.label, e.status, e.needs_readj, e.gate, "
                     "length(p.bytes), e.proposed_seq FROM entries e JOIN payloads p ON "
                     "p.id = e.id WHERE e.id = ?1");
    get_payload = Stmt(db, "SELECT bytes, hash FROM payloads WHERE id = ?1");
    set_status = Stmt(db, "UPDATE entries SET status=?2, needs_readj=?3, gate=?4 WHERE id=?1");
    set_mask = Stmt(db, "UPDATE state SET mask = ?1 WHERE id = 1");
    set_violation_resolved =
        Stmt(db, "UPDATE violations SET active = 0, resolved_seq = ?2 WHERE id = ?1");
    get_violation = Stmt(db,
                         "SELECT id, layer, active, note, raised_seq, resolved_seq FROM "
                         "violations WHERE id = ?1");
    open_residuals_of = Stmt(db, "SELECT id FROM residuals WHERE entry = ?1 AND open = 1");
    close_residual_row = Stmt(db, "UPDATE residuals SET open = 0, closed_seq = ?2 WHERE id = ?1");
    get_residual = Stmt(db,
                        "SELECT id, entry, kind, layer, open, opened_seq, closed_seq FROM "
                        "residuals WHERE id = ?1");
    events_of_entry = Stmt(db,
                           "SELECT seq, kind, entry, violation, residual, layer, data FROM events "
                           "WHERE entry = ?1 AND entry <> 0 ORDER BY seq");
    sp_begin = Stmt(db, "SAVEPOINT op");
    sp_release = Stmt(db, "RELEASE op");
    sp_rollback = Stmt(db, "ROLLBACK TO op");
    tx_begin = Stmt(db, "BEGIN IMMEDIATE");
    tx_commit = Stmt(db, "COMMIT");
    tx_rollback = Stmt(db, "ROLLBACK");
    event_by_seq = Stmt(db,
                        "SELECT seq, kind, entry, violation, residual, layer, data FROM events "
                        "WHERE seq = ?1");
  }

  void load_meta() {
    if (db.scalar("PRAGMA application_id") != kApplicationId) {
      input_error("not a galt trace ledger (application_id mismatch)");
    }
    if (db.scalar("PRAGMA user_version") != kFormatVersion) {
      input_error("unsupported ledger format version " +
                  std::to_string(db.scalar("PRAGMA user_version")) + " (expected " +
                  std::to_string(kFormatVersion) + ")");
    }
    Stmt q(db, "SELECT value FROM meta WHERE key = 'options'");
    if (!q.step()) input_error("meta table has no 'options' row");
    const std::string text = q.text(0);
    q.reset();
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
      SafetyStack stack = SafetyStack::from_json(j.at("stack"));
      adjudicator = Adjudicator(stack, Adjudicator::options_from_json(j.at("adjudicator")));
      policy = AccessPolicy(parse_access_policy(j.at("access").get<std::string>()));
      on_resolve = parse_resolve_policy(j.at("on_resolve").get<std::string>());
    } catch (const nlohmann::json::exception& e) {
      input_error(std::string("meta 'options' is not valid: ") + e.what());
    } catch (const InputError& e) {
      input_error(std::string("meta 'options' is not valid: ") + e.what());
    }
  }

  void load_cursor() {
    cur = Cursor{};
    Stmt last(db, "SELECT seq, chk FROM events ORDER BY seq DESC LIMIT 1");
    if (last.step()) {
      cur.last_seq = last.i64(0);
      cur.last_chk = last.i64(1);
    }
    last.reset();
    Stmt act(db, "SELECT layer FROM violations WHERE active = 1");
    while (act.step()) {
      const int layer = act.i32(0);
      if (layer < 0 || layer >= adjudicator.stack().size()) {
        input_error("corrupt violation layer " + std::to_string(layer));
      }
      ++cur.active_count[layer];
    }
    act.reset();
  }

  LayerMask mask_from_counts() const {
    LayerMask m = 0;
    for (int k = 0; k < 64; ++k) {
      if (cur.active_count[k] > 0) m |= LayerMask{1} << k;
    }
    return m;
  }

  void verify() {
    {
      Stmt q(db, "PRAGMA quick_check");
      std::string first;
      if (q.step()) first = q.text(0);
      q.reset();
      if (first != "ok") input_error("the file is corrupt (quick_check: " + first + ")");
    }
    Stmt all(db,
             "SELECT seq, kind, entry, violation, residual, layer, data, chk FROM events "
             "ORDER BY seq");
    std::int64_t prev = 0, expect_seq = 1, proposals = 0, raises = 0;
    while (all.step()) {
      const std::int64_t seq = all.i64(0);
      const int kind = all.i32(1);
      const std::string text = all.text(6);
      if (seq != expect_seq) {
        all.reset();
        input_error("the event log is corrupt: event " + std::to_string(expect_seq) +
                    " is missing (found " + std::to_string(seq) + ")");
      }
      const std::int64_t c =
          chain(prev, seq, kind, all.i64(2), all.i64(3), all.i64(4), all.i32(5), text);
      if (c != all.i64(7)) {
        all.reset();
        input_error("the event log is corrupt: checksum mismatch at event " + std::to_string(seq));
      }
      if (kind == static_cast<int>(EventKind::kPropose)) ++proposals;
      if (kind == static_cast<int>(EventKind::kRaiseViolation)) ++raises;
      prev = c;
      ++expect_seq;
    }
    all.reset();
    if (db.scalar("SELECT count(*) FROM entries") != proposals ||
        db.scalar("SELECT count(*) FROM payloads") != proposals) {
      input_error("the entry tables disagree with the event log (" + std::to_string(proposals) +
                  " proposals)");
    }
    if (db.scalar("SELECT count(*) FROM violations") != raises) {
      input_error("the violation table disagrees with the event log");
    }
  }

  // --- writes --------------------------------------------------------------

  /// One operation: a transaction of its own, or a savepoint inside a Batch.
  template <typename F>
  auto write(const char* op, F&& f) {
    require_writer(op);
    const Cursor saved = cur;
    (in_batch ? sp_begin : tx_begin).run();
    try {
      if constexpr (std::is_void_v<decltype(f())>) {
        f();
        (in_batch ? sp_release : tx_commit).run();
        return;
      } else {
        auto r = f();
        (in_batch ? sp_release : tx_commit).run();
        return r;
      }
    } catch (...) {
      cur = saved;
      try {
        if (in_batch) {
          sp_rollback.run();
          sp_release.run();
        } else {
          tx_rollback.run();
        }
      } catch (...) {
      }
      throw;
    }
  }

  std::int64_t append(EventKind kind, EntryId entry, ViolationId violation, ResidualId residual,
                      int layer, const std::string& data) {
    const std::int64_t seq = cur.last_seq + 1;
    const int k = static_cast<int>(kind);
    const std::int64_t chk = chain(cur.last_chk, seq, k, entry, violation, residual, layer, data);
    ins_event.bind(1, seq).bind(2, k).bind(3, entry).bind(4, violation).bind(5, residual);
    ins_event.bind(6, layer).bind_text(7, data).bind(8, chk).run();
    cur.last_seq = seq;
    cur.last_chk = chk;
    return seq;
  }

  void write_mask() { set_mask.bind(1, static_cast<std::int64_t>(mask_from_counts())).run(); }

  std::optional<EntryInfo> load_entry(EntryId id) {
    get_entry.bind(1, id);
    if (!get_entry.step()) {
      get_entry.reset();
      return std::nullopt;
    }
    EntryInfo e;
    e.id = get_entry.i64(0);
    e.memory_layer = get_entry.i32(1);
    e.label = get_entry.text(2);
    const int status = get_entry.i32(3);
    e.needs_readjudication = get_entry.i32(4) != 0;
    e.gate = get_entry.f64(5);
    e.payload_bytes = get_entry.i64(6);
    get_entry.reset();
    e.status = status_of(status, path);
    return e;
  }

  EntryInfo require_entry(EntryId id, const char* op) {
    auto e = load_entry(id);
    if (!e) input_error(std::string(op) + ": no entry " + std::to_string(id));
    return *e;
  }

  void store_status(EntryId id, EntryStatus s, bool needs_readj, double gate) {
    set_status.bind(1, id).bind(2, static_cast<int>(s)).bind(3, needs_readj ? 1 : 0);
    set_status.bind(4, gate).run();
  }

  void open_residual_for(EntryId id, const Decision& d) {
    if (d.residual == ResidualKind::kNone) return;
    const std::int64_t seq = cur.last_seq + 1;
    ins_residual.bind(1, id).bind(2, static_cast<int>(d.residual)).bind(3, d.deciding_layer);
    ins_residual.bind(4, seq).run();
    const ResidualId r = sqlite3_last_insert_rowid(db.handle());
    append(EventKind::kOpenResidual, id, 0, r, d.deciding_layer,
           nlohmann::json{{"kind", to_string(d.residual)}}.dump());
  }

  void close_residuals_of(EntryId id, const std::string& by) {
    std::vector<ResidualId> open;
    open_residuals_of.bind(1, id);
    while (open_residuals_of.step()) open.push_back(open_residuals_of.i64(0));
    open_residuals_of.reset();
    for (ResidualId r : open) close_one_residual(r, id, by);
  }

  void close_one_residual(ResidualId r, EntryId entry, const std::string& note) {
    const std::int64_t seq =
        append(EventKind::kCloseResidual, entry, 0, r, -1, nlohmann::json{{"note", note}}.dump());
    close_residual_row.bind(1, r).bind(2, seq).run();
  }

  static EntryStatus status_after(const Decision& d) {
    if (is_accepting(d.action)) return EntryStatus::kAccepted;
    if (d.outcome == MemoryOutcome::kHeld) return EntryStatus::kHeld;
    return EntryStatus::kRejected;
  }

  Access access_of(int memory_layer, int status_code, bool needs_readj, LayerMask mask) const {
    if (status_code != static_cast<int>(EntryStatus::kConsolidated)) {
      return Access::kNotConsolidated;
    }
    if (needs_readj) return Access::kNeedsReadjudication;
    return policy.quarantined(memory_layer, mask) ? Access::kQuarantined : Access::kAccessible;
  }

  Event event_from(Stmt& s) const {
    Event e;
    e.seq = s.i64(0);
    const int kind = s.i32(1);
    if (kind < 0 || kind > static_cast<int>(EventKind::kCloseResidual)) {
      input_error("corrupt event kind " + std::to_string(kind) + " at event " +
                  std::to_string(e.seq));
    }
    e.kind = static_cast<EventKind>(kind);
    e.entry = s.i64(2);
    e.violation = s.i64(3);
    e.residual = s.i64(4);
    e.layer = s.i32(5);
    e.data = s.text(6);
    return e;
  }
};

// ---------------------------------------------------------------------------

TraceLedger::TraceLedger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TraceLedger::TraceLedger(TraceLedger&&) noexcept = default;
TraceLedger& TraceLedger::operator=(TraceLedger&&) noexcept = default;
TraceLedger::~TraceLedger() = default;

TraceLedger TraceLedger::create(const std::string& path, const LedgerOptions& options,
                                OpenOptions open) {
  if (open.read_only) throw InputError("trace ledger '" + path + "': cannot create read-only");
  // Validate everything before touching the file system.
  SafetyStack stack(options.stack);
  Adjudicator adj(stack, options.adjudicator);
  if (file_exists(path)) {
    throw InputError("trace ledger '" + path + "': the file already exists (open it instead)");
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->take_writer_lock();
  impl->db = Db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  impl->configure(open);
  const nlohmann::json meta = {{"stack", stack.to_json()},
                               {"adjudicator", adj.options_json()},
                               {"access", to_string(options.access)},
                               {"on_resolve", to_string(options.on_resolve)}};
  impl->db.exec("BEGIN IMMEDIATE");
  impl->db.exec(kSchema);
  impl->db.exec(("PRAGMA application_id = " + std::to_string(kApplicationId)).c_str());
  impl->db.exec(("PRAGMA user_version = " + std::to_string(kFormatVersion)).c_str());
  {
    Stmt ins(impl->db, "INSERT INTO meta(key, value) VALUES('options', ?1)");
    ins.bind_text(1, meta.dump()).run();
  }
  impl->db.exec("COMMIT");
  impl->load_meta();
  impl->load_cursor();
  impl->prepare();
  return TraceLedger(std::move(impl));
}

TraceLedger TraceLedger::open(const std::string& path, OpenOptions open) {
  if (!file_exists(path)) {
    throw InputError("trace ledger '" + path + "': no such file (create it first)");
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->read_only = open.read_only;
  if (!open.read_only) impl->take_writer_lock();
  impl->db = Db(path, open.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE);
  try {
    impl->configure(open);
    impl->load_meta();
    if (open.verify) impl->verify();
    impl->load_cursor();
    impl->prepare();
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError("trace ledger '" + path + "': cannot be opened: " + e.what());
  }
  return TraceLedger(std::move(impl));
}

EntryId TraceLedger::propose(int memory_layer, std::string_view payload, std::string_view label) {
  impl_->adjudicator.stack().check_layer(memory_layer, "propose: memory_layer");
  detail::require_utf8(label, "propose: label");
  return impl_->write("propose", [&] {
    auto& I = *impl_;
    const std::int64_t seq = I.cur.last_seq + 1;
    I.ins_entry.bind(1, memory_layer).bind_text(2, label).bind(3, seq).run();
    const EntryId id = sqlite3_last_insert_rowid(I.db.handle());
    const std::int64_t h = payload_hash(payload);
    I.ins_payload.bind(1, id).bind_blob(2, payload).bind(3, h).run();
    // Hot path: the label needs JSON escaping, the numbers do not.
    I.append(EventKind::kPropose, id, 0, 0, memory_layer,
             "{\"label\":" + nlohmann::json(label).dump() + ",\"payload_bytes\":" +
                 std::to_string(payload.size()) + ",\"payload_hash\":" + std::to_string(h) + "}");
    return id;
  });
}

Decision TraceLedger::adjudicate(EntryId entry, const std::vector<double>& values, bool no_write) {
  return impl_->write("adjudicate", [&] {
    auto& I = *impl_;
    const EntryInfo e = I.require_entry(entry, "adjudicate");
    if (e.status != EntryStatus::kProposed) {
      I.input_error("adjudicate: entry " + std::to_string(entry) + " is already " +
                    to_string(e.status) + " (use readjudicate for a later ruling)");
    }
    const Decision d = I.adjudicator.adjudicate({e.memory_layer, values, no_write});
    I.append(EventKind::kAdjudicate, entry, 0, 0, d.deciding_layer, d.to_json().dump());
    I.store_status(entry, Impl::status_after(d), false, d.gate);
    I.open_residual_for(entry, d);
    return d;
  });
}

void TraceLedger::consolidate(EntryId entry) {
  impl_->write("consolidate", [&] {
    auto& I = *impl_;
    const EntryInfo e = I.require_entry(entry, "consolidate");
    if (e.status != EntryStatus::kAccepted) {
      I.input_error("consolidate: refused for entry " + std::to_string(entry) +
                    ": it has no accepting decision (status " + to_string(e.status) + ")");
    }
    I.append(EventKind::kConsolidate, entry, 0, 0, e.memory_layer,
             nlohmann::json{{"gate", e.gate}}.dump());
    I.store_status(entry, EntryStatus::kConsolidated, false, e.gate);
  });
}

ViolationId TraceLedger::raise_violation(int layer, std::string_view note) {
  impl_->adjudicator.stack().check_layer(layer, "raise_violation: layer");
  detail::require_utf8(note, "raise_violation: note");
  return impl_->write("raise_violation", [&] {
    auto& I = *impl_;
    const std::int64_t seq = I.cur.last_seq + 1;
    I.ins_violation.bind(1, layer).bind_text(2, note).bind(3, seq).run();
    const ViolationId v = sqlite3_last_insert_rowid(I.db.handle());
    I.append(EventKind::kRaiseViolation, 0, v, 0, layer, nlohmann::json{{"note", note}}.dump());
    ++I.cur.active_count[layer];
    I.write_mask();
    return v;
  });
}

void TraceLedger::resolve_violation(ViolationId violation, std::string_view note) {
  detail::require_utf8(note, "resolve_violation: note");
  impl_->write("resolve_violation", [&] {
    auto& I = *impl_;
    I.get_violation.bind(1, violation);
    if (!I.get_violation.step()) {
      I.get_violation.reset();
      I.input_error("resolve_violation: no violation " + std::to_string(violation));
    }
    const int layer = I.get_violation.i32(1);
    const bool active = I.get_violation.i32(2) != 0;
    I.get_violation.reset();
    if (!active) {
      I.input_error("resolve_violation: violation " + std::to_string(violation) +
                    " is already resolved");
    }
    std::int64_t flagged = 0;
    if (I.on_resolve == ResolvePolicy::kReadjudicate) {
      // The entries this violation quarantined (under the ledger's policy)
      // stay closed until a new ruling.
      const char* where = "";
      switch (I.policy.kind()) {
        case AccessPolicyKind::kHierarchical:
          where = "memory_layer >= ?1";
          break;
        case AccessPolicyKind::kSameLayer:
          where = "memory_layer = ?1";
          break;
        case AccessPolicyKind::kFlush:
          where = "?1 = ?1";
          break;
      }
      const std::string sql = std::string("UPDATE entries SET needs_readj = 1 WHERE status = ") +
                              std::to_string(static_cast<int>(EntryStatus::kConsolidated)) +
                              " AND " + where;
      Stmt upd(I.db, sql.c_str());
      upd.bind(1, layer).run();
      flagged = sqlite3_changes(I.db.handle());
    }
    const std::int64_t seq = I.append(
        EventKind::kResolveViolation, 0, violation, 0, layer,
        nlohmann::json{{"note", note}, {"policy", to_string(I.on_resolve)}, {"flagged", flagged}}
            .dump());
    I.set_violation_resolved.bind(1, violation).bind(2, seq).run();
    --I.cur.active_count[layer];
    I.write_mask();
  });
}

Decision TraceLedger::readjudicate(EntryId entry, const std::vector<double>& values, bool no_write,
                                   std::string_view note) {
  detail::require_utf8(note, "readjudicate: note");
  return impl_->write("readjudicate", [&] {
    auto& I = *impl_;
    const EntryInfo e = I.require_entry(entry, "readjudicate");
    if (e.status == EntryStatus::kProposed) {
      I.input_error("readjudicate: entry " + std::to_string(entry) +
                    " has never been adjudicated (use adjudicate)");
    }
    const Decision d = I.adjudicator.adjudicate({e.memory_layer, values, no_write});
    I.close_residuals_of(entry, "closed by re-adjudication");
    nlohmann::json data = d.to_json();
    data["note"] = note;
    I.append(EventKind::kReadjudicate, entry, 0, 0, d.deciding_layer, data.dump());
    EntryStatus next = Impl::status_after(d);
    if (e.status == EntryStatus::kConsolidated && is_accepting(d.action)) {
      next = EntryStatus::kConsolidated;
    }
    I.store_status(entry, next, false, d.gate);
    I.open_residual_for(entry, d);
    return d;
  });
}

void TraceLedger::close_residual(ResidualId residual, std::string_view note) {
  detail::require_utf8(note, "close_residual: note");
  impl_->write("close_residual", [&] {
    auto& I = *impl_;
    I.get_residual.bind(1, residual);
    if (!I.get_residual.step()) {
      I.get_residual.reset();
      I.input_error("close_residual: no residual " + std::to_string(residual));
    }
    const EntryId entry = I.get_residual.i64(1);
    const bool open = I.get_residual.i32(4) != 0;
    I.get_residual.reset();
    if (!open) {
      I.input_error("close_residual: residual " + std::to_string(residual) + " is already closed");
    }
    I.close_one_residual(residual, entry, std::string(note));
  });
}

TraceLedger::Batch::Batch(TraceLedger& ledger) : ledger_(&ledger) {
  auto& I = *ledger.impl_;
  I.require_writer("batch");
  if (I.in_batch) I.input_error("batch: a batch is already open");
  I.db.exec("BEGIN IMMEDIATE");
  I.batch_snapshot = I.cur;
  I.in_batch = true;
}

void TraceLedger::Batch::commit() {
  auto& I = *ledger_->impl_;
  if (done_) I.input_error("batch: already committed");
  I.db.exec("COMMIT");
  I.in_batch = false;
  done_ = true;
}

TraceLedger::Batch::~Batch() {
  if (done_) return;
  auto& I = *ledger_->impl_;
  try {
    I.db.exec("ROLLBACK");
  } catch (...) {
  }
  I.cur = I.batch_snapshot;
  I.in_batch = false;
}

// --- reads -----------------------------------------------------------------

Access TraceLedger::access(EntryId entry) const {
  auto& I = *impl_;
  // One statement: the entry and the active mask from the same snapshot.
  I.get_access.bind(1, entry);
  if (!I.get_access.step()) {
    I.get_access.reset();
    return Access::kUnknownEntry;
  }
  const int layer = I.get_access.i32(0);
  const int status = I.get_access.i32(1);
  const bool needs = I.get_access.i32(2) != 0;
  const auto mask = static_cast<LayerMask>(I.get_access.i64(3));
  I.get_access.reset();
  return I.access_of(layer, status, needs, mask);
}

std::optional<std::string> TraceLedger::read(EntryId entry) const {
  auto& I = *impl_;
  // Access and payload in one read transaction, so a violation committed in
  // between cannot let a quarantined payload through.
  const bool own_txn = sqlite3_get_autocommit(I.db.handle()) != 0;
  if (own_txn) I.db.exec("BEGIN");
  std::optional<std::string> out;
  try {
    if (access(entry) == Access::kAccessible) {
      I.get_payload.bind(1, entry);
      if (!I.get_payload.step()) {
        I.get_payload.reset();
        I.input_error("read: entry " + std::to_string(entry) + " has no payload row");
      }
      std::string bytes = I.get_payload.blob(0);
      const std::int64_t h = I.get_payload.i64(1);
      I.get_payload.reset();
      if (payload_hash(bytes) != h) {
        I.input_error("read: the payload of entry " + std::to_string(entry) +
                      " fails its checksum (corrupt)");
      }
      out = std::move(bytes);
    }
  } catch (...) {
    if (own_txn) I.db.exec("COMMIT");
    throw;
  }
  if (own_txn) I.db.exec("COMMIT");
  return out;
}

std::vector<EntryId> TraceLedger::list_accessible() const {
  auto& I = *impl_;
  Stmt q(I.db,
         "SELECT e.id, e.memory_layer, e.status, e.needs_readj, s.mask FROM entries e, state s "
         "WHERE s.id = 1 AND e.status = 4 AND e.needs_readj = 0 ORDER BY e.id");
  std::vector<EntryId> out;
  while (q.step()) {
    if (I.access_of(q.i32(1), q.i32(2), q.i32(3) != 0, static_cast<LayerMask>(q.i64(4))) ==
        Access::kAccessible) {
      out.push_back(q.i64(0));
    }
  }
  q.reset();
  return out;
}

std::optional<EntryInfo> TraceLedger::entry(EntryId id) const { return impl_->load_entry(id); }

std::vector<EntryInfo> TraceLedger::entries() const {
  auto& I = *impl_;
  std::vector<EntryInfo> out;
  Stmt q(I.db, "SELECT id FROM entries ORDER BY id");
  std::vector<EntryId> ids;
  while (q.step()) ids.push_back(q.i64(0));
  q.reset();
  for (EntryId id : ids) {
    if (auto e = I.load_entry(id)) out.push_back(*e);
  }
  return out;
}

std::vector<Violation> TraceLedger::violations(bool active_only) const {
  auto& I = *impl_;
  Stmt q(I.db, active_only ? "SELECT id, layer, active, note, raised_seq, resolved_seq FROM "
                             "violations WHERE active = 1 ORDER BY id"
                           : "SELECT id, layer, active, note, raised_seq, resolved_seq FROM "
                             "violations ORDER BY id");
  std::vector<Violation> out;
  while (q.step()) {
    out.push_back({q.i64(0), q.i32(1), q.i32(2) != 0, q.text(3), q.i64(4), q.i64(5)});
  }
  q.reset();
  return out;
}

std::vector<Residual> TraceLedger::residuals(bool open_only) const {
  auto& I = *impl_;
  Stmt q(I.db, open_only ? "SELECT id, entry, kind, layer, open, opened_seq, closed_seq FROM "
                           "residuals WHERE open = 1 ORDER BY id"
                         : "SELECT id, entry, kind, layer, open, opened_seq, closed_seq FROM "
                           "residuals ORDER BY id");
  std::vector<Residual> out;
  while (q.step()) {
    const int kind = q.i32(2);
    if (kind < 0 || kind > static_cast<int>(ResidualKind::kSoftRuleDebt)) {
      q.reset();
      I.input_error("corrupt residual kind " + std::to_string(kind));
    }
    out.push_back({q.i64(0), q.i64(1), static_cast<ResidualKind>(kind), q.i32(3), q.i32(4) != 0,
                   q.i64(5), q.i64(6)});
  }
  q.reset();
  return out;
}

std::vector<Event> TraceLedger::trace(EntryId entry, bool include_violations) const {
  auto& I = *impl_;
  std::vector<Event> out;
  I.events_of_entry.bind(1, entry);
  while (I.events_of_entry.step()) out.push_back(I.event_from(I.events_of_entry));
  I.events_of_entry.reset();
  if (!include_violations || out.empty()) return out;
  const std::int64_t proposed = out.front().seq;
  const int m = out.front().layer;
  std::vector<std::int64_t> seqs;
  for (const Violation& v : violations(false)) {
    if (!I.policy.quarantined(m, LayerMask{1} << v.layer)) continue;
    if (v.raised_seq > proposed) seqs.push_back(v.raised_seq);
    if (v.resolved_seq > proposed) seqs.push_back(v.resolved_seq);
  }
  for (std::int64_t s : seqs) {
    I.event_by_seq.bind(1, s);
    if (I.event_by_seq.step()) out.push_back(I.event_from(I.event_by_seq));
    I.event_by_seq.reset();
  }
  std::sort(out.begin(), out.end(), [](const Event& a, const Event& b) { return a.seq < b.seq; });
  return out;
}

LayerMask TraceLedger::active_layers() const {
  return static_cast<LayerMask>(impl_->db.scalar("SELECT mask FROM state WHERE id = 1"));
}

std::int64_t TraceLedger::event_count() const {
  return impl_->db.scalar("SELECT count(*) FROM events");
}

nlohmann::json TraceLedger::export_json() const {
  auto& I = *impl_;
  nlohmann::json j;
  j["format"] = "galt-trace-ledger";
  j["version"] = kFormatVersion;
  j["stack"] = I.adjudicator.stack().to_json();
  j["adjudicator"] = I.adjudicator.options_json();
  j["access_policy"] = to_string(I.policy.kind());
  j["on_resolve"] = to_string(I.on_resolve);
  j["entries"] = nlohmann::json::array();
  for (const EntryInfo& e : entries()) {
    const Access a = access(e.id);
    nlohmann::json je = {{"id", e.id},
                         {"memory_layer", e.memory_layer},
                         {"label", e.label},
                         {"status", to_string(e.status)},
                         {"needs_readjudication", e.needs_readjudication},
                         {"gate", e.gate},
                         {"payload_bytes", e.payload_bytes},
                         {"access", to_string(a)}};
    // Never export a payload the read API would not return.
    if (auto p = read(e.id)) {
      je["payload"] = *p;
    } else {
      je["payload"] = nullptr;
    }
    j["entries"].push_back(je);
  }
  j["violations"] = nlohmann::json::array();
  for (const Violation& v : violations(false)) {
    j["violations"].push_back({{"id", v.id},
                               {"layer", v.layer},
                               {"active", v.active},
                               {"note", v.note},
                               {"raised_seq", v.raised_seq},
                               {"resolved_seq", v.resolved_seq}});
  }
  j["residuals"] = nlohmann::json::array();
  for (const Residual& r : residuals(false)) {
    j["residuals"].push_back({{"id", r.id},
                              {"entry", r.entry},
                              {"kind", to_string(r.kind)},
                              {"layer", r.layer},
                              {"open", r.open},
                              {"opened_seq", r.opened_seq},
                              {"closed_seq", r.closed_seq}});
  }
  j["events"] = nlohmann::json::array();
  Stmt q(I.db,
         "SELECT seq, kind, entry, violation, residual, layer, data FROM events ORDER BY seq");
  while (q.step()) {
    const Event e = I.event_from(q);
    j["events"].push_back({{"seq", e.seq},
                           {"kind", to_string(e.kind)},
                           {"entry", e.entry},
                           {"violation", e.violation},
                           {"residual", e.residual},
                           {"layer", e.layer},
                           {"data", nlohmann::json::parse(e.data, nullptr, false)}});
  }
  q.reset();
  return j;
}

void TraceLedger::verify() const { impl_->verify(); }
const SafetyStack& TraceLedger::stack() const { return impl_->adjudicator.stack(); }
const Adjudicator& TraceLedger::adjudicator() const { return impl_->adjudicator; }
AccessPolicy TraceLedger::access_policy() const { return impl_->policy; }
ResolvePolicy TraceLedger::resolve_policy() const { return impl_->on_resolve; }
const std::string& TraceLedger::path() const { return impl_->path; }

}  // namespace galt::memory
