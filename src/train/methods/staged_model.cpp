#include "train/methods/staged_model.h"

#include <torch/torch.h>

#include "galt/graph/linear_tap.h"
#include "galt/models/lora_mlp.h"
#include "galt/models/mlp.h"

namespace galt::train::detail {

Stages stages_of(const models::ClassifierPtr& model) {
  Stages s;
  if (auto* mlp = dynamic_cast<models::MLPImpl*>(model.get())) {
    const int64_t L = mlp->num_layers();
    for (int64_t i = 0; i < L; ++i) {
      const auto& lin = mlp->layer(i);
      const bool last = i + 1 == L;
      const at::Tensor w = lin->weight, b = lin->bias;
      s.fn.push_back([w, b, last](const at::Tensor& z) {
        auto y = galt::tapped_linear(z, w, b);
        return last ? y : torch::relu(y);
      });
      s.out_dim.push_back(w.size(0));
    }
    return s;
  }
  if (auto* lora = dynamic_cast<models::LoRAMLPImpl*>(model.get())) {
    // Parameters are looked up by their registered names (base<i>_weight,
    // lora<i>_A, ...); a frozen base is read, never trained, here.
    if (!lora->base_frozen()) return s;
    auto params = lora->named_parameters();
    const double scale = lora->alpha() / static_cast<double>(lora->rank());
    for (int64_t i = 1; i < lora->num_layers(); ++i) {
      const auto k = std::to_string(i);
      const auto* w = params.find("base" + k + "_weight");
      const auto* b = params.find("base" + k + "_bias");
      const auto* a = params.find("lora" + k + "_A");
      const auto* bb = params.find("lora" + k + "_B");
      if (!w || !b || !a || !bb) return Stages{};
      const at::Tensor W = *w, B0 = *b, A = *a, B = *bb;
      s.fn.push_back([W, B0, A, B, scale](const at::Tensor& z) {
        const at::Tensor none;
        auto up = galt::tapped_linear(galt::tapped_linear(z, A, none), B, none);
        return torch::relu(torch::nn::functional::linear(z, W, B0) + scale * up);
      });
      s.out_dim.push_back(W.size(0));
    }
    const auto* hw = params.find("head_weight");
    const auto* hb = params.find("head_bias");
    if (!hw || !hb) return Stages{};
    const at::Tensor HW = *hw, HB = *hb;
    s.fn.push_back([HW, HB](const at::Tensor& z) { return galt::tapped_linear(z, HW, HB); });
    s.out_dim.push_back(HW.size(0));
  }
  return s;
}

}  // namespace galt::train::detail
