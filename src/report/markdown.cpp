// GitHub-flavoured Markdown tables of benchmark results (DESIGN §8).
#include <galt/error.h>
#include <galt/report/markdown.h>

#include <algorithm>

namespace galt::report {
namespace {

// Display width in code points (UTF-8 continuation bytes do not count), so
// "±" and "λ" pad like one character.
size_t display_width(const std::string& s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string cell_text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string markdown_table(const std::vector<std::string>& header,
                           const std::vector<std::vector<std::string>>& rows) {
  if (header.empty()) throw InputError("markdown_table: the header has no columns");
  const size_t cols = header.size();
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.size() + 1);
  cells.emplace_back();
  for (const auto& h : header) cells.back().push_back(cell_text(h));
  for (size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].size() > cols) {
      throw InputError("markdown_table: row " + std::to_string(r) + " has " +
                       std::to_string(rows[r].size()) + " cells, the header " +
                       std::to_string(cols));
    }
    cells.emplace_back();
    for (size_t c = 0; c < cols; ++c) {
      cells.back().push_back(c < rows[r].size() ? cell_text(rows[r][c]) : "");
    }
  }
  std::vector<size_t> width(cols, 3);  // "---" is the narrowest separator
  for (const auto& row : cells) {
    for (size_t c = 0; c < cols; ++c) width[c] = std::max(width[c], display_width(row[c]));
  }
  auto line = [&](const std::vector<std::string>& row) {
    std::string s = "|";
    for (size_t c = 0; c < cols; ++c) {
      s += ' ';
      s += row[c];
      s.append(width[c] - display_width(row[c]), ' ');
      s += " |";
    }
    return s + "\n";
  };
  std::string out = line(cells[0]);
  out += "|";
  for (size_t c = 0; c < cols; ++c) {
    out += ' ';
    out.append(width[c], '-');
    out += " |";
  }
  out += "\n";
  for (size_t r = 1; r < cells.size(); ++r) out += line(cells[r]);
  return out;
}

}  // namespace galt::report
