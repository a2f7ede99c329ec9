// Each CLI subcommand family registers itself on the root app. A callback
// signals bad input by throwing galt::InputError (exit 2); any other exception
// is an internal error (exit 1).
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <string>

namespace galt::cli {

/// The command line galt was started with (set by main), for result files'
/// provenance (galt/report/provenance.h).
void set_invocation(int argc, char** argv);
const std::string& invocation();

void register_demo(CLI::App& app);               // demo_command.cpp
void register_bench_solver(CLI::App& bench);     // bench_solver_command.cpp
void register_bench_continual(CLI::App& bench);  // bench_continual_command.cpp
void register_bench_tune(CLI::App& bench);       // bench_tune_command.cpp
void register_bench_memory(CLI::App& bench);     // bench_memory_command.cpp
/// `galt memory ...`; every command prints its JSON to `out` (tests pass a
/// string stream).
void register_memory(CLI::App& app, std::ostream& out);  // memory_command.cpp

}  // namespace galt::cli
