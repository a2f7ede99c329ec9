// `galt memory ...` (src/cli/memory_command.cpp): the input is a script, one
// command line per line, words split at spaces, run in order against one
// ledger that starts absent: "create --layers 3" runs
// `galt memory create LEDGER --layers 3`. File options are pinned inside the
// scratch directory (--out FILE and --payload-file FILE would otherwise
// write or read anywhere). A parse error or galt::InputError ends that line
// (the executable's exit 2); anything else escaping is a finding (exit 1).
#include <galt/error.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "fuzz/fuzz_support.h"

namespace {

constexpr size_t kMaxLines = 16;

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    const size_t j = std::min(line.find(' ', i), line.size());
    if (j > i) out.emplace_back(line.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// Points --out and --payload-file (spelt "--opt F" or "--opt=F") at `file`.
void pin_files(std::vector<std::string>& args, const std::string& file) {
  for (size_t i = 0; i < args.size(); ++i)
    for (const std::string opt : {"--out", "--payload-file"}) {
      if (args[i] == opt && i + 1 < args.size()) {
        args[i + 1] = file;
      } else if (args[i].rfind(opt + "=", 0) == 0) {
        args[i] = opt + "=" + file;
      }
    }
}

void run_line(const std::vector<std::string>& line, const std::string& ledger) {
  std::vector<std::string> args{"galt", "memory", line[0], ledger};
  args.insert(args.end(), line.begin() + 1, line.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream sink;
  CLI::App app("galt");
  app.require_subcommand(1);
  galt::cli::register_memory(app, sink);
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError&) {
  } catch (const galt::InputError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  static const fs::path dir = [] {
    const fs::path d = galt::fuzz::scratch_dir();
    galt::fuzz::write_file(d / "payload.bin", "payload bytes");
    return d;
  }();
  const std::string ledger = (dir / "ledger.db").string();
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ec;
    fs::remove(ledger + suffix, ec);
  }
  const std::string_view text = galt::fuzz::as_text(data, size);
  size_t start = 0;
  for (size_t n = 0; n < kMaxLines && start < text.size(); ++n) {
    const size_t end = std::min(text.find('\n', start), text.size());
    auto line = words(text.substr(start, end - start));
    start = end + 1;
    if (line.empty()) continue;
    // Both file options name the payload: an export overwrites it, a
    // proposal reads it.
    pin_files(line, (dir / "payload.bin").string());
    run_line(line, ledger);
  }
  return 0;
}
