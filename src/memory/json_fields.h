// Fields of the JSON a ledger stores (its options, decisions, notes).
// nlohmann's get<int>() casts a float to int, which is undefined behaviour
// when it does not fit, and its dump() throws on a string that is not UTF-8
// (a ledger file is outside input: fuzz/memory/).
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "galt/error.h"

namespace galt::memory::detail {

/// `j` as an int; galt::InputError naming `what` unless it is a whole number
/// in int's range.
inline int json_int(const nlohmann::json& j, const std::string& what) {
  using L = std::numeric_limits<int>;
  if (j.is_number_unsigned()
          ? j.get<uint64_t>() <= uint64_t{L::max()}
          : j.is_number_integer() && j.get<int64_t>() >= L::min() && j.get<int64_t>() <= L::max())
    return static_cast<int>(j.get<int64_t>());
  throw InputError(what + ": expected a whole number in int's range, got " + j.dump());
}

/// galt::InputError naming `what` unless `s` is valid UTF-8: every label and
/// note goes into the ledger's JSON (events, export), which must be UTF-8.
inline void require_utf8(std::string_view s, const std::string& what) {
  try {
    (void)nlohmann::json(std::string(s)).dump();
  } catch (const nlohmann::json::type_error&) {
    throw InputError(what + ": not valid UTF-8 text");
  }
}

}  // namespace galt::memory::detail
