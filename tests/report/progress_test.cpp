// Progress: plain lines when not a terminal, a redrawn bar when it is.
#include <galt/report/progress.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace galt::report {
namespace {

std::string read_all(std::FILE* f) {
  std::rewind(f);
  std::string s;
  for (int c; (c = std::fgetc(f)) != EOF;) s += static_cast<char>(c);
  return s;
}

size_t count(const std::string& s, char c) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), c));
}

TEST(Progress, PlainModePrintsALinePerTenPercent) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p("train", 200, f);  // a tmpfile is not a terminal
    for (int i = 0; i < 200; ++i) p.advance(1, i == 150 ? "task 4/5" : "");
    p.finish();
    EXPECT_EQ(p.done(), 200);
  }
  const std::string out = read_all(f);
  std::fclose(f);
  EXPECT_EQ(count(out, '\n'), 11u) << out;  // 10%, ..., 100%, done
  EXPECT_EQ(count(out, '\r'), 0u);
  EXPECT_NE(out.find("train:  10% 20/200"), std::string::npos) << out;
  EXPECT_NE(out.find("100% 200/200"), std::string::npos) << out;
  EXPECT_NE(out.find("done  task 4/5"), std::string::npos) << out;
}

TEST(Progress, PlainModeJumpsPrintOnce) {
  std::FILE* f = std::tmpfile();
  {
    Progress p("x", 10, f);
    p.advance(7);  // 0% -> 70%: one line
    p.advance(3);
  }  // the destructor finishes
  const std::string out = read_all(f);
  std::fclose(f);
  EXPECT_EQ(count(out, '\n'), 3u) << out;
}

TEST(Progress, UnknownTotalPrintsAtOneTwoFive) {
  std::FILE* f = std::tmpfile();
  {
    Progress p("scan", 0, f);
    for (int i = 0; i < 100; ++i) p.advance();
  }
  const std::string out = read_all(f);
  std::fclose(f);
  // 1, 2, 5, 10, 20, 50, 100 and the final line.
  EXPECT_EQ(count(out, '\n'), 8u) << out;
  EXPECT_NE(out.find("scan: 50 "), std::string::npos) << out;
}

TEST(Progress, TerminalModeRedrawsInPlace) {
  std::FILE* f = std::tmpfile();
  {
    Progress p("bench", 4, f);
    p.set_terminal(true);
    for (int i = 0; i < 4; ++i) p.advance(1, "step");
    p.finish();
  }
  const std::string out = read_all(f);
  std::fclose(f);
  EXPECT_GE(count(out, '\r'), 2u);
  EXPECT_EQ(count(out, '\n'), 1u);  // only the final line ends
  EXPECT_NE(out.find("[##############################] 100% 4/4"), std::string::npos) << out;
  EXPECT_NE(out.find("\x1b[K"), std::string::npos);
}

}  // namespace
}  // namespace galt::report
