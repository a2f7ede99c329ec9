// Range checks of numeric options (option_checks.h).
#include "cli/option_checks.h"

#include <cmath>
#include <sstream>

namespace galt::cli {
namespace {

std::string with_note(std::string expected, const std::string& note) {
  return note.empty() ? expected : expected + " (" + note + ")";
}

// Every check is "accept when inside"; anything else — out of range, NaN,
// not a number at all — is refused with the accepted range.
CLI::Validator integer_check(std::int64_t min, std::int64_t max, const std::string& expected,
                             const std::string& desc) {
  return CLI::Validator(
      [=](std::string& input) -> std::string {
        std::int64_t v = 0;
        if (CLI::detail::lexical_cast(input, v) && v >= min && v <= max) return {};
        return "got " + input + ", expected " + expected;
      },
      desc);
}

CLI::Validator real_check(double lo, bool lo_inclusive, double hi, const std::string& expected,
                          const std::string& desc) {
  return CLI::Validator(
      [=](std::string& input) -> std::string {
        double v = 0;
        if (CLI::detail::lexical_cast(input, v) && std::isfinite(v) &&
            (lo_inclusive ? v >= lo : v > lo) && v <= hi)
          return {};
        return "got " + input + ", expected " + expected;
      },
      desc);
}

std::string number(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

CLI::Validator at_least(std::int64_t min, const std::string& note) {
  const std::string m = std::to_string(min);
  return integer_check(min, INT64_MAX, with_note("an integer >= " + m, note), ">=" + m);
}

CLI::Validator integer_in(std::int64_t min, std::int64_t max) {
  const std::string range = "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
  return integer_check(min, max, "an integer in " + range, "in " + range);
}

CLI::Validator finite_above(double min, bool inclusive, const std::string& note) {
  const std::string op = inclusive ? ">= " : "> ";
  return real_check(min, inclusive, HUGE_VAL, with_note("a finite number " + op + number(min), note),
                    "finite " + op + number(min));
}

CLI::Validator finite_in(double lo, double hi, bool lo_inclusive) {
  const std::string range = (lo_inclusive ? "[" : "(") + number(lo) + ", " + number(hi) + "]";
  return real_check(lo, lo_inclusive, hi, "a number in " + range, "in " + range);
}

}  // namespace galt::cli
