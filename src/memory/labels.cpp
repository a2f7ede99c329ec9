// Spellings of the memory labels (DESIGN §6). Unknown spellings are errors,
// never a silent "accept".
#include "galt/memory/labels.h"

#include <array>
#include <string>
#include <utility>

#include "galt/error.h"

namespace galt::memory {
namespace {

template <typename E, std::size_t K>
E parse_from(std::string_view s, const std::array<std::pair<E, const char*>, K>& table,
             const std::string& what) {
  for (const auto& [value, name] : table) {
    if (s == name) return value;
  }
  std::string expected;
  for (const auto& [value, name] : table) {
    if (!expected.empty()) expected += ", ";
    expected += name;
  }
  throw InputError(what + ": unknown label '" + std::string(s) + "' (expected one of: " + expected +
                   ")");
}

constexpr std::array<std::pair<Action, const char*>, 3> kActions{{
    {Action::kAccept, "accept"},
    {Action::kAcceptWithResidual, "accept_with_residual"},
    {Action::kReject, "reject"},
}};
constexpr std::array<std::pair<MemoryOutcome, const char*>, 3> kOutcomes{{
    {MemoryOutcome::kConsolidate, "consolidate"},
    {MemoryOutcome::kNotConsolidated, "not_consolidated"},
    {MemoryOutcome::kHeld, "held"},
}};
constexpr std::array<std::pair<ResidualKind, const char*>, 4> kResiduals{{
    {ResidualKind::kNone, "none"},
    {ResidualKind::kHardViolation, "hard_violation"},
    {ResidualKind::kBoundaryAmbiguity, "boundary_ambiguity"},
    {ResidualKind::kSoftRuleDebt, "soft_rule_debt"},
}};
constexpr std::array<std::pair<EntryStatus, const char*>, 5> kStatuses{{
    {EntryStatus::kProposed, "proposed"},
    {EntryStatus::kAccepted, "accepted"},
    {EntryStatus::kRejected, "rejected"},
    {EntryStatus::kHeld, "held"},
    {EntryStatus::kConsolidated, "consolidated"},
}};
constexpr std::array<std::pair<EventKind, const char*>, 8> kEvents{{
    {EventKind::kPropose, "propose"},
    {EventKind::kAdjudicate, "adjudicate"},
    {EventKind::kConsolidate, "consolidate"},
    {EventKind::kRaiseViolation, "raise_violation"},
    {EventKind::kResolveViolation, "resolve_violation"},
    {EventKind::kReadjudicate, "readjudicate"},
    {EventKind::kOpenResidual, "open_residual"},
    {EventKind::kCloseResidual, "close_residual"},
}};

template <typename E, std::size_t K>
const char* name_in(E value, const std::array<std::pair<E, const char*>, K>& table) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "?";
}

}  // namespace

const char* to_string(Action a) { return name_in(a, kActions); }
const char* to_string(MemoryOutcome o) { return name_in(o, kOutcomes); }
const char* to_string(ResidualKind r) { return name_in(r, kResiduals); }
const char* to_string(EntryStatus s) { return name_in(s, kStatuses); }
const char* to_string(EventKind k) { return name_in(k, kEvents); }

Action parse_action(std::string_view s, const std::string& what) {
  return parse_from(s, kActions, what);
}
MemoryOutcome parse_outcome(std::string_view s, const std::string& what) {
  return parse_from(s, kOutcomes, what);
}
ResidualKind parse_residual(std::string_view s, const std::string& what) {
  return parse_from(s, kResiduals, what);
}
EntryStatus parse_status(std::string_view s, const std::string& what) {
  return parse_from(s, kStatuses, what);
}
EventKind parse_event_kind(std::string_view s, const std::string& what) {
  return parse_from(s, kEvents, what);
}

}  // namespace galt::memory
