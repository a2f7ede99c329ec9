// Whole-number fields of the JSON a ledger stores (its options, decisions).
// nlohmann's get<int>() casts a float to int, which is undefined behaviour
// when it does not fit (a ledger file is outside input: fuzz/memory/).
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

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

}  // namespace galt::memory::detail
