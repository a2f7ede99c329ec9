// Executor: runs the block steps of one inner iteration (DESIGN §4), in the
// order a BlockSchedule gives. The optimizer prepares each block's messages
// and calls block_step (block_step.h); the executor only decides where and
// when those calls run:
//
//   SerialExecutor  every block on the calling thread, in schedule order;
//   ThreadExecutor  the blocks of one colour concurrently on a fixed pool of
//                   threads (block Jacobi: one colour; coloured Gauss–Seidel:
//                   colours in sequence);
//   (a process executor over c10d/Gloo implements the same interface.)
//
// The same schedule gives bit-identical results on every executor: a block's
// step depends only on its own state and the messages prepared for it before
// its colour runs.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "galt/solve/block_schedule.h"

namespace galt {

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string name() const = 0;
  /// Threads (or ranks) a colour's blocks are spread over.
  virtual int concurrency() const = 0;

  /// For each colour c in order: `before_colour(c)` on the calling thread,
  /// then `step(b)` for every block b of colour c — possibly concurrently —
  /// and returns when the colour is done. If a step throws, the colour is
  /// finished and the first exception rethrown; later colours do not run.
  virtual void run(const BlockSchedule& schedule, const std::function<void(int colour)>& before_colour,
                   const std::function<void(int block)>& step) = 0;
};

class SerialExecutor final : public Executor {
 public:
  std::string name() const override { return "serial"; }
  int concurrency() const override { return 1; }
  void run(const BlockSchedule& schedule, const std::function<void(int)>& before_colour,
           const std::function<void(int)>& step) override;
};

/// A fixed pool of `threads` threads (the caller is one of them). While a
/// colour runs with more than one thread, OpenBLAS is held at one thread per
/// caller; the previous BLAS setting is restored afterwards. That is not
/// enough on its own: after every multi-threaded GEMM (the task's forward and
/// backward) OpenBLAS's idle workers spin for a while and take the cores the
/// executor's threads need (measured: no speedup at all on 2 cores). Keep
/// executor threads × BLAS threads ≤ cores for the whole run, e.g.
/// `galt::configure_threads(cores)` then `ScopedBlasThreads(cores / threads)`
/// (solve/threading.h).
class ThreadExecutor final : public Executor {
 public:
  /// threads ≥ 1 (0: the thread budget, galt::thread_budget(); nothing else
  /// about the process's threads is changed).
  explicit ThreadExecutor(int threads = 0);
  ~ThreadExecutor() override;
  ThreadExecutor(const ThreadExecutor&) = delete;
  ThreadExecutor& operator=(const ThreadExecutor&) = delete;

  std::string name() const override;
  int concurrency() const override { return threads_; }
  void run(const BlockSchedule& schedule, const std::function<void(int)>& before_colour,
           const std::function<void(int)>& step) override;

 private:
  struct Pool;
  int threads_;
  std::unique_ptr<Pool> pool_;
};

}  // namespace galt
