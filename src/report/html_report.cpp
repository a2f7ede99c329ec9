// Self-contained HTML report: inline CSS and SVG only (DESIGN §8 reports).
#include <galt/error.h>
#include <galt/report/html_report.h>

#include <algorithm>
#include <fstream>

#include "report/svg.h"

namespace galt::report {
namespace {

using detail::escape;

const char* const kStyle =
    R"(body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.3em;margin-top:1.6em}h3{font-size:1.1em}
table{border-collapse:collapse;margin:1em 0;font-size:0.92em}
th,td{border:1px solid #ccc;padding:4px 10px;text-align:left}
th{background:#f2f2f2}tr:nth-child(even) td{background:#fafafa}
figure{margin:1.2em 0}figcaption{font-weight:bold;margin-bottom:0.4em}
svg.chart{max-width:100%;height:auto})";

std::vector<std::string> default_labels(size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back(std::to_string(i));
  return out;
}

std::string figure(const std::string& title, const std::string& svg) {
  return "<figure>\n<figcaption>" + escape(title) + "</figcaption>\n" + svg + "</figure>\n";
}

}  // namespace

HtmlReport::HtmlReport(std::string title) : title_(std::move(title)) {}

void HtmlReport::add_heading(const std::string& text, int level) {
  const std::string n = std::to_string(std::clamp(level, 2, 4));
  std::string s = "<h";
  s += n;
  s += '>';
  s += escape(text);
  s += "</h";
  s += n;
  s += ">\n";
  sections_.push_back(std::move(s));
}

void HtmlReport::add_paragraph(const std::string& text) {
  sections_.push_back("<p>" + escape(text) + "</p>\n");
}

void HtmlReport::add_table(const std::vector<std::string>& header,
                           const std::vector<std::vector<std::string>>& rows) {
  std::string s = "<table>\n<thead><tr>";
  for (const auto& h : header) s += "<th>" + escape(h) + "</th>";
  s += "</tr></thead>\n<tbody>\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].size() > header.size()) {
      throw InputError("HtmlReport::add_table: row " + std::to_string(r) + " has " +
                       std::to_string(rows[r].size()) + " cells, the header " +
                       std::to_string(header.size()));
    }
    s += "<tr>";
    for (size_t c = 0; c < header.size(); ++c) {
      s += "<td>" + (c < rows[r].size() ? escape(rows[r][c]) : std::string()) + "</td>";
    }
    s += "</tr>\n";
  }
  sections_.push_back(s + "</tbody>\n</table>\n");
}

void HtmlReport::add_heatmap(const std::string& title,
                             const std::vector<std::vector<double>>& matrix,
                             const std::vector<std::string>& row_labels,
                             const std::vector<std::string>& col_labels) {
  const size_t rows = matrix.size(), cols = rows ? matrix[0].size() : 0;
  for (size_t i = 0; i < rows; ++i) {
    if (matrix[i].size() != cols) {
      throw InputError("heatmap \"" + title + "\": row " + std::to_string(i) + " has " +
                       std::to_string(matrix[i].size()) + " values, row 0 has " +
                       std::to_string(cols));
    }
  }
  if (!row_labels.empty() && row_labels.size() != rows) {
    throw InputError("heatmap \"" + title + "\": " + std::to_string(row_labels.size()) +
                     " row labels for " + std::to_string(rows) + " rows");
  }
  if (!col_labels.empty() && col_labels.size() != cols) {
    throw InputError("heatmap \"" + title + "\": " + std::to_string(col_labels.size()) +
                     " column labels for " + std::to_string(cols) + " columns");
  }
  sections_.push_back(figure(
      title,
      detail::heatmap_svg(title, matrix, row_labels.empty() ? default_labels(rows) : row_labels,
                          col_labels.empty() ? default_labels(cols) : col_labels)));
}

void HtmlReport::add_bar_chart(const std::string& title, const std::vector<std::string>& labels,
                               const std::vector<double>& values,
                               const std::vector<double>& errors) {
  if (values.size() != labels.size() || (!errors.empty() && errors.size() != values.size())) {
    throw InputError("bar chart \"" + title + "\": " + std::to_string(labels.size()) + " labels, " +
                     std::to_string(values.size()) + " values, " + std::to_string(errors.size()) +
                     " errors; expected as many values as labels and errors empty or matching");
  }
  std::vector<std::vector<double>> e;
  if (!errors.empty()) e.push_back(errors);
  sections_.push_back(figure(title, detail::bar_svg(title, labels, {""}, {values}, e)));
}

void HtmlReport::add_grouped_bar_chart(const std::string& title,
                                       const std::vector<std::string>& groups,
                                       const std::vector<std::string>& series_names,
                                       const std::vector<std::vector<double>>& values,
                                       const std::vector<std::vector<double>>& errors) {
  auto bad = [&](const std::string& what) {
    return InputError("grouped bar chart \"" + title + "\": " + what);
  };
  if (series_names.empty()) throw bad("no series");
  if (values.size() != series_names.size()) {
    throw bad(std::to_string(values.size()) + " value rows for " +
              std::to_string(series_names.size()) + " series");
  }
  if (!errors.empty() && errors.size() != values.size()) {
    throw bad(std::to_string(errors.size()) + " error rows for " + std::to_string(values.size()) +
              " series");
  }
  for (size_t s = 0; s < values.size(); ++s) {
    if (values[s].size() != groups.size() ||
        (!errors.empty() && errors[s].size() != groups.size())) {
      throw bad("series \"" + series_names[s] +
                "\" does not have one value (and error) per group (" +
                std::to_string(groups.size()) + ")");
    }
  }
  sections_.push_back(figure(title, detail::bar_svg(title, groups, series_names, values, errors)));
}

void HtmlReport::add_line_chart(const std::string& title, const std::vector<Series>& series,
                                bool log_y, const std::string& x_label,
                                const std::string& y_label) {
  for (const auto& s : series) {
    if (s.x.size() != s.y.size()) {
      throw InputError("line chart \"" + title + "\": series \"" + s.name + "\" has " +
                       std::to_string(s.x.size()) + " x values and " + std::to_string(s.y.size()) +
                       " y values");
    }
  }
  sections_.push_back(figure(title, detail::line_svg(title, series, log_y, x_label, y_label)));
}

std::string HtmlReport::html() const {
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                  escape(title_) + "</title>\n<style>\n" + kStyle +
                  "\n</style>\n</head>\n<body>\n<h1>" + escape(title_) + "</h1>\n";
  for (const auto& sec : sections_) s += sec;
  return s + "</body>\n</html>\n";
}

void HtmlReport::save(const std::string& path) const {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw InputError("cannot write the HTML report to " + path);
  const std::string doc = html();
  out.write(doc.data(), static_cast<std::streamsize>(doc.size()));
  out.close();
  if (!out) throw InputError("error while writing the HTML report to " + path);
}

}  // namespace galt::report
