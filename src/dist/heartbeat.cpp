#include "dist/heartbeat.h"

#include <algorithm>
#include <numeric>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

namespace galt::dist {
namespace {
std::string beat_key(int rank) { return "galt/dist/heartbeat/" + std::to_string(rank); }
}  // namespace

Heartbeat::Heartbeat(const std::string& host, int port, const std::string& prefix, int rank,
                     int world_size, std::chrono::milliseconds interval,
                     std::chrono::milliseconds timeout)
    : rank_(rank), world_size_(world_size), interval_(interval) {
  c10d::TCPStoreOptions o;
  o.port = static_cast<std::uint16_t>(port);
  o.isServer = false;
  o.numWorkers = c10::nullopt;  // not a worker: the join does not count it
  o.waitWorkers = false;
  o.timeout = timeout;
  store_ = c10::make_intrusive<c10d::TCPStore>(host, o);
  if (!prefix.empty()) store_ = c10::make_intrusive<c10d::PrefixStore>(prefix, store_);
  const auto now = Clock::now();
  last_count_.assign(world_size_, -1);
  last_change_.assign(world_size_, now);
  last_poll_ = now;
  thread_ = std::thread([this] { loop(); });
}

Heartbeat::~Heartbeat() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Heartbeat::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_ && !store_lost_) {
    lock.unlock();
    std::vector<int64_t> counts(world_size_, 0);
    bool lost = false;
    try {
      for (int r = 0; r < world_size_; ++r)
        counts[r] = store_->add(beat_key(r), r == rank_ ? 1 : 0);
    } catch (const std::exception&) {
      lost = true;
    }
    const auto now = Clock::now();
    lock.lock();
    if (lost) {
      store_lost_ = true;
      break;
    }
    for (int r = 0; r < world_size_; ++r)
      if (counts[r] != last_count_[r]) {
        last_count_[r] = counts[r];
        last_change_[r] = now;
      }
    last_poll_ = now;
    cv_.wait_for(lock, interval_, [this] { return stop_; });
  }
  cv_.notify_all();
}

Heartbeat::Verdict Heartbeat::diagnose(Clock::time_point since) {
  const auto watched = since + 4 * interval_;
  std::unique_lock<std::mutex> lock(mu_);
  // Wait for a complete round after the window, or the store's loss.
  while (!store_lost_ && last_poll_ < watched) {
    lock.unlock();
    std::this_thread::sleep_for(interval_ / 4);
    lock.lock();
  }
  Verdict v;
  v.store_lost = store_lost_;
  const auto reference = last_poll_;
  for (int r = 0; r < world_size_; ++r)
    if (r != rank_ && reference - last_change_[r] >= 3 * interval_) v.dead.push_back(r);
  std::stable_sort(v.dead.begin(), v.dead.end(),
                   [&](int a, int b) { return last_change_[a] < last_change_[b]; });
  return v;
}

}  // namespace galt::dist
