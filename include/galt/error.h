// Errors galt raises. Bad input (a missing or corrupt file, a malformed
// config, a NaN constraint value, a shape mismatch) is an InputError: the CLI
// maps it to exit code 2. Anything else that escapes is an internal error
// (exit code 1).
#pragma once

#include <stdexcept>
#include <string>

namespace galt {

/// Bad input from the user: the message says which file/field/value and what
/// was expected.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace galt
