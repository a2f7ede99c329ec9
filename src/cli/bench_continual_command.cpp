// `galt memory ...` — owned by the continual benchmark (issue 3); being written.
#include "cli/commands.h"
#include "galt/error.h"
namespace galt::cli {
void register_bench_continual(CLI::App& app) {
  auto* cmd = app.add_subcommand("continual", "Continual-learning benchmark (not built yet)");
  cmd->callback([] { throw std::runtime_error("galt bench continual is not built yet"); });
}
}  // namespace galt::cli
