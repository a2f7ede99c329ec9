// Inline-SVG charts for the HTML report (DESIGN §8). Plain SVG 1.1 elements
// only (rect, line, polyline, circle, text, title), no scripts or external
// resources, so the file renders offline in any browser.
#include "report/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace galt::report::detail {
namespace {

// Tableau 10: distinguishable, colour-blind-friendlier than the defaults.
const char* const kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
std::string colour(size_t i) { return kPalette[i % 10]; }

std::string xy(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

// Sequential blue scale for [0, 1] (ColorBrewer "Blues" end points).
std::string blue(double v) {
  v = std::clamp(v, 0.0, 1.0);
  const double lo[3] = {247, 251, 255}, hi[3] = {8, 48, 107};
  char b[16];
  std::snprintf(b, sizeof b, "#%02x%02x%02x",
                static_cast<int>(std::lround(lo[0] + v * (hi[0] - lo[0]))),
                static_cast<int>(std::lround(lo[1] + v * (hi[1] - lo[1]))),
                static_cast<int>(std::lround(lo[2] + v * (hi[2] - lo[2]))));
  return b;
}

std::string text(double x, double y, const std::string& s, const std::string& attrs = "") {
  return "<text x=\"" + xy(x) + "\" y=\"" + xy(y) + "\"" + (attrs.empty() ? "" : " " + attrs) +
         ">" + escape(s) + "</text>\n";
}

std::string line(double x1, double y1, double x2, double y2, const std::string& attrs) {
  return "<line x1=\"" + xy(x1) + "\" y1=\"" + xy(y1) + "\" x2=\"" + xy(x2) + "\" y2=\"" + xy(y2) +
         "\" " + attrs + "/>\n";
}

std::string rect(double x, double y, double w, double h, const std::string& attrs,
                 const std::string& tooltip = "") {
  std::string r = "<rect x=\"" + xy(x) + "\" y=\"" + xy(y) + "\" width=\"" + xy(std::max(w, 0.0)) +
                  "\" height=\"" + xy(std::max(h, 0.0)) + "\" " + attrs;
  if (tooltip.empty()) return r + "/>\n";
  return r + "><title>" + escape(tooltip) + "</title></rect>\n";
}

std::string open_svg(double w, double h, const std::string& title) {
  return "<svg class=\"chart\" width=\"" + xy(w) + "\" height=\"" + xy(h) + "\" viewBox=\"0 0 " +
         xy(w) + " " + xy(h) + "\" role=\"img\" font-family=\"sans-serif\" font-size=\"12\">\n" +
         "<title>" + escape(title) + "</title>\n";
}

// A legend column at (x, y): a swatch and a name per entry.
std::string legend(double x, double y, const std::vector<std::string>& names, bool as_lines) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) {
    const double yy = y + 18.0 * static_cast<double>(i);
    if (as_lines) {
      s += line(x, yy - 4, x + 18, yy - 4, "stroke=\"" + colour(i) + "\" stroke-width=\"2.5\"");
    } else {
      s += rect(x, yy - 10, 12, 12, "fill=\"" + colour(i) + "\"");
    }
    s += text(x + 24, yy, names[i]);
  }
  return s;
}

double legend_width(const std::vector<std::string>& names) {
  size_t longest = 0;
  for (const auto& n : names) longest = std::max(longest, n.size());
  return 50.0 + 7.5 * static_cast<double>(std::min<size_t>(longest, 40));
}

}  // namespace

std::string escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string num(double v, int digits) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char b[48];
  std::snprintf(b, sizeof b, "%.*g", digits, v);
  return b;
}

std::string fixed(double v, int decimals) {
  if (!std::isfinite(v)) return num(v);
  char b[48];
  std::snprintf(b, sizeof b, "%.*f", decimals, v);
  return b;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  const double raw = (hi - lo) / std::max(target, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  }
  // From the last tick ≤ lo to the first tick ≥ hi, so the axis covers the data.
  const double first = std::floor(lo / step + 1e-9), last = std::ceil(hi / step - 1e-9);
  std::vector<double> t;
  for (double k = first; k <= last; k += 1.0) t.push_back(k == 0 ? 0.0 : k * step);
  return t;
}

