#include <galt/error.h>
#include <galt/report/markdown.h>
#include <gtest/gtest.h>

#include <sstream>

namespace galt::report {
namespace {

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST(MarkdownTable, HeaderSeparatorAndAlignedRows) {
  const auto t =
      markdown_table({"method", "final acc"}, {{"GALT", "0.964 ± 0.004"}, {"AdamW", "0.51"}});
  const auto l = lines(t);
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[0], "| method | final acc     |");
  EXPECT_EQ(l[1], "| ------ | ------------- |");
  EXPECT_EQ(l[2], "| GALT   | 0.964 ± 0.004 |");
  EXPECT_EQ(l[3], "| AdamW  | 0.51          |");
}

TEST(MarkdownTable, EscapesPipesPadsShortRowsAndRejectsLongOnes) {
  const auto l = lines(markdown_table({"a", "b", "c"}, {{"x|y"}, {"multi\nline", "2", "3"}}));
  ASSERT_EQ(l.size(), 4u);
  EXPECT_EQ(l[2], "| x\\|y       |     |     |");
  EXPECT_EQ(l[3], "| multi line | 2   | 3   |");
  // Every line has the same number of unescaped column separators.
  for (const auto& s : l) {
    int bars = 0;
    for (size_t i = 0; i < s.size(); ++i) bars += s[i] == '|' && (i == 0 || s[i - 1] != '\\');
    EXPECT_EQ(bars, 4) << s;
  }
  EXPECT_THROW(markdown_table({"a"}, {{"1", "2"}}), InputError);
  EXPECT_THROW(markdown_table({}, {}), InputError);
}

TEST(MarkdownTable, EmptyBodyIsJustTheHeader) {
  EXPECT_EQ(lines(markdown_table({"x"}, {})).size(), 2u);
}

}  // namespace
}  // namespace galt::report
