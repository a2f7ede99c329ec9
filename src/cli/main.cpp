// galt: constraint-native training from the command line.
#include <cstdio>
#include <exception>
#include <iostream>

#include "cli/commands.h"
#include "galt/error.h"
#include "galt/solve/threading.h"

int main(int argc, char** argv) {
  // OpenBLAS threads × intra-op threads ≤ cores ($GALT_THREADS caps them).
  galt::configure_threads();
  galt::cli::set_invocation(argc, argv);
  CLI::App app{"galt — graph-parallel augmented-Lagrangian training"};
  app.require_subcommand(1);
  galt::cli::register_demo(app);
  galt::cli::register_memory(app, std::cout);
  galt::cli::register_world(app, std::cout);
  galt::cli::register_launch(app);
  galt::cli::register_dist(app);
  galt::cli::register_train(app);
  auto* bench = app.add_subcommand("bench", "Benchmarks (write JSON reports)");
  bench->require_subcommand(1);
  galt::cli::register_bench_solver(*bench);
  galt::cli::register_bench_continual(*bench);
  galt::cli::register_bench_tune(*bench);
  galt::cli::register_bench_memory(*bench);
  galt::cli::register_bench_constrained(*bench);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  } catch (const galt::cli::CommandFailed& e) {
    if (*e.what() != '\0') std::fprintf(stderr, "galt: %s\n", e.what());
    return e.code();
  } catch (const galt::InputError& e) {
    std::fprintf(stderr, "galt: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "galt: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
