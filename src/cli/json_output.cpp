#include "cli/json_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "cli/commands.h"
#include "galt/error.h"
#include "galt/report/provenance.h"

namespace galt::cli {

namespace {

std::filesystem::path folder_of(const std::filesystem::path& p) {
  return p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
}

}  // namespace

void check_json_output(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) throw InputError("--json: an empty path");
  const fs::path p(path);
  const fs::path dir = folder_of(p);
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InputError("--json: cannot write '" + path + "': the folder '" + dir.string() +
                     "' does not exist");
  if (fs::is_directory(p, ec)) throw InputError("--json: '" + path + "' is a folder");
  // Try it: access(2) says yes to root for nearly everything (and to /proc).
  const std::string probe = path + ".probe-" + std::to_string(::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) throw InputError("--json: cannot write '" + path + "': " + std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
  if (fs::exists(p, ec) && ::access(p.c_str(), W_OK) != 0)
    throw InputError("--json: cannot write '" + path + "': the file is not writable");
}

void write_json_output(nlohmann::json j, const std::string& path, const std::string& command) {
  j["command"] = command;
  j["provenance"] = report::to_json(report::provenance(invocation()));
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream f(tmp);
    f << j.dump(2) << "\n";
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      throw InputError("--json: cannot write '" + path + "'");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw InputError("--json: cannot write '" + path + "': " + ec.message());
  }
  std::fprintf(stderr, "[%s] wrote %s\n", command.c_str(), path.c_str());
}

}  // namespace galt::cli
