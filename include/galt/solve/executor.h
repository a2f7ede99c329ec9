// Executor: runs the block steps of one inner iteration (DESIGN §4), in the
// order a BlockSchedule gives. The optimizer prepares each block's messages
// and calls block_step (block_step.h); the executor only decides where and
// when those calls run:
//
//   SerialExecutor  every block on the calling thread, in schedule order;
//   ThreadExecutor  the blocks of one colour concurrently on a fixed pool of
//                   threads (block Jacobi: one colour; coloured Gauss–Seidel:
//                   colours in sequence);
//   ProcessExecutor (galt/dist/process_executor.h) each block on the rank
//                   that owns it, then the block's new state is sent to
//                   every other rank (processes over c10d/Gloo).
//
// The same schedule gives bit-identical results on every executor: a block's
// step depends only on its own state and the messages prepared for it before
// its colour runs.
#pragma once

#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "galt/solve/block_schedule.h"

namespace galt {

/// What a block's step changes, as tensors. An executor that runs a block in
/// another process (the process executor) saves the state where the step ran
/// and loads it everywhere else, so every process holds the same state after
/// a colour (DESIGN §4, "processes"). Executors that run every block in this
/// process never call it. galt::Optimizer supplies it: each tensor's
/// parameters, Adam moments and step count, and what the step reports back
/// (the predicted ΔC_e the next colour's messages and the trust regions read,
/// the block's statistics).
struct BlockState {
  /// Block b's state. The count, shapes and dtypes of the tensors depend only
  /// on the block and on the messages prepared for this step — not on the
  /// process or the block's history — so a receiving process can call it for
  /// buffers to receive into.
  std::function<std::vector<at::Tensor>(int block)> save;
  /// Makes block b's state the one `save` returned where its step ran.
  std::function<void(int block, const std::vector<at::Tensor>& state)> load;
};

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
  virtual void run(const BlockSchedule& schedule,
                   const std::function<void(int colour)>& before_colour,
                   const std::function<void(int block)>& step) = 0;

  /// The same, told what a step changes (BlockState): galt::Optimizer calls
  /// this one. The default ignores `state` and calls run above; an executor
  /// that steps blocks in other processes overrides it.
  virtual void run(const BlockSchedule& schedule,
                   const std::function<void(int colour)>& before_colour,
                   const std::function<void(int block)>& step, const BlockState& state) {
    run(schedule, before_colour, step);
  }
};

class SerialExecutor final : public Executor {
 public:
  using Executor::run;
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
  using Executor::run;

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
