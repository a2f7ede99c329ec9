// The labels of adjudication and of the ledger (DESIGN §6), with their
// spellings. Parsing an unknown spelling throws galt::InputError: an unknown
// label never silently becomes "accept".
#pragma once

#include <string>
#include <string_view>

namespace galt::memory {

/// What the adjudicator does with a candidate trace.
enum class Action { kAccept, kAcceptWithResidual, kReject };

/// What happens to the memory: it may be consolidated, it is not, or it is
/// held pending a later ruling (boundary ambiguity under the hold policy).
enum class MemoryOutcome { kConsolidate, kNotConsolidated, kHeld };

/// The debt a decision leaves open in the residual ledger.
enum class ResidualKind { kNone, kHardViolation, kBoundaryAmbiguity, kSoftRuleDebt };

/// The life of a ledger entry.
///   proposed → (adjudicate) accepted | rejected | held
///   accepted → (consolidate) consolidated
///   any adjudicated state → (re-adjudicate) accepted | rejected | held, or
///   stays consolidated when the new ruling accepts a consolidated entry.
enum class EntryStatus { kProposed, kAccepted, kRejected, kHeld, kConsolidated };

/// Append-only event kinds of the trace ledger.
enum class EventKind {
  kPropose,
  kAdjudicate,
  kConsolidate,
  kRaiseViolation,
  kResolveViolation,
  kReadjudicate,
  kOpenResidual,
  kCloseResidual
};

const char* to_string(Action a);
const char* to_string(MemoryOutcome o);
const char* to_string(ResidualKind r);
const char* to_string(EntryStatus s);
const char* to_string(EventKind k);

/// Parsers: `what` names the field in the error message.
Action parse_action(std::string_view s, const std::string& what = "action");
MemoryOutcome parse_outcome(std::string_view s, const std::string& what = "memory outcome");
ResidualKind parse_residual(std::string_view s, const std::string& what = "residual");
EntryStatus parse_status(std::string_view s, const std::string& what = "status");
EventKind parse_event_kind(std::string_view s, const std::string& what = "event kind");

/// accept or accept_with_residual.
inline bool is_accepting(Action a) { return a != Action::kReject; }

}  // namespace galt::memory
