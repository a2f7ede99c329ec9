#include "galt/report/provenance.h"

#include <galt_build_commit.h>

#include <ctime>
#include <nlohmann/json.hpp>
#include <thread>

namespace galt::report {

Provenance provenance(std::string command, std::string config) {
  Provenance p;
  p.command = std::move(command);
  p.config = std::move(config);
  // The commit the binary was built from (cmake/build_commit.cmake), not the
  // source tree's HEAD now: a copied binary running for hours while the tree
  // moves on must not stamp its runs with later commits.
  if (const std::string built = GALT_BUILD_COMMIT; !built.empty()) {
    p.commit = built;
    p.dirty = GALT_BUILD_DIRTY != 0;
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
