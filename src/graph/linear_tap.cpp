#include "galt/graph/linear_tap.h"

#include <torch/torch.h>

namespace galt {

namespace {
thread_local TapRecorder* active_recorder = nullptr;
}

TapRecorder::TapRecorder() : previous_(active_recorder) { active_recorder = this; }
TapRecorder::~TapRecorder() { active_recorder = previous_; }

void TapRecorder::record(LinearTap tap) {
  if (active_recorder != nullptr) active_recorder->taps_.push_back(std::move(tap));
}

at::Tensor tapped_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  at::Tensor y = torch::nn::functional::linear(x, weight, bias);
  if (active_recorder != nullptr && x.dim() == 2 && torch::GradMode::is_enabled()) {
    TapRecorder::record(LinearTap{x, y, weight, bias});
  }
  return y;
}

}  // namespace galt
