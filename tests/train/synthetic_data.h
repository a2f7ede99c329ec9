// Tiny synthetic 10-class data for fast tests: each class is a fixed random
// prototype image plus noise; every row is distinct, train and test disjoint.
#pragma once

#include <torch/torch.h>

#include "galt/data/dataset.h"
#include "galt/train/protocol.h"

namespace galt::train::testing {

inline data::TrainTest synthetic_data(int64_t train_per_class = 40, int64_t test_per_class = 10,
                                      uint64_t seed = 3) {
  auto gen = at::detail::createCPUGenerator(seed);
  const auto protos = torch::rand({10, 784}, gen);
  auto make = [&](int64_t per, const std::string& name) {
    data::Dataset d;
    d.labels = torch::arange(10, torch::kLong).repeat_interleave(per);
    d.images = (protos.index_select(0, d.labels) + 0.3 * torch::randn({10 * per, 784}, gen))
                   .clamp(0.0, 1.0)
                   .contiguous();
    d.name = name;
    return d;
  };
  return {make(train_per_class, "synthetic/train"), make(test_per_class, "synthetic/test")};
}

/// A protocol small enough for a unit test: 5 tasks × `iterations` steps,
/// a 784-16-10 MLP, 8 anchors per task, a safety pair (1 must not become 9).
inline ProtocolConfig tiny_protocol(std::vector<std::string> methods, int64_t iterations = 6) {
  ProtocolConfig p;
  p.name = "tiny";
  p.hidden = {16};
  p.iterations = iterations;
  p.batch = 16;
  p.anchors_per_task = 8;
  p.eval_every = 3;
  p.safety.critical_class = 1;
  p.safety.forbidden_class = 9;
  p.safety.probe_size = 8;
  p.methods = std::move(methods);
  return p;
}

}  // namespace galt::train::testing
