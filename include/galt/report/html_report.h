// A self-contained HTML report (DESIGN §8): one file, inline CSS and SVG, no
// scripts, fonts or links to fetch. Sections appear in the order added.
#pragma once

#include <string>
#include <vector>

namespace galt::report {

/// One named line of a line chart: y over x (same length). Non-finite points
/// are skipped (the line breaks there).
struct Series {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;
};

class HtmlReport {
 public:
  /// `title` is the page's <title> and top heading.
  explicit HtmlReport(std::string title = "galt report");

  /// A heading; level 2..4 (clamped).
  void add_heading(const std::string& text, int level = 2);
  /// A paragraph of plain text (HTML-escaped).
  void add_paragraph(const std::string& text);
  /// A table; rows shorter than the header are padded. Throws
  /// galt::InputError if a row is longer than the header.
  void add_table(const std::vector<std::string>& header,
                 const std::vector<std::vector<std::string>>& rows);
  /// Heatmap of a matrix with values in [0, 1] (e.g. the accuracy matrix:
  /// row i = after task i, column j = task j), each cell annotated with its
  /// value (3 decimals). NaN cells (e.g. tasks not seen yet) are drawn grey
  /// and annotated "–". Labels default to 0, 1, … when empty. Throws
  /// galt::InputError for a ragged matrix or a label count that does not
  /// match.
  void add_heatmap(const std::string& title, const std::vector<std::vector<double>>& matrix,
                   const std::vector<std::string>& row_labels = {},
                   const std::vector<std::string>& col_labels = {});
  /// Bar chart, one bar per label, with ± error bars when `errors` is
  /// non-empty (same length as values). Values may be negative. Throws
  /// galt::InputError on a length mismatch.
  void add_bar_chart(const std::string& title, const std::vector<std::string>& labels,
                     const std::vector<double>& values, const std::vector<double>& errors = {});
  /// Grouped bar chart: groups along x (e.g. metrics or protocols), one bar
  /// per series within each group (e.g. methods), with a legend.
  /// values[s][g] and errors[s][g] (errors optional: empty). Throws
  /// galt::InputError on a shape mismatch.
  void add_grouped_bar_chart(const std::string& title, const std::vector<std::string>& groups,
                             const std::vector<std::string>& series_names,
                             const std::vector<std::vector<double>>& values,
                             const std::vector<std::vector<double>>& errors = {});
  /// Line chart of several named series, with a legend. With log_y, points
  /// with y ≤ 0 are skipped. Throws galt::InputError if a series' x and y
  /// differ in length.
  void add_line_chart(const std::string& title, const std::vector<Series>& series,
                      bool log_y = false, const std::string& x_label = "step",
                      const std::string& y_label = "");

  /// The whole document.
  std::string html() const;
  /// Writes html() to `path` (parent directories must exist). Throws
  /// galt::InputError if the file cannot be written.
  void save(const std::string& path) const;

 private:
  std::string title_;
  std::vector<std::string> sections_;
};

}  // namespace galt::report
