// Range checks of the commands' numeric options, as CLI11 validators
// (`->check(at_least(1))`): a value outside its range is a
// CLI::ValidationError, "--OPTION: got V, expected ...", so the command
// exits 2 before any work.
//
// Why not CLI::Range / CLI::PositiveNumber: they reject a value by testing
// "below the minimum or above the maximum", which NaN passes (every
// comparison with NaN is false), and "inf" reads as a number. These checks
// accept a value only when it is inside, so NaN is refused, and the
// real-valued ones refuse ±inf too. A value is read as CLI11 reads it
// (CLI::detail::lexical_cast), so the check sees what the option receives.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace galt::cli {

/// An integer ≥ min; `note` (e.g. "0: the config's") is added to the message.
CLI::Validator at_least(std::int64_t min, const std::string& note = "");
/// An integer in [min, max].
CLI::Validator integer_in(std::int64_t min, std::int64_t max);
/// A finite number > min, or ≥ min when `inclusive`.
CLI::Validator finite_above(double min, bool inclusive = false, const std::string& note = "");
/// A finite number in [lo, hi], or (lo, hi] when not `lo_inclusive`.
CLI::Validator finite_in(double lo, double hi, bool lo_inclusive = true);

}  // namespace galt::cli
