// Shape check shared by the classifiers: bad input is an InputError, not a
// LibTorch shape assertion deep inside a matmul.
#pragma once

#include <ATen/core/Tensor.h>
#include <galt/error.h>

#include <sstream>
#include <string>

namespace galt::models::detail {

inline void check_input(const at::Tensor& x, int64_t in_features, const char* model) {
  if (!x.defined() || x.dim() != 2 || x.size(1) != in_features) {
    std::ostringstream s;
    s << model << ": input has shape ";
    if (x.defined()) {
      s << x.sizes();
    } else {
      s << "(undefined)";
    }
    s << ", expected [N, " << in_features << "]";
    throw InputError(s.str());
  }
}

}  // namespace galt::models::detail
