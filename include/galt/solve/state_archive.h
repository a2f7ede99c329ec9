// Plain values in LibTorch archives (torch::serialize::OutputArchive /
// InputArchive), for checkpoints of training state: Optimizer::save's
// format, with the small pieces around it (counts, λ traces, an RNG state,
// tensors that may be undefined, parameters restored in place).
//
//   torch::serialize::OutputArchive a;
//   galt::state::put_int(a, "pending", 1);
//   galt::state::put_doubles(a, "lambda", trace.lambda);
//   ...
//   galt::state::get_int(in, "pending");   // InputError if the key is missing
//
// Every reader throws galt::InputError naming the key when it is missing or
// of another type: a checkpoint is either read whole or refused.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "galt/solve/callbacks.h"
#include "galt/solve/compute_counters.h"

namespace torch::serialize {
class OutputArchive;
class InputArchive;
}  // namespace torch::serialize

namespace galt::state {

using torch::serialize::InputArchive;
using torch::serialize::OutputArchive;

void put_int(OutputArchive& a, const std::string& key, int64_t v);
void put_double(OutputArchive& a, const std::string& key, double v);
void put_string(OutputArchive& a, const std::string& key, const std::string& v);
void put_ints(OutputArchive& a, const std::string& key, const std::vector<int64_t>& v);
void put_doubles(OutputArchive& a, const std::string& key, const std::vector<double>& v);
/// A tensor that may be undefined (it reads back undefined).
void put_tensor(OutputArchive& a, const std::string& key, const at::Tensor& t);
/// A list of tensors, any of them undefined.
void put_tensors(OutputArchive& a, const std::string& key, const std::vector<at::Tensor>& ts);
/// Every field of the counters.
void put_counters(OutputArchive& a, const std::string& key, const ComputeCounters& c);
/// One λ/ρ series (DualTrace, Lagrangian GDA's traces).
void put_trace(OutputArchive& a, const std::string& key, const EdgeTrace& t);
/// Tensors that live on after loading (parameters shared with optimizers and
/// models): their values and whether each carried a gradient (.grad()
/// defined: an optimizer steps only tensors that do).
void put_in_place(OutputArchive& a, const std::string& key, const std::vector<at::Tensor>& ts);

int64_t get_int(InputArchive& a, const std::string& key);
double get_double(InputArchive& a, const std::string& key);
std::string get_string(InputArchive& a, const std::string& key);
std::vector<int64_t> get_ints(InputArchive& a, const std::string& key);
std::vector<double> get_doubles(InputArchive& a, const std::string& key);
at::Tensor get_tensor(InputArchive& a, const std::string& key);
std::vector<at::Tensor> get_tensors(InputArchive& a, const std::string& key);
EdgeTrace get_trace(InputArchive& a, const std::string& key);
ComputeCounters get_counters(InputArchive& a, const std::string& key);
/// put_in_place's values copied into `ts` (same storage: every holder of the
/// tensors sees them), each gradient a zero tensor where one was defined
/// and undefined elsewhere — what the next zero_grad() would leave. Throws
/// InputError when the count, a shape or a dtype differs.
void get_in_place(InputArchive& a, const std::string& key, const std::vector<at::Tensor>& ts);

}  // namespace galt::state
