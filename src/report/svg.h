// Inline-SVG drawing for the HTML report: escaping, number formatting, axis
// ticks and the three chart kinds. Internal to src/report.
#pragma once

#include <galt/report/html_report.h>

#include <string>
#include <vector>

namespace galt::report::detail {

/// Escapes & < > " ' for HTML text and attribute values.
std::string escape(const std::string& s);
/// Number with `digits` significant digits ("%.*g"); "nan"/"inf" spelled out.
std::string num(double v, int digits = 4);
/// Fixed-point number, e.g. fixed(0.9641, 3) = "0.964".
std::string fixed(double v, int decimals);

/// "Nice" tick positions (steps of 1, 2 or 5 × 10^k) covering [lo, hi],
/// about `target` of them; lo < hi.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

std::string heatmap_svg(const std::string& title, const std::vector<std::vector<double>>& m,
                        const std::vector<std::string>& row_labels,
                        const std::vector<std::string>& col_labels);

/// values[s][g]; errors empty or the same shape. One series: bars coloured by
/// group, values annotated, no legend.
std::string bar_svg(const std::string& title, const std::vector<std::string>& groups,
                    const std::vector<std::string>& series_names,
                    const std::vector<std::vector<double>>& values,
                    const std::vector<std::vector<double>>& errors);

std::string line_svg(const std::string& title, const std::vector<Series>& series, bool log_y,
                     const std::string& x_label, const std::string& y_label);

}  // namespace galt::report::detail
