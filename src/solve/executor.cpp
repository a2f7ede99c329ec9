#include "galt/solve/executor.h"

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "galt/error.h"
#include "galt/solve/threading.h"

namespace galt {

void SerialExecutor::run(const BlockSchedule& schedule,
                         const std::function<void(int)>& before_colour,
                         const std::function<void(int)>& step) {
  for (int c = 0; c < schedule.num_colours(); ++c) {
    before_colour(c);
    for (int b : schedule.colours[c]) step(b);
  }
}

// Workers sleep on `wake` until a new generation is posted; every thread,
// the caller included, then takes block indices from `next` until none is
// left. The caller waits on `done` for the workers that took part.
struct ThreadExecutor::Pool {
  std::mutex mu;
  std::condition_variable wake, done;
  std::vector<std::thread> workers;
  uint64_t generation = 0;
  bool stop = false;
  // The current job.
  const std::vector<int>* blocks = nullptr;
  const std::function<void(int)>* step = nullptr;
  std::atomic<size_t> next{0};
  int busy = 0;
  std::exception_ptr error;

  void work() {
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= blocks->size()) return;
      try {
        (*step)((*blocks)[i]);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mu);
        if (!error) error = std::current_exception();
      }
    }
  }

  void worker_loop() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu);
        wake.wait(lock, [&] { return stop || generation != seen; });
        if (stop) return;
        seen = generation;
        if (blocks == nullptr) continue;  // woke after the job was finished
        ++busy;
      }
      work();
      {
        std::lock_guard<std::mutex> lock(mu);
        --busy;
      }
      done.notify_all();
    }
  }

  void run(const std::vector<int>& bs, const std::function<void(int)>& f) {
    {
      std::lock_guard<std::mutex> lock(mu);
      blocks = &bs;
      step = &f;
      next = 0;
      error = nullptr;
      ++generation;
    }
    wake.notify_all();
    work();
    std::unique_lock<std::mutex> lock(mu);
    // Every index has been taken; wait for the workers still running theirs.
    done.wait(lock, [&] { return busy == 0; });
    blocks = nullptr;
    step = nullptr;
    if (error) std::rethrow_exception(error);
  }
};

ThreadExecutor::ThreadExecutor(int threads) : threads_(threads), pool_(std::make_unique<Pool>()) {
  if (threads_ < 0) throw InputError("thread executor: threads must be ≥ 0");
  if (threads_ == 0) threads_ = std::max(1, thread_budget());
  for (int i = 1; i < threads_; ++i) pool_->workers.emplace_back([p = pool_.get()] { p->worker_loop(); });
}

ThreadExecutor::~ThreadExecutor() {
  {
    std::lock_guard<std::mutex> lock(pool_->mu);
    pool_->stop = true;
  }
  pool_->wake.notify_all();
  for (auto& t : pool_->workers) t.join();
}

std::string ThreadExecutor::name() const { return "threads(" + std::to_string(threads_) + ")"; }

void ThreadExecutor::run(const BlockSchedule& schedule,
                         const std::function<void(int)>& before_colour,
                         const std::function<void(int)>& step) {
  const ScopedBlasThreads blas(threads_ > 1 ? 1 : 0);
  for (int c = 0; c < schedule.num_colours(); ++c) {
    before_colour(c);
    const auto& blocks = schedule.colours[c];
    if (threads_ == 1 || blocks.size() <= 1) {
      for (int b : blocks) step(b);
      continue;
    }
    pool_->run(blocks, step);
  }
}

}  // namespace galt
