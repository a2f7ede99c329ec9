// `galt memory ...`: the trace ledger from the command line (DESIGN §6).
//
//   galt memory create     LEDGER [--layers 4] [--hard 0,1] [--margin 0.05]
//                                 [--soft-policy accept_with_residual|reject]
//                                 [--ambiguity-policy reject|hold] [--soft-gate 0.5]
//                                 [--access hierarchical|same_layer|flush]
//                                 [--on-resolve restore|readjudicate]
//   galt memory propose    LEDGER --layer M (--payload TEXT | --payload-file F) [--label L]
//   galt memory adjudicate LEDGER --entry E --values C0,C1,... [--no-write]
//   galt memory readjudicate LEDGER --entry E --values C0,... [--no-write] [--note N]
//   galt memory consolidate LEDGER --entry E
//   galt memory raise      LEDGER --layer V [--note N]
//   galt memory resolve    LEDGER --violation ID [--note N]
//   galt memory list       LEDGER [--all]
//   galt memory show       LEDGER --entry E
//   galt memory residuals  LEDGER [--all]
//   galt memory export     LEDGER [--out FILE]
//
// Every command prints JSON on stdout (one object). Bad input (a missing
// ledger, an unknown label, a refused consolidation) throws galt::InputError,
// which the `galt` executable turns into exit code 2.
#pragma once

#include <ostream>

namespace CLI {
class App;
}

namespace galt::memory {

/// Adds the `memory` subcommand family to `app`; output goes to `out`.
void add_memory_commands(CLI::App& app, std::ostream& out);

}  // namespace galt::memory
