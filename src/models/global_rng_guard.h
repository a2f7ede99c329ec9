// Saves torch's default CPU generator and restores it on scope exit, so code
// that must build a module (whose constructor draws its default init) without
// shifting a seeded run's random stream can do so — e.g. clone_model().
#pragma once

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/Generator.h>

#include <mutex>

namespace galt::models::detail {

class GlobalRngGuard {
 public:
  GlobalRngGuard() : gen_(at::detail::getDefaultCPUGenerator()) {
    std::lock_guard<std::mutex> lock(gen_.mutex());
    state_ = gen_.get_state();
  }
  ~GlobalRngGuard() {
    std::lock_guard<std::mutex> lock(gen_.mutex());
    gen_.set_state(state_);
  }
  GlobalRngGuard(const GlobalRngGuard&) = delete;
  GlobalRngGuard& operator=(const GlobalRngGuard&) = delete;

 private:
  at::Generator gen_;
  at::Tensor state_;
};

}  // namespace galt::models::detail
