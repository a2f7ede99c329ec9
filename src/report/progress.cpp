// Progress indicator of the benchmarks (DESIGN §8): a bar redrawn in place on a terminal,
// plain occasional lines otherwise, so logs stay readable.
#include <galt/report/progress.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace galt::report {
namespace {

using Clock = std::chrono::steady_clock;

std::string clock_text(double seconds) {
  const long s = std::lround(std::max(seconds, 0.0));
  char b[32];
  if (s >= 3600) {
    std::snprintf(b, sizeof b, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(b, sizeof b, "%02ld:%02ld", s / 60, s % 60);
  }
  return b;
}

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

Progress::Progress(std::string label, int64_t total, std::FILE* stream)
    : label_(std::move(label)),
      total_(total),
      stream_(stream),
      terminal_(stream != nullptr && ::isatty(::fileno(stream)) == 1),
      start_(Clock::now()),
      last_draw_(Clock::now()) {}

Progress::~Progress() {
  if (!finished_) finish();
}

void Progress::advance(int64_t n, const std::string& status) {
  if (finished_) return;
  done_ += n;
  if (!status.empty()) status_ = status;
  if (terminal_) {
    if (since(last_draw_) >= 0.1 || done_ == n) draw(false);
    return;
  }
  // Plain mode: one line per 10% step crossed; with an unknown total, at
  // 1, 2, 5, 10, 20, 50, … units.
  int mark;
  if (total_ > 0) {
    mark = static_cast<int>(std::min<int64_t>(10, done_ * 10 / total_));
  } else {
    mark = 0;
    for (double v = 1; v <= static_cast<double>(done_); ++mark) {
      v *= (mark % 3 == 1) ? 2.5 : 2.0;
    }
  }
  if (mark > last_decile_) {
    last_decile_ = mark;
    draw(false);
  }
}

void Progress::finish() {
  if (finished_) return;
  draw(true);
  finished_ = true;
}

void Progress::draw(bool final) {
  if (stream_ == nullptr) return;
  last_draw_ = Clock::now();
  const double elapsed = since(start_);
  std::string line = label_;
  if (total_ > 0) {
    const double f = std::clamp(static_cast<double>(done_) / static_cast<double>(total_), 0.0, 1.0);
    char pct[16];
    std::snprintf(pct, sizeof pct, "%3d%%", static_cast<int>(std::floor(100 * f)));
    if (terminal_) {
      constexpr int kWidth = 30;
      const int fill = static_cast<int>(std::floor(f * kWidth));
      line += " [";
      line.append(static_cast<size_t>(fill), '#');
      line.append(static_cast<size_t>(kWidth - fill), '.');
      line += ']';
    } else {
      line += ":";
    }
    line += ' ';
    line += pct;
    line += ' ';
    line += std::to_string(done_);
    line += '/';
    line += std::to_string(total_);
    line += ' ';
    line += clock_text(elapsed);
    if (!final && f > 0 && f < 1) {
      line += " eta ";
      line += clock_text(elapsed * (1 - f) / f);
    }
  } else {
    line += ": ";
    line += std::to_string(done_);
    line += ' ';
    line += clock_text(elapsed);
  }
  if (final) line += " done";
  if (!status_.empty()) {
    line += "  ";
    line += status_;
  }
  if (terminal_) {
    // \r returns to the line start, ESC[K clears what a longer line left.
    std::fprintf(stream_, "\r%s\x1b[K%s", line.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(stream_, "%s\n", line.c_str());
  }
  std::fflush(stream_);
}

}  // namespace galt::report
