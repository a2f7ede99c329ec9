// Heartbeat (internal to galt_dist): how a rank tells which peers died after a
// collective failed (galt/dist/process_group.h). Gloo's own error names a
// socket address, not a rank, and rank 0's store may go away with rank 0.
// So each rank's heartbeat thread, through its own store client, bumps its
// counter every interval and reads everyone else's, remembering when each
// counter last moved. A dead rank's counter stops; the rank whose counter
// stopped first is the cause, later ones are its consequences. The thread
// keeps what it saw when the store goes away (then rank 0, its host, is gone
// too).
#pragma once

#include <c10/util/intrusive_ptr.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace c10d {
class Store;
}

namespace galt::dist {

class Heartbeat {
 public:
  using Clock = std::chrono::steady_clock;

  /// Connects its own client to the store at host:port (timeout: how long
  /// the connection and each store operation may take; keys under `prefix`)
  /// and starts beating.
  Heartbeat(const std::string& host, int port, const std::string& prefix, int rank, int world_size,
            std::chrono::milliseconds interval, std::chrono::milliseconds timeout);
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  struct Verdict {
    /// Ranks whose heartbeat had stopped for ≥ 3 intervals, the first to stop
    /// first.
    std::vector<int> dead;
    /// The store became unreachable (its host, rank 0, exited or died).
    bool store_lost = false;
  };
  /// Waits until the thread has watched for 4 intervals since `since` (the
  /// failure), then says which ranks stopped.
  Verdict diagnose(Clock::time_point since);

  std::chrono::milliseconds interval() const { return interval_; }

 private:
  void loop();

  int rank_, world_size_;
  std::chrono::milliseconds interval_;
  c10::intrusive_ptr<c10d::Store> store_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::vector<int64_t> last_count_;
  std::vector<Clock::time_point> last_change_;  ///< per rank
  Clock::time_point last_poll_;                 ///< the last complete round
  bool store_lost_ = false;
  std::thread thread_;
};

}  // namespace galt::dist
