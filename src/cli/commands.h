// Each CLI subcommand family registers itself on the root app. A callback
// signals bad input by throwing galt::InputError (exit 2); a failure it has
// explained by throwing CommandFailed (its exit code); any other exception is
// an internal error (exit 1).
#pragma once

#include <CLI/CLI.hpp>
#include <ostream>
#include <stdexcept>
#include <string>

namespace galt::cli {

/// A command failed for a reason it names (a dead rank, say): main prints
/// "galt: <what>" (nothing when empty: the command has said it) and exits
/// with `code`.
class CommandFailed : public std::runtime_error {
 public:
  CommandFailed(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

/// The command line galt was started with (set by main), for result files'
/// provenance (galt/report/provenance.h).
void set_invocation(int argc, char** argv);
const std::string& invocation();

void register_demo(CLI::App& app);                 // demo_command.cpp
void register_bench_solver(CLI::App& bench);       // bench_solver_command.cpp
void register_bench_continual(CLI::App& bench);    // bench_continual_command.cpp
void register_bench_tune(CLI::App& bench);         // bench_tune_command.cpp
void register_bench_memory(CLI::App& bench);       // bench_memory_command.cpp
void register_bench_constrained(CLI::App& bench);  // bench_constrained_command.cpp
void register_launch(CLI::App& app);               // launch_command.cpp
void register_dist(CLI::App& app);                 // dist_command.cpp
void register_train(CLI::App& app);                // train_command.cpp
/// `galt memory ...`; every command prints its JSON to `out` (tests pass a
/// string stream).
void register_memory(CLI::App& app, std::ostream& out);  // memory_command.cpp
/// `galt world`: the synthetic world, printed to `out`.
void register_world(CLI::App& app, std::ostream& out);  // world_command.cpp

}  // namespace galt::cli
