// The one parser of the comma-separated lists the galt commands take
// (`--seeds 1,2,3`, `--values -1,-1,0.5`, `--hard 0,1`, `--only ledger,heads`).
//
// Items are trimmed of blanks, so "1, 2" reads as "1,2". An empty item
// ("1,,2", ",1", "1,") and an item that is not what the option takes are
// galt::InputErrors naming the option and the item, so a bad list exits
// with code 2.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace galt::cli {

/// A list option: its name and what one item is, for the error messages.
struct ListOption {
  std::string_view name;     ///< e.g. "--seeds"
  std::string_view item;     ///< e.g. "a non-negative integer"
  bool allow_empty = false;  ///< "" is the empty list; otherwise an error
};

/// The trimmed items of `text`.
std::vector<std::string> parse_list(std::string_view text, const ListOption& option);

/// Decimal integers in [min, max] (an optional sign, digits only).
std::vector<std::int64_t> parse_integer_list(
    std::string_view text, const ListOption& option,
    std::int64_t min = std::numeric_limits<std::int64_t>::min(),
    std::int64_t max = std::numeric_limits<std::int64_t>::max());

/// Decimal floating-point numbers ("-1", "0.5", "1e-3", "nan" and "inf" too:
/// what a non-finite value means is the consumer's rule).
std::vector<double> parse_number_list(std::string_view text, const ListOption& option);

/// Items each equal to one of `choices` (`option.item` is not used: the
/// message lists the choices).
std::vector<std::string> parse_choice_list(std::string_view text, const ListOption& option,
                                           const std::vector<std::string_view>& choices);

}  // namespace galt::cli
