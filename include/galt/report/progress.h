// Progress indicator for long runs (DESIGN §8): a bar redrawn in place when
// the stream is a terminal, plain occasional lines otherwise (logs, CI).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace galt::report {

class Progress {
 public:
  /// Progress over `total` units (total ≤ 0 means unknown: counts only),
  /// written to `stream` (default stderr). On a terminal (isatty) the bar is
  /// redrawn at most every 100 ms; otherwise one line is printed at each 10%
  /// step crossed (with an unknown total: at 1, 2, 5, 10, 20, 50, … units)
  /// and one at finish.
  Progress(std::string label, int64_t total, std::FILE* stream = stderr);
  /// Calls finish() if not done yet.
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Adds n units done; `status` (e.g. "task 3/5 acc 0.91") is shown beside
  /// the bar and kept until replaced by a non-empty one.
  void advance(int64_t n = 1, const std::string& status = "");
  /// Final line (100% if the total was reached) with the elapsed time.
  void finish();

  int64_t done() const { return done_; }
  /// Forces terminal or plain mode (for tests); the constructor detects it.
  void set_terminal(bool on) { terminal_ = on; }

 private:
  void draw(bool final);

  std::string label_;
  int64_t total_;
  std::FILE* stream_;
  bool terminal_;
  bool finished_ = false;
  int64_t done_ = 0;
  int last_decile_ = 0;
  std::string status_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace galt::report
