// Ledger performance (DESIGN §6, durability): durable batched appends, access latency
// with many entries, recovery after a SIGKILL.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "bench/memory/memory_benchmark.h"
#include "bench/memory/scratch_dir.h"
#include "galt/error.h"
#include "galt/memory/trace_ledger.h"

namespace galt::memory {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

std::string payload_of(std::int64_t i) {
  // ~64 bytes, like a short anchor reference or fact.
  std::string p = "anchor buffer reference #" + std::to_string(i) + " ";
  p.resize(64, '.');
  return p;
}

void report(const Progress& progress, const std::string& msg) {
  if (progress) progress(msg);
}

}  // namespace

nlohmann::json run_ledger_benchmark(const LedgerBenchmarkOptions& o, const Progress& progress) {
  if (o.appends <= 0 || o.batch <= 0 || o.entries <= 0 || o.queries <= 0) {
    throw InputError("ledger benchmark: appends, batch, entries and queries must be positive");
  }
  detail::ScratchDir dir(o.work_dir);
  nlohmann::json out;
  const std::vector<double> clean = {-1, -1, -1, -1};

  // 1. Durable appends: propose events, one fsynced commit per batch.
  {
    auto l = TraceLedger::create(dir.file("appends.db"), {}, OpenOptions{.durable = true});
    const auto t0 = Clock::now();
    for (std::int64_t done = 0; done < o.appends;) {
      TraceLedger::Batch b(l);
      for (std::int64_t j = 0; j < o.batch && done < o.appends; ++j, ++done) {
        l.propose(static_cast<int>(done % 4), payload_of(done));
      }
      b.commit();
    }
    const double s = seconds_since(t0);
    out["appends_per_s"] = static_cast<double>(o.appends) / s;
    out["appends"] = o.appends;
    out["batch"] = o.batch;
    // The full life of an entry: propose + adjudicate + consolidate (3 events).
    const std::int64_t lives = std::max<std::int64_t>(1, o.appends / 10);
    const auto t1 = Clock::now();
    for (std::int64_t done = 0; done < lives;) {
      TraceLedger::Batch b(l);
      for (std::int64_t j = 0; 3 * j < o.batch && done < lives; ++j, ++done) {
        const EntryId e = l.propose(static_cast<int>(done % 4), payload_of(done));
        l.adjudicate(e, clean);
        l.consolidate(e);
      }
      b.commit();
    }
    out["lifecycle_events_per_s"] = 3.0 * static_cast<double>(lives) / seconds_since(t1);
    report(progress,
           "ledger: " + std::to_string(static_cast<long long>(out["appends_per_s"].get<double>())) +
               " durable appends/s");
  }

  // 2. Access latency with o.entries consolidated entries.
  const std::string big = dir.file("big.db");
  {
    auto l = TraceLedger::create(big, {}, OpenOptions{.durable = false});
    const auto t0 = Clock::now();
    for (std::int64_t done = 0; done < o.entries;) {
      TraceLedger::Batch b(l);
      for (std::int64_t j = 0; j < 10'000 && done < o.entries; ++j, ++done) {
        const EntryId e = l.propose(static_cast<int>(done % 4), payload_of(done));
        l.adjudicate(e, clean);
        l.consolidate(e);
      }
      b.commit();
    }
    out["populate_s"] = seconds_since(t0);
    out["entries"] = o.entries;
    report(progress, "ledger: populated " + std::to_string(o.entries) + " entries");
    l.raise_violation(2, "benchmark: quarantines layers 2 and 3");
    std::mt19937_64 rng(o.seed);
    std::uniform_int_distribution<std::int64_t> pick(1, o.entries);
    std::vector<double> access_us, read_us;
    access_us.reserve(static_cast<std::size_t>(o.queries));
    std::int64_t open_count = 0;
    for (std::int64_t q = 0; q < o.queries; ++q) {
      const EntryId e = pick(rng);
      const auto t = Clock::now();
      const bool a = l.accessible(e);
      access_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
      open_count += a ? 1 : 0;
    }
    const std::int64_t reads = std::max<std::int64_t>(1, o.queries / 4);
    for (std::int64_t q = 0; q < reads; ++q) {
      const EntryId e = pick(rng);
      const auto t = Clock::now();
      const auto p = l.read(e);
      read_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
      (void)p;
    }
    out["access_p50_us"] = percentile(access_us, 0.50);
    out["access_p99_us"] = percentile(access_us, 0.99);
    out["access_queries"] = o.queries;
    out["accessible_fraction"] = static_cast<double>(open_count) / static_cast<double>(o.queries);
    out["read_p50_us"] = percentile(read_us, 0.50);
    out["read_p99_us"] = percentile(read_us, 0.99);
  }

  // 3. Recovery: a writer child appending durable batches to the big ledger
  // is killed; time until the ledger is open, verified and answering.
  std::vector<double> recovery, recovery_unverified;
  std::mt19937 rng(o.seed);
  // Alternate trials with and without the full check, each on a fresh kill
  // (the first open after a kill also replays the WAL).
  for (int trial = 0; trial < 2 * o.recovery_trials; ++trial) {
    const bool verify = trial % 2 == 0;
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      try {
        auto l = TraceLedger::open(big, {.verify = false});
        for (std::int64_t i = 0;; ++i) {
          TraceLedger::Batch b(l);
          for (int j = 0; j < 1000; ++j) l.propose(j % 4, payload_of(i));
          b.commit();
        }
      } catch (...) {
        _exit(2);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 400));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    const auto t0 = Clock::now();
    auto l = TraceLedger::open(big, {.verify = verify});
    (void)l.accessible(1);
    (verify ? recovery : recovery_unverified).push_back(seconds_since(t0));
  }
  if (!recovery.empty()) {
    out["recovery_s"] = percentile(recovery, 0.5);
    out["recovery_unverified_s"] = percentile(recovery_unverified, 0.5);
    out["recovery_trials"] = o.recovery_trials;
    out["recovery_note"] =
        "median time to reopen after SIGKILL of a writer mid-batch; recovery_s includes the "
        "full check (quick_check + checksum chain over every event), recovery_unverified_s "
        "only WAL recovery and the first access";
  }
  report(progress, "ledger: done");
  return out;
}

}  // namespace galt::memory
