// A thin RAII layer over the SQLite C API for the trace ledger (internal).
// SQLite errors that mean "this file is not a sound ledger" (corrupt, not a
// database, cannot open) become galt::InputError naming the file; the rest
// are internal errors.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace galt::memory::detail {

class Db;

/// A prepared statement, reset after each use.
class Stmt {
 public:
  Stmt() = default;
  Stmt(Db& db, const char* sql);
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  ~Stmt();

  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, double v);
  Stmt& bind_text(int i, std::string_view v);
  Stmt& bind_blob(int i, std::string_view v);
  /// True when a row is available; false when done.
  bool step();
  /// Runs a statement that returns no rows, then resets it.
  void run();
  void reset();

  std::int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  int i32(int col) const { return sqlite3_column_int(s_, col); }
  double f64(int col) const { return sqlite3_column_double(s_, col); }
  std::string text(int col) const;
  std::string blob(int col) const;

 private:
  Db* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
};

class Db {
 public:
  Db() = default;
  Db(const std::string& path, int flags);
  Db(Db&& o) noexcept : path_(std::move(o.path_)), h_(o.h_) { o.h_ = nullptr; }
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  ~Db();

  void exec(const char* sql);
  std::int64_t scalar(const char* sql);
  [[noreturn]] void fail(int rc, std::string_view what) const;
  sqlite3* handle() const { return h_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  sqlite3* h_ = nullptr;
};

}  // namespace galt::memory::detail
