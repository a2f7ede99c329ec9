// The HTML report: well-formed, self-contained, and showing the values given.
#include <galt/error.h>
#include <galt/report/html_report.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>

namespace galt::report {
namespace {

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

// Checks that every element is closed in order (void elements and "/>"
// excepted). Returns "" when balanced, else a description of the problem.
std::string check_balanced(const std::string& html) {
  static const std::regex tag(R"(<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>)");
  const std::vector<std::string> void_elems = {"meta", "br", "hr", "img", "link", "input"};
  std::vector<std::string> stack;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), tag); it != std::sregex_iterator();
       ++it) {
    const auto& m = *it;
    const std::string name = m[2];
    const std::string rest = m[3];
    if (m[1] == "/") {
      if (stack.empty() || stack.back() != name) {
        return "unexpected </" + name + "> (open: " + (stack.empty() ? "none" : stack.back()) + ")";
      }
      stack.pop_back();
    } else if (!rest.empty() && rest.back() == '/') {
      continue;  // self-closing
    } else if (std::find(void_elems.begin(), void_elems.end(), name) == void_elems.end()) {
      stack.push_back(name);
    }
  }
  return stack.empty() ? "" : "unclosed <" + stack.back() + ">";
}

HtmlReport full_report() {
  HtmlReport r("Continual <benchmark> & co");
  r.add_heading("Split-Fashion-MNIST, class-IL");
  r.add_paragraph("Seeds 0, 1, 2; mean ± std.");
  r.add_table({"method", "acc"}, {{"GALT", "0.964"}, {"A<GEM>", "0.5"}});
  r.add_heatmap("Accuracy matrix (GALT)",
                {{0.991, NAN, NAN}, {0.912, 0.978, NAN}, {0.873, 0.901, 0.964}},
                {"after task 1", "after task 2", "after task 3"}, {"task 1", "task 2", "task 3"});
  r.add_bar_chart("Forgetting per method", {"GALT", "AdamW", "EWC"}, {0.037, 0.41, -0.02},
                  {0.004, 0.03, 0.01});
  r.add_grouped_bar_chart("Accuracy by protocol", {"class-IL", "task-IL"}, {"GALT", "AdamW"},
                          {{0.8, 0.97}, {0.2, 0.9}}, {{0.01, 0.0}, {0.02, 0.01}});
  Series viol{"safety violation", {}, {}}, lambda{"λ", {}, {}};
  for (int i = 0; i < 50; ++i) {
    viol.x.push_back(i);
    viol.y.push_back(i == 20 ? NAN : std::exp(-0.1 * i));
    lambda.x.push_back(i);
    lambda.y.push_back(0.1 * i);
  }
  r.add_line_chart("Safety violation and λ", {viol, lambda}, true, "step", "value");
  return r;
}

TEST(HtmlReport, IsWellFormedAndSelfContained) {
  const std::string html = full_report().html();
  EXPECT_EQ(check_balanced(html), "");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count(html, "<svg"), 4u);
  EXPECT_EQ(count(html, "</svg>"), 4u);
  // Nothing to fetch: no scripts, no links, no external URLs.
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
}

TEST(HtmlReport, EscapesText) {
  const std::string html = full_report().html();
  EXPECT_NE(html.find("<title>Continual &lt;benchmark&gt; &amp; co</title>"), std::string::npos);
  EXPECT_NE(html.find("<td>A&lt;GEM&gt;</td>"), std::string::npos);
  EXPECT_EQ(html.find("A<GEM>"), std::string::npos);
}

TEST(HtmlReport, HeatmapAnnotatesEveryCell) {
  HtmlReport r;
  r.add_heatmap("acc", {{0.991, NAN}, {0.5, 0.25}}, {"after 1", "after 2"}, {"t1", "t2"});
  const std::string html = r.html();
  EXPECT_EQ(count(html, "class=\"cell\""), 4u);
  for (const char* v : {">0.991<", ">0.500<", ">0.250<", ">\u2013<"}) {
    EXPECT_NE(html.find(v), std::string::npos) << v;
  }
  EXPECT_NE(html.find("after 2, t1: 0.500"), std::string::npos);  // tooltip
  EXPECT_NE(html.find("fill=\"#dddddd\""), std::string::npos);    // the missing cell
  // Darker for larger values: 0.991's fill differs from 0.25's.
  EXPECT_NE(html.find("#0a"), std::string::npos);
}

