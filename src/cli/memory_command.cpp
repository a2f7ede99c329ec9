// `galt memory ...` — owned by the trace-memory work (issue 4); being written.
#include "cli/commands.h"
#include "galt/error.h"
namespace galt::cli {
void register_memory(CLI::App& app) {
  auto* cmd = app.add_subcommand("memory", "Safety-indexed trace memory (not built yet)");
  cmd->callback([] { throw std::runtime_error("galt memory is not built yet"); });
}
}  // namespace galt::cli