// ---- heatmap ---------------------------------------------------------------

std::string heatmap_svg(const std::string& title, const std::vector<std::vector<double>>& m,
                        const std::vector<std::string>& row_labels,
                        const std::vector<std::string>& col_labels) {
  const double cw = 64, ch = 34, left = 110, top = 46;
  const size_t rows = m.size(), cols = rows ? m[0].size() : 0;
  const double w = left + cw * static_cast<double>(cols) + 90;  // 90: colour scale
  const double h = std::max(top + ch * static_cast<double>(rows) + 20, top + 170);
  std::string s = open_svg(w, h, title);
  for (size_t j = 0; j < cols; ++j) {
    s += text(left + cw * (static_cast<double>(j) + 0.5), top - 10, col_labels[j],
              "text-anchor=\"middle\"");
  }
  for (size_t i = 0; i < rows; ++i) {
    const double y = top + ch * static_cast<double>(i);
    s += text(left - 8, y + ch / 2 + 4, row_labels[i], "text-anchor=\"end\"");
    for (size_t j = 0; j < cols; ++j) {
      const double x = left + cw * static_cast<double>(j), v = m[i][j];
      const bool missing = !std::isfinite(v);
      const std::string label = missing ? "\u2013" : fixed(v, 3);
      s += rect(x, y, cw - 2, ch - 2,
                "class=\"cell\" fill=\"" + std::string(missing ? "#dddddd" : blue(v)) + "\"",
                row_labels[i] + ", " + col_labels[j] + ": " + label);
      s += text(x + (cw - 2) / 2, y + ch / 2 + 3, label,
                "text-anchor=\"middle\" fill=\"" +
                    std::string(!missing && v > 0.55 ? "#ffffff" : "#222222") + "\"");
    }
  }
  // Colour scale: 0 at the bottom, 1 at the top.
  const double sx = left + cw * static_cast<double>(cols) + 20;
  for (int k = 0; k < 10; ++k) {
    s += rect(sx, top + 12.0 * (9 - k), 14, 12, "fill=\"" + blue((k + 0.5) / 10.0) + "\"");
  }
  s += text(sx + 20, top + 10, "1", "");
  s += text(sx + 20, top + 120, "0", "");
  return s + "</svg>\n";
}

// ---- bars ------------------------------------------------------------------

