// `galt bench memory ...` — owned by the trace-memory work (issue 4); being written.
#include "cli/commands.h"
#include "galt/error.h"
namespace galt::cli {
void register_bench_memory(CLI::App& app) {
  auto* cmd = app.add_subcommand("memory", "Trace-memory benchmark (not built yet)");
  cmd->callback([] { throw std::runtime_error("galt bench memory is not built yet"); });
}
}  // namespace galt::cli