TEST(HtmlReport, BarChartShowsValuesAndErrorBars) {
  HtmlReport r;
  r.add_bar_chart("forgetting", {"GALT", "AdamW"}, {0.037, 0.41}, {0.004, 0.03});
  const std::string html = r.html();
  EXPECT_EQ(count(html, "class=\"bar\""), 2u);
  EXPECT_NE(html.find("GALT: 0.037 \u00b1 0.004"), std::string::npos);
  EXPECT_NE(html.find(">0.41<"), std::string::npos);
  // An error bar is three lines (stem and two caps) per bar.
  EXPECT_GE(count(html, "stroke-width=\"1.2\""), 6u);
  // The taller bar is AdamW's.
  std::smatch m;
  std::regex bar(R"REGEX(height="([0-9.]+)" class="bar")REGEX");
  std::vector<double> heights;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), bar); it != std::sregex_iterator();
       ++it) {
    heights.push_back(std::stod((*it)[1]));
  }
  ASSERT_EQ(heights.size(), 2u);
  EXPECT_NEAR(heights[1] / heights[0], 0.41 / 0.037, 0.6);
}

TEST(HtmlReport, GroupedBarsHaveALegend) {
  HtmlReport r;
  r.add_grouped_bar_chart("acc", {"class-IL", "task-IL"}, {"GALT", "EWC", "SI"},
                          {{0.8, 0.9}, {0.2, 0.95}, {0.21, 0.93}});
  const std::string html = r.html();
  EXPECT_EQ(count(html, "class=\"bar\""), 6u);
  EXPECT_NE(html.find(">SI</text>"), std::string::npos);
  EXPECT_NE(html.find("EWC, task-IL: 0.95"), std::string::npos);
}

TEST(HtmlReport, LineChartBreaksAtGapsAndSupportsLogY) {
  HtmlReport r;
  r.add_line_chart("ρ", {{"rho", {0, 1, 2, 3, 4}, {1, 10, NAN, 100, 1000}}}, true);
  const std::string html = r.html();
  EXPECT_EQ(count(html, "class=\"series\""), 2u);  // split at the NaN
  EXPECT_NE(html.find("(log scale)"), std::string::npos);
  EXPECT_NE(html.find(">1000<"), std::string::npos);  // a decade tick
  HtmlReport empty;
  empty.add_line_chart("nothing", {{"a", {}, {}}});
  EXPECT_NE(empty.html().find("no data"), std::string::npos);
}

TEST(HtmlReport, LongSeriesAreThinnedButKeepSpikes) {
  Series s{"violation", {}, {}};
  for (int i = 0; i < 100000; ++i) {
    s.x.push_back(i);
    s.y.push_back(i == 54321 ? 5.0 : 0.0);
  }
  HtmlReport r;
  r.add_line_chart("v", {s});
  const std::string html = r.html();
  EXPECT_LT(html.size(), 200000u);
  // The spike is drawn at the top of the plot (y = 16 + small margin).
  const auto pts = html.substr(html.find("points=\""));
  EXPECT_NE(pts.find(",16.0"), std::string::npos);
}

TEST(HtmlReport, BadShapesAreInputErrors) {
  HtmlReport r;
  EXPECT_THROW(r.add_heatmap("m", {{1, 2}, {3}}), InputError);
  EXPECT_THROW(r.add_heatmap("m", {{1, 2}}, {"a", "b"}), InputError);
  EXPECT_THROW(r.add_heatmap("m", {{1, 2}}, {}, {"a"}), InputError);
  EXPECT_THROW(r.add_bar_chart("b", {"a", "b"}, {1.0}), InputError);
  EXPECT_THROW(r.add_bar_chart("b", {"a"}, {1.0}, {1.0, 2.0}), InputError);
  EXPECT_THROW(r.add_grouped_bar_chart("g", {"x"}, {"a", "b"}, {{1.0}}), InputError);
  EXPECT_THROW(r.add_line_chart("l", {{"s", {1, 2}, {1}}}), InputError);
  EXPECT_THROW(r.add_table({"a"}, {{"1", "2"}}), InputError);
}

TEST(HtmlReport, SaveWritesTheFileAndReportsFailure) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("galt-report-test-" + std::to_string(::getpid()) + ".html");
  const auto r = full_report();
  r.save(path.string());
  std::ifstream in(path);
  const std::string back{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  EXPECT_EQ(back, r.html());
  std::filesystem::remove(path);
  EXPECT_THROW(r.save("/nonexistent-dir/x/report.html"), InputError);
}

}  // namespace
}  // namespace galt::report