std::string bar_svg(const std::string& title, const std::vector<std::string>& groups,
                    const std::vector<std::string>& series_names,
                    const std::vector<std::vector<double>>& values,
                    const std::vector<std::vector<double>>& errors) {
  const size_t ns = values.size(), ng = groups.size();
  const bool single = ns == 1;
  const double bw = single ? 40 : 20, gap = 24;
  const double gw = bw * static_cast<double>(ns) + gap;
  size_t longest = 0;
  for (const auto& g : groups) longest = std::max(longest, g.size());
  const bool rotate = 7.0 * static_cast<double>(longest) > gw;
  const double left = 64, top = 20, ph = 240;
  const double bottom = rotate ? 20 + 6.0 * static_cast<double>(std::min<size_t>(longest, 30)) : 36;
  const double pw = std::max(gw * static_cast<double>(ng), 200.0);
  const double lw = single ? 10 : legend_width(series_names);
  std::string s = open_svg(left + pw + lw + 10, top + ph + bottom, title);

  double lo = 0, hi = 0;
  auto err = [&](size_t si, size_t g) {
    return errors.empty() || !std::isfinite(errors[si][g]) ? 0.0 : std::abs(errors[si][g]);
  };
  for (size_t si = 0; si < ns; ++si) {
    for (size_t g = 0; g < ng; ++g) {
      const double v = values[si][g];
      if (!std::isfinite(v)) continue;
      lo = std::min(lo, v - err(si, g));
      hi = std::max(hi, v + err(si, g));
    }
  }
  if (hi - lo < 1e-12) hi = lo + 1.0;
  const auto ticks = nice_ticks(lo, hi, 5);
  lo = std::min(lo, ticks.front());
  hi = std::max(hi, ticks.back());
  auto Y = [&](double v) { return top + ph * (hi - v) / (hi - lo); };

  for (double t : ticks) {
    s += line(left, Y(t), left + pw, Y(t), "stroke=\"#e5e5e5\"");
    s += text(left - 6, Y(t) + 4, num(t, 3), "text-anchor=\"end\"");
  }
  s += line(left, top, left, top + ph, "stroke=\"#333\"");
  s += line(left, Y(0), left + pw, Y(0), "stroke=\"#333\"");
  for (size_t g = 0; g < ng; ++g) {
    const double gx = left + gap / 2 + gw * static_cast<double>(g);
    for (size_t si = 0; si < ns; ++si) {
      const double v = values[si][g];
      const double x = gx + bw * static_cast<double>(si);
      const std::string name = single ? groups[g] : series_names[si] + ", " + groups[g];
      if (!std::isfinite(v)) {
        s += text(x + bw / 2, Y(0) - 4, "n/a", "text-anchor=\"middle\" font-size=\"10\"");
        continue;
      }
      const double e = err(si, g);
      const std::string tip = name + ": " + num(v) + (e > 0 ? " \u00b1 " + num(e) : "");
      s += rect(x + 1, std::min(Y(v), Y(0)), bw - 2, std::abs(Y(v) - Y(0)),
                "class=\"bar\" fill=\"" + colour(single ? g : si) + "\"", tip);
      if (e > 0) {
        const double cx = x + bw / 2;
        s += line(cx, Y(v - e), cx, Y(v + e), "stroke=\"#222\" stroke-width=\"1.2\"");
        s += line(cx - 5, Y(v + e), cx + 5, Y(v + e), "stroke=\"#222\" stroke-width=\"1.2\"");
        s += line(cx - 5, Y(v - e), cx + 5, Y(v - e), "stroke=\"#222\" stroke-width=\"1.2\"");
      }
      if (single) {
        const double ty = v >= 0 ? Y(v + e) - 5 : Y(v - e) + 13;
        s += text(x + bw / 2, ty, num(v, 3), "text-anchor=\"middle\" font-size=\"11\"");
      }
    }
    const double cx = gx + gw / 2 - gap / 2;
    if (rotate) {
      s += text(
          cx, top + ph + 14, groups[g],
          "text-anchor=\"end\" transform=\"rotate(-35 " + xy(cx) + " " + xy(top + ph + 14) + ")\"");
    } else {
      s += text(cx, top + ph + 18, groups[g], "text-anchor=\"middle\"");
    }
  }
  if (!single) s += legend(left + pw + 16, top + 12, series_names, false);
  return s + "</svg>\n";
}

// ---- lines -----------------------------------------------------------------

namespace {

struct Pt {
  double x, y;
};

// Splits a series into runs of drawable points (finite; y > 0 on a log axis)
// and thins each run to at most `cap` points by keeping each bucket's min
// and max, so isolated spikes (e.g. a safety violation) stay visible.
std::vector<std::vector<Pt>> runs(const Series& s, bool log_y, size_t cap) {
  std::vector<std::vector<Pt>> out(1);
  for (size_t i = 0; i < s.x.size(); ++i) {
    const double x = s.x[i], y = s.y[i];
    if (!std::isfinite(x) || !std::isfinite(y) || (log_y && y <= 0)) {
      if (!out.back().empty()) out.emplace_back();
      continue;
    }
    out.back().push_back({x, log_y ? std::log10(y) : y});
  }
  if (out.back().empty()) out.pop_back();
  for (auto& r : out) {
    if (r.size() <= cap) continue;
    const size_t per = (r.size() + cap / 2 - 1) / (cap / 2);
    std::vector<Pt> thin;
    for (size_t b = 0; b < r.size(); b += per) {
      const size_t e = std::min(r.size(), b + per);
      auto [mn, mx] = std::minmax_element(r.begin() + static_cast<std::ptrdiff_t>(b),
                                          r.begin() + static_cast<std::ptrdiff_t>(e),
                                          [](const Pt& a, const Pt& c) { return a.y < c.y; });
      if (mn - r.begin() <= mx - r.begin()) {
        thin.push_back(*mn);
        if (mx != mn) thin.push_back(*mx);
      } else {
        thin.push_back(*mx);
        thin.push_back(*mn);
      }
    }
    r = std::move(thin);
  }
  return out;
}

}  // namespace

