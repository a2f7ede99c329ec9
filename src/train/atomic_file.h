// Internal: a file replaced whole or not at all (the run store's runs, the
// runs' checkpoints). Written to a temporary name in the same folder, fsync'ed,
// renamed over `path`, and the folder fsync'ed, so that after a kill (or a
// power cut) `path` holds the old contents or the new ones, never a mix.
#pragma once

#include <string>
#include <string_view>

namespace galt::train::detail {

/// `parts` concatenated into `path`. Throws galt::InputError naming the file
/// when it cannot be written; the temporary file is removed then.
void write_file_atomically(const std::string& path, std::initializer_list<std::string_view> parts);

}  // namespace galt::train::detail
