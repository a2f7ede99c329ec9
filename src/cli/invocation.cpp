// The command line of this process, for the provenance of result files.
#include <string>

#include "cli/commands.h"

namespace galt::cli {

namespace {
std::string& stored() {
  static std::string line;
  return line;
}
}  // namespace

void set_invocation(int argc, char** argv) {
  std::string line = "galt";
  for (int i = 1; i < argc; ++i) line += std::string(" ") + argv[i];
  stored() = line;
}

const std::string& invocation() { return stored(); }

}  // namespace galt::cli
