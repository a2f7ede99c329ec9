#include "galt/report/provenance.h"

#include <galt_paths.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

namespace galt::report {

namespace {

// stdout of a shell command ("" when it fails).
std::string output_of(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  std::array<char, 256> buf{};
  while (fgets(buf.data(), static_cast<int>(buf.size()), pipe) != nullptr) out += buf.data();
  if (pclose(pipe) != 0) return "";
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

Provenance provenance(std::string command, std::string config) {
  Provenance p;
  p.command = std::move(command);
  p.config = std::move(config);
  const std::string git = "git -C '" + std::string(GALT_SOURCE_DIR) + "' ";
  const std::string commit = output_of(git + "rev-parse HEAD 2>/dev/null");
  if (!commit.empty()) {
    p.commit = commit;
    p.dirty = !output_of(git + "status --porcelain --untracked-files=no 2>/dev/null").empty();
  }
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &utc);
  p.date = date;
  p.hardware_threads = static_cast<int>(std::thread::hardware_concurrency());
  return p;
}

nlohmann::json to_json(const Provenance& p) {
  return {{"commit", p.commit},   {"dirty", p.dirty}, {"command", p.command},
          {"config", p.config},   {"date", p.date},   {"hardware_threads", p.hardware_threads}};
}

}  // namespace galt::report
