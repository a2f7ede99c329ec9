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
#include <CLI/CLI.hpp>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/commands.h"
#include "cli/list_parser.h"
#include "cli/option_checks.h"
#include "galt/error.h"
#include "galt/memory/trace_ledger.h"

namespace galt::cli {

using memory::EntryId;
using memory::EntryInfo;
using memory::Event;
using memory::LedgerOptions;
using memory::Residual;
using memory::TraceLedger;
using memory::Violation;

namespace {

// --values C_0,...,C_{N-1}: one constraint value per safety layer (C ≤ 0
// feasible; NaN/Inf are ambiguous, DESIGN §6).
std::vector<double> parse_values(const std::string& text) {
  return parse_number_list(text, {"--values", "a number (one C_k per safety layer)"});
}

// --hard 0,1: the hard layers; "" for none. The stack checks the range.
std::vector<int> parse_layers(const std::string& text) {
  const auto layers =
      parse_integer_list(text, {"--hard", "a layer number", /*allow_empty=*/true},
                         std::numeric_limits<int>::min(), std::numeric_limits<int>::max());
  return {layers.begin(), layers.end()};
}

nlohmann::json entry_json(const TraceLedger& l, const EntryInfo& e) {
  return {{"id", e.id},
          {"memory_layer", e.memory_layer},
          {"label", e.label},
          {"status", to_string(e.status)},
          {"needs_readjudication", e.needs_readjudication},
          {"gate", e.gate},
          {"access", to_string(l.access(e.id))}};
}

nlohmann::json event_json(const Event& ev) {
  return {{"seq", ev.seq},
          {"kind", to_string(ev.kind)},
          {"entry", ev.entry},
          {"violation", ev.violation},
          {"residual", ev.residual},
          {"layer", ev.layer},
          {"data", nlohmann::json::parse(ev.data, nullptr, false)}};
}

std::string dump(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct Args {
  std::string ledger, payload, payload_file, label, values, note, out, hard = "0,1";
  std::string soft_policy = "accept_with_residual", ambiguity_policy = "reject";
  std::string access = "hierarchical", on_resolve = "restore";
  int layers = 4, layer = -1;
  long long entry = 0, violation = 0;
  double margin = 0.05, soft_gate = 0.5;
  bool no_write = false, all = false;
};

}  // namespace

void register_memory(CLI::App& app, std::ostream& out) {
  auto* mem = app.add_subcommand("memory", "Safety-indexed trace memory ledger (DESIGN §6)");
  mem->require_subcommand(1);
  auto a = std::make_shared<Args>();
  auto ledger_arg = [a](CLI::App* c) {
    c->add_option("ledger", a->ledger, "Ledger file (SQLite)")->required();
  };
  std::ostream* o = &out;
  // A ledger galt wrote holds only UTF-8 (the ledger refuses other labels
  // and notes); one damaged on disk may not, and dump() would throw: such
  // bytes print as U+FFFD instead (found by fuzz/memory/ledger_fuzz.cpp).
  auto print = [o](const nlohmann::json& j) { *o << dump(j) << "\n"; };

  auto* create = mem->add_subcommand("create", "Create a new ledger");
  ledger_arg(create);
  // The ranges are the ledger's own (SafetyStack, Adjudicator); checked here
  // too so the message names the option.
  create->add_option("--layers", a->layers, "Number of safety layers N (default 4)")
      ->check(integer_in(1, 64));
  create->add_option("--hard", a->hard, "Comma-separated hard layers (default 0,1)");
  create->add_option("--margin", a->margin, "Ambiguity margin (default 0.05)")
      ->check(finite_above(0, true));
  create->add_option("--soft-policy", a->soft_policy, "accept_with_residual (default) or reject");
  create->add_option("--ambiguity-policy", a->ambiguity_policy, "reject (default) or hold");
  create->add_option("--soft-gate", a->soft_gate, "Gate of accept_with_residual (default 0.5)")
      ->check(finite_in(0, 1));
  create->add_option("--access", a->access, "hierarchical (default), same_layer or flush");
  create->add_option("--on-resolve", a->on_resolve, "restore (default) or readjudicate");
  create->callback([a, print] {
    LedgerOptions lo;
    lo.stack.layers = a->layers;
    lo.stack.hard = parse_layers(a->hard);
    lo.adjudicator.ambiguity_margin = a->margin;
    lo.adjudicator.soft_policy = memory::parse_soft_policy(a->soft_policy);
    lo.adjudicator.ambiguity_policy = memory::parse_ambiguity_policy(a->ambiguity_policy);
    lo.adjudicator.soft_gate = a->soft_gate;
    lo.access = memory::parse_access_policy(a->access);
    lo.on_resolve = memory::parse_resolve_policy(a->on_resolve);
    auto l = TraceLedger::create(a->ledger, lo);
    print({{"created", a->ledger}, {"stack", l.stack().to_json()}});
  });

  auto* propose = mem->add_subcommand("propose", "Propose a candidate memory");
  ledger_arg(propose);
  // Layers are ≥ 0 (the ledger checks the stack's top); ids start at 1.
  propose->add_option("--layer", a->layer, "Layer m the memory depends on")
      ->required()
      ->check(at_least(0));
  auto* p_text = propose->add_option("--payload", a->payload, "Payload text");
  auto* p_file = propose->add_option("--payload-file", a->payload_file, "Payload file (bytes)");
  p_text->excludes(p_file);
  propose->add_option("--label", a->label, "Short label");
  propose->callback([a, print, p_text, p_file] {
    std::string payload = a->payload;
    if (p_file->count() > 0) {
      std::ifstream f(a->payload_file, std::ios::binary);
      if (!f) throw InputError("--payload-file: cannot read '" + a->payload_file + "'");
      payload.assign(std::istreambuf_iterator<char>(f), {});
    } else if (p_text->count() == 0) {
      throw InputError("propose: give --payload TEXT or --payload-file FILE");
    }
    auto l = TraceLedger::open(a->ledger);
    const EntryId e = l.propose(a->layer, payload, a->label);
    print({{"entry", e}});
  });

  auto* adjudicate = mem->add_subcommand("adjudicate", "Adjudicate a proposed entry");
  ledger_arg(adjudicate);
  adjudicate->add_option("--entry", a->entry, "Entry id")->required()->check(at_least(1));
  adjudicate->add_option("--values", a->values, "C_0,...,C_{N-1} (C ≤ 0 feasible)")->required();
  adjudicate->add_flag("--no-write", a->no_write, "The candidate asks not to be written");
  adjudicate->callback([a, print] {
    auto l = TraceLedger::open(a->ledger);
    print({{"entry", a->entry},
           {"decision", l.adjudicate(a->entry, parse_values(a->values), a->no_write).to_json()}});
  });

  auto* readj = mem->add_subcommand("readjudicate", "A later ruling on an entry");
  ledger_arg(readj);
  readj->add_option("--entry", a->entry, "Entry id")->required()->check(at_least(1));
  readj->add_option("--values", a->values, "C_0,...,C_{N-1}")->required();
  readj->add_flag("--no-write", a->no_write, "The candidate asks not to be written");
  readj->add_option("--note", a->note, "Who ruled and why");
  readj->callback([a, print] {
    auto l = TraceLedger::open(a->ledger);
    print({{"entry", a->entry},
           {"decision",
            l.readjudicate(a->entry, parse_values(a->values), a->no_write, a->note).to_json()}});
  });

  auto* consolidate = mem->add_subcommand("consolidate", "Consolidate an accepted entry");
  ledger_arg(consolidate);
  consolidate->add_option("--entry", a->entry, "Entry id")->required()->check(at_least(1));
  consolidate->callback([a, print] {
    auto l = TraceLedger::open(a->ledger);
    l.consolidate(a->entry);
    print(entry_json(l, *l.entry(a->entry)));
  });

  auto* raise = mem->add_subcommand("raise", "Raise a violation at a layer");
  ledger_arg(raise);
  raise->add_option("--layer", a->layer, "Violation layer v")->required()->check(at_least(0));
  raise->add_option("--note", a->note, "What was violated");
  raise->callback([a, print] {
    auto l = TraceLedger::open(a->ledger);
    print({{"violation", l.raise_violation(a->layer, a->note)}});
  });

  auto* resolve = mem->add_subcommand("resolve", "Resolve an active violation");
  ledger_arg(resolve);
  resolve->add_option("--violation", a->violation, "Violation id")
      ->required()
      ->check(at_least(1));
  resolve->add_option("--note", a->note, "How it was resolved");
  resolve->callback([a, print] {
    auto l = TraceLedger::open(a->ledger);
    l.resolve_violation(a->violation, a->note);
    print({{"resolved", a->violation}, {"policy", to_string(l.resolve_policy())}});
  });

  auto* list = mem->add_subcommand("list", "List accessible entries (access computed now)");
  ledger_arg(list);
  list->add_flag("--all", a->all, "Every entry with its access state");
  list->callback([a, print] {
    auto l = TraceLedger::open(a->ledger, {.read_only = true});
    nlohmann::json arr = nlohmann::json::array();
    for (const EntryInfo& e : l.entries()) {
      if (a->all || l.accessible(e.id)) arr.push_back(entry_json(l, e));
    }
    nlohmann::json active = nlohmann::json::array();
    for (const Violation& v : l.violations(true))
      active.push_back({{"id", v.id}, {"layer", v.layer}});
    print({{"entries", arr}, {"active_violations", active}});
  });

  auto* show = mem->add_subcommand("show", "Show an entry and its trace");
  ledger_arg(show);
  show->add_option("--entry", a->entry, "Entry id")->required()->check(at_least(1));
  show->callback([a, print] {
    auto l = TraceLedger::open(a->ledger, {.read_only = true});
    const auto e = l.entry(a->entry);
    if (!e)
      throw InputError("show: ledger '" + a->ledger + "' has no entry " + std::to_string(a->entry));
    nlohmann::json t = nlohmann::json::array();
    for (const Event& ev : l.trace(a->entry)) t.push_back(event_json(ev));
    nlohmann::json j = entry_json(l, *e);
    j["trace"] = t;
    print(j);
  });

  auto* residuals = mem->add_subcommand("residuals", "List open residuals (debts)");
  ledger_arg(residuals);
  residuals->add_flag("--all", a->all, "Closed residuals too");
  residuals->callback([a, print] {
    auto l = TraceLedger::open(a->ledger, {.read_only = true});
    nlohmann::json arr = nlohmann::json::array();
    for (const Residual& r : l.residuals(!a->all)) {
      arr.push_back({{"id", r.id},
                     {"entry", r.entry},
                     {"kind", to_string(r.kind)},
                     {"layer", r.layer},
                     {"open", r.open}});
    }
    print({{"residuals", arr}});
  });

  auto* exp = mem->add_subcommand("export", "Export the ledger as JSON (no quarantined payloads)");
  ledger_arg(exp);
  exp->add_option("--out", a->out, "Output file (default stdout)");
  exp->callback([a, print] {
    auto l = TraceLedger::open(a->ledger, {.read_only = true});
    const nlohmann::json j = l.export_json();
    if (a->out.empty()) {
      print(j);
    } else {
      std::ofstream f(a->out);
      if (!f) throw InputError("--out: cannot write '" + a->out + "'");
      f << dump(j) << "\n";
      print({{"exported", a->out}, {"entries", j.at("entries").size()}});
    }
  });
}

}  // namespace galt::cli
