// Trace ledgers (src/memory/trace_ledger.cpp): the input is a ledger file
// (SQLite). It is opened as `galt memory` opens one (verify on), read every
// way a command reads it, and written once (a proposal). Anything but
// galt::InputError escaping is a finding.
#include <galt/error.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "fuzz/fuzz_support.h"
#include "galt/memory/trace_ledger.h"

namespace {

void exercise(const std::string& path) {
  using galt::memory::TraceLedger;
  auto ledger = TraceLedger::open(path, {.durable = false, .busy_timeout_ms = 0});
  for (const auto& e : ledger.entries()) {
    ledger.access(e.id);
    ledger.read(e.id);
    ledger.trace(e.id, true);
  }
  ledger.violations(false);
  ledger.residuals(false);
  ledger.list_accessible();
  ledger.active_layers();
  // As `galt memory export` prints it: a damaged file's non-UTF-8 bytes as
  // U+FFFD (the default dump() throws on them; the first finding here).
  ledger.export_json().dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  ledger.stack().to_json();
  ledger.propose(0, "payload", "");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  const fs::path path = galt::fuzz::scratch_dir() / "ledger.db";
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    std::error_code ec;
    fs::remove(path.string() + suffix, ec);
  }
  galt::fuzz::write_file(path, galt::fuzz::as_text(data, size));
  try {
    exercise(path.string());
  } catch (const galt::InputError&) {
  }
  return 0;
}
