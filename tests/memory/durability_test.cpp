// Durability (DESIGN §6): a writer child is SIGKILLed at random points, many
// times. After reopening, every commit the child reported is there, nothing
// half-written is visible, and the state equals a replay of the log.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "galt/memory/trace_ledger.h"
#include "memory/test_util.h"

namespace galt::memory {
namespace {

constexpr int kPerBatch = 4;  // entries per committed batch

// The child: commits batches forever, reporting each committed batch number
// on the pipe only after commit() returned (so the parent knows it is durable).
[[noreturn]] void writer_child(const std::string& path, int fd, unsigned seed) {
  try {
    auto l = TraceLedger::open(path, {.verify = false});
    std::mt19937 rng(seed);
    for (std::int64_t batch = 0;; ++batch) {
      {
        TraceLedger::Batch b(l);
        // One batch = kPerBatch entries, each proposed+adjudicated+consolidated,
        // and sometimes a violation raised/resolved: all or nothing.
        for (int i = 0; i < kPerBatch; ++i) {
          const int m = static_cast<int>(rng() % 4);
          const EntryId e =
              l.propose(m, "batch " + std::to_string(batch) + " item " + std::to_string(i));
          l.adjudicate(e, {-1, -1, -1, -1});
          l.consolidate(e);
        }
        if (rng() % 3 == 0) {
          const ViolationId v = l.raise_violation(static_cast<int>(rng() % 4), "v");
          if (rng() % 2 == 0) l.resolve_violation(v);
        }
        b.commit();
      }
      const std::int64_t done = batch + 1;
      if (::write(fd, &done, sizeof done) != sizeof done) _exit(3);
    }
  } catch (...) {
    _exit(2);
  }
}

TEST(Durability, KillTheWriterAtRandomPointsManyTimes) {
  testing::TempDir dir;
  const std::string path = dir.file("d.db");
  { auto l = TraceLedger::create(path); }
  std::mt19937 rng(7);
  std::int64_t committed_total = 0;
  const int kKills = 40;
  for (int round = 0; round < kKills; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      writer_child(path, fds[1], static_cast<unsigned>(round));
    }
    ::close(fds[1]);
    // Kill somewhere between 1 and 60 ms in: before, during or after a commit.
    std::this_thread::sleep_for(std::chrono::microseconds(1000 + rng() % 59000));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    std::int64_t reported = 0, n = 0;
    while (::read(fds[0], &n, sizeof n) == sizeof n) reported = n;
    ::close(fds[0]);

    auto l = TraceLedger::open(path);  // verifies quick_check + checksum chain
    const auto all = l.entries();
    // Every reported batch is there (at most one more, committed but not yet
    // reported when the kill came).
    const std::int64_t batches_now = static_cast<std::int64_t>(all.size()) / kPerBatch;
    ASSERT_EQ(all.size() % kPerBatch, 0u) << "a half-written batch is visible";
    ASSERT_GE(batches_now, committed_total + reported);
    ASSERT_LE(batches_now, committed_total + reported + 1);
    committed_total = batches_now;
    // Nothing half-written: every entry went through its three events.
    for (const EntryInfo& e : all) {
      ASSERT_EQ(e.status, EntryStatus::kConsolidated) << "entry " << e.id;
      const auto t = l.trace(e.id, false);
      ASSERT_EQ(t.size(), 3u) << "entry " << e.id;
    }
    // The access state matches the violation table.
    std::vector<int> active;
    for (const Violation& v : l.violations(true)) active.push_back(v.layer);
    ASSERT_EQ(l.active_layers(), mask_of(active));
    // Close the ledger (release the writer lock) before the next child.
  }
  std::printf("durability: %d kills, %lld batches committed in all\n", kKills,
              static_cast<long long>(committed_total));
  EXPECT_GT(committed_total, kKills);  // the kills did land amid a stream of commits
}

}  // namespace
}  // namespace galt::memory
