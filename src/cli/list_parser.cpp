// Comma-separated list options (list_parser.h). Numbers are read with
// std::from_chars, not std::stod/stol: no locale, and an item is a number in
// full or an error ("2x", "1.5" as an integer).
#include "cli/list_parser.h"

#include <charconv>
#include <system_error>

#include "galt/error.h"

namespace galt::cli {
namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::string in_quotes(std::string_view s) { return "'" + std::string(s) + "'"; }

[[noreturn]] void bad_item(const ListOption& option, std::string_view item) {
  throw InputError(std::string(option.name) + ": " + in_quotes(item) + " is not " +
                   std::string(option.item));
}

// A leading '+' is accepted as std::stod/stol did; std::from_chars takes
// only '-'.
std::string_view without_plus(std::string_view item) {
  if (item.size() > 1 && item[0] == '+' && item[1] != '-' && item[1] != '+') item.remove_prefix(1);
  return item;
}

}  // namespace

std::vector<std::string> parse_list(std::string_view text, const ListOption& option) {
  std::vector<std::string> out;
  if (trim(text).empty()) {
    if (option.allow_empty) return out;
    throw InputError(std::string(option.name) + ": the list is empty; expected " +
                     std::string(option.item) + ", or several separated by commas");
  }
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item =
        trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    if (item.empty()) {
      throw InputError(std::string(option.name) + ": empty item in " + in_quotes(text) +
                       "; items are separated by single commas, each is " +
                       std::string(option.item));
    }
    out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<std::int64_t> parse_integer_list(std::string_view text, const ListOption& option,
                                             std::int64_t min, std::int64_t max) {
  std::vector<std::int64_t> out;
  for (const std::string& item : parse_list(text, option)) {
    const std::string_view digits = without_plus(item);
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec == std::errc::result_out_of_range) {
      throw InputError(std::string(option.name) + ": " + in_quotes(item) + " is out of range (" +
                       std::string(option.item) + ")");
    }
    if (ec != std::errc() || end != digits.data() + digits.size()) bad_item(option, item);
    if (v < min || v > max) {
      throw InputError(std::string(option.name) + ": " + in_quotes(item) + " is outside " +
                       std::to_string(min) + ".." + std::to_string(max) + " (" +
                       std::string(option.item) + ")");
    }
    out.push_back(v);
  }
  return out;
}

std::vector<double> parse_number_list(std::string_view text, const ListOption& option) {
  std::vector<double> out;
  for (const std::string& item : parse_list(text, option)) {
    const std::string_view number = without_plus(item);
    double v = 0.0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
    if (ec == std::errc::result_out_of_range) {
      throw InputError(std::string(option.name) + ": " + in_quotes(item) +
                       " is out of the range of a double (" + std::string(option.item) + ")");
    }
    if (ec != std::errc() || end != number.data() + number.size()) bad_item(option, item);
    out.push_back(v);
  }
  return out;
}

std::vector<std::string> parse_choice_list(std::string_view text, const ListOption& option,
                                           const std::vector<std::string_view>& choices) {
  std::string expected = "one of";
  for (std::size_t i = 0; i < choices.size(); ++i) {
    expected += (i == 0 ? " " : ", ") + std::string(choices[i]);
  }
  const ListOption named{option.name, expected, option.allow_empty};
  std::vector<std::string> out = parse_list(text, named);
  for (const std::string& item : out) {
    bool known = false;
    for (std::string_view c : choices) known = known || item == c;
    if (!known) {
      throw InputError(std::string(option.name) + ": unknown " + in_quotes(item) + " (expected " +
                       expected + ")");
    }
  }
  return out;
}

}  // namespace galt::cli
