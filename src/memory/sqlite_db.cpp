// RAII over the SQLite C API (internal to the trace ledger).
#include "memory/sqlite_db.h"

#include <stdexcept>

#include "galt/error.h"

namespace galt::memory::detail {

Db::Db(const std::string& path, int flags) : path_(path) {
  const int rc = sqlite3_open_v2(path.c_str(), &h_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) fail(rc, "open");
  sqlite3_extended_result_codes(h_, 1);
}

Db& Db::operator=(Db&& o) noexcept {
  if (this != &o) {
    if (h_) sqlite3_close_v2(h_);
    path_ = std::move(o.path_);
    h_ = o.h_;
    o.h_ = nullptr;
  }
  return *this;
}

Db::~Db() {
  if (h_) sqlite3_close_v2(h_);
}

void Db::fail(int rc, std::string_view what) const {
  const int primary = rc & 0xff;
  std::string msg = h_ ? sqlite3_errmsg(h_) : sqlite3_errstr(rc);
  const std::string where = "trace ledger '" + path_ + "': " + std::string(what) + ": ";
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
    throw InputError(where + "the file is corrupt or not a database (" + msg + ")");
  }
  if (primary == SQLITE_CANTOPEN || primary == SQLITE_PERM || primary == SQLITE_READONLY) {
    throw InputError(where + msg);
  }
  if (primary == SQLITE_CONSTRAINT) {
    throw InputError(where + msg);
  }
  throw std::runtime_error(where + msg);
}

void Db::exec(const char* sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(h_, sql, nullptr, nullptr, &err);
  if (err) sqlite3_free(err);
  if (rc != SQLITE_OK) fail(rc, sql);
}

std::int64_t Db::scalar(const char* sql) {
  Stmt s(*this, sql);
  std::int64_t v = 0;
  if (s.step()) v = s.i64(0);
  s.reset();
  return v;
}

Stmt::Stmt(Db& db, const char* sql) : db_(&db) {
  const int rc = sqlite3_prepare_v3(db.handle(), sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr);
  if (rc != SQLITE_OK) db.fail(rc, std::string("prepare: ") + sql);
}

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (s_) sqlite3_finalize(s_);
    db_ = o.db_;
    s_ = o.s_;
    o.s_ = nullptr;
  }
  return *this;
}

Stmt::~Stmt() {
  if (s_) sqlite3_finalize(s_);
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  sqlite3_bind_double(s_, i, v);
  return *this;
}
Stmt& Stmt::bind_text(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_blob(int i, std::string_view v) {
  sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

bool Stmt::step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const int err = rc;
  sqlite3_reset(s_);
  db_->fail(err, sqlite3_sql(s_));
}

void Stmt::run() {
  while (step()) {
  }
  reset();
}

void Stmt::reset() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

std::string Stmt::text(int col) const {
  const auto* p = sqlite3_column_text(s_, col);
  const int n = sqlite3_column_bytes(s_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), n) : std::string();
}

std::string Stmt::blob(int col) const {
  const auto* p = sqlite3_column_blob(s_, col);
  const int n = sqlite3_column_bytes(s_, col);
  return p ? std::string(static_cast<const char*>(p), n) : std::string();
}

}  // namespace galt::memory::detail