std::string line_svg(const std::string& title, const std::vector<Series>& series, bool log_y,
                     const std::string& x_label, const std::string& y_label) {
  const double left = 70, top = 16, pw = 560, ph = 260, bottom = 46;
  std::vector<std::string> names;
  for (const auto& s : series) names.push_back(s.name);
  const double lw = legend_width(names);
  std::string svg = open_svg(left + pw + lw + 10, top + ph + bottom, title);

  std::vector<std::vector<std::vector<Pt>>> all;
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : series) {
    all.push_back(runs(s, log_y, 4000));
    for (const auto& r : all.back()) {
      for (const auto& p : r) {
        x0 = std::min(x0, p.x), x1 = std::max(x1, p.x);
        y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
      }
    }
  }
  if (!std::isfinite(x0)) {
    svg += text(left + pw / 2, top + ph / 2, "no data", "text-anchor=\"middle\"");
    return svg + "</svg>\n";
  }
  if (x1 - x0 < 1e-12) x0 -= 0.5, x1 += 0.5;
  if (y1 - y0 < 1e-12) {
    const double pad = log_y ? 0.5 : std::max(std::abs(y0) * 0.1, 0.5);
    y0 -= pad, y1 += pad;
  }
  std::vector<double> yt;
  if (log_y) {
    // Ticks at whole decades (log10 space); y0/y1 widened to decades.
    y0 = std::floor(y0), y1 = std::ceil(y1);
    const double step = std::max(1.0, std::ceil((y1 - y0) / 6));
    for (double d = y0; d <= y1 + 1e-9; d += step) yt.push_back(d);
  } else {
    yt = nice_ticks(y0, y1, 5);
    y0 = std::min(y0, yt.front()), y1 = std::max(y1, yt.back());
  }
  const auto xt = nice_ticks(x0, x1, 6);
  auto X = [&](double v) { return left + pw * (v - x0) / (x1 - x0); };
  auto Y = [&](double v) { return top + ph * (y1 - v) / (y1 - y0); };

  for (double t : yt) {
    svg += line(left, Y(t), left + pw, Y(t), "stroke=\"#e5e5e5\"");
    svg += text(left - 6, Y(t) + 4, log_y ? num(std::pow(10.0, t), 6) : num(t, 3),
                "text-anchor=\"end\"");
  }
  for (double t : xt) {
    if (t < x0 - 1e-9 || t > x1 + 1e-9) continue;
    svg += line(X(t), top + ph, X(t), top + ph + 4, "stroke=\"#333\"");
    svg += text(X(t), top + ph + 17, num(t, 6), "text-anchor=\"middle\"");
  }
  svg += line(left, top, left, top + ph, "stroke=\"#333\"");
  svg += line(left, top + ph, left + pw, top + ph, "stroke=\"#333\"");
  svg += text(left + pw / 2, top + ph + 38, x_label, "text-anchor=\"middle\"");
  if (!y_label.empty() || log_y) {
    const std::string yl = y_label + (log_y ? " (log scale)" : "");
    svg += text(14, top + ph / 2, yl,
                "text-anchor=\"middle\" transform=\"rotate(-90 14 " + xy(top + ph / 2) + ")\"");
  }
  for (size_t i = 0; i < all.size(); ++i) {
    for (const auto& r : all[i]) {
      if (r.size() == 1) {
        svg += "<circle cx=\"" + xy(X(r[0].x)) + "\" cy=\"" + xy(Y(r[0].y)) +
               "\" r=\"2.5\" fill=\"" + colour(i) + "\"/>\n";
        continue;
      }
      svg += "<polyline class=\"series\" fill=\"none\" stroke=\"" + colour(i) +
             "\" stroke-width=\"1.6\" points=\"";
      for (size_t k = 0; k < r.size(); ++k) {
        if (k) svg += ' ';
        svg += xy(X(r[k].x)) + "," + xy(Y(r[k].y));
      }
      svg += "\"><title>" + escape(series[i].name) + "</title></polyline>\n";
    }
  }
  svg += legend(left + pw + 16, top + 12, names, true);
  return svg + "</svg>\n";
}

}  // namespace galt::report::detail
