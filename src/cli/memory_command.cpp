// `galt memory ...`: the trace-memory ledger (issue 4, DESIGN §6). The
// commands live in the memory module (galt/memory/memory_cli.h) so that its
// tests can drive them without the whole executable.
#include <iostream>

#include "cli/commands.h"
#include "galt/memory/memory_cli.h"

namespace galt::cli {

void register_memory(CLI::App& app) { galt::memory::add_memory_commands(app, std::cout); }

}  // namespace galt::cli
