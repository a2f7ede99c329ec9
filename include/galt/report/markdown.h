// Markdown output for benchmark tables (DESIGN §8).
#pragma once

#include <string>
#include <vector>

namespace galt::report {

/// A GitHub-flavoured Markdown table: a header row, a separator row and one
/// line per row, each cell padded to its column's width; '|' inside a cell is
/// escaped as "\|" and newlines become spaces. Rows shorter than the header
/// are padded with empty cells. Throws galt::InputError if the header is
/// empty or a row has more cells than the header.
std::string markdown_table(const std::vector<std::string>& header,
                           const std::vector<std::vector<std::string>>& rows);

}  // namespace galt::report
