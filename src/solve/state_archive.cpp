#include "galt/solve/state_archive.h"

#include <torch/torch.h>

#include "galt/error.h"

namespace galt::state {

namespace {

// The counters' fields in one order (a new field goes at the end).
std::vector<int64_t*> fields(ComputeCounters& c) {
  return {&c.forward_passes,
          &c.block_forward_passes,
          &c.local_backward_passes,
          &c.global_backward_passes,
          &c.edge_evaluations,
          &c.backward_passes,
          &c.jacobian_rows,
          &c.per_example_jacobians,
          &c.jacobian_evaluations,
          &c.edge_messages,
          &c.local_solves,
          &c.adamw_steps,
          &c.steps,
          &c.local_steps,
          &c.global_steps};
}

c10::IValue read_value(InputArchive& a, const std::string& key) {
  c10::IValue v;
  if (!a.try_read(key, v)) throw InputError("checkpoint: no value '" + key + "'");
  return v;
}

[[noreturn]] void wrong_type(const std::string& key, const std::string& expected) {
  throw InputError("checkpoint: '" + key + "' is not " + expected);
}

at::Tensor read_tensor(InputArchive& a, const std::string& key) {
  at::Tensor t;
  if (!a.try_read(key, t, /*is_buffer=*/true))
    throw InputError("checkpoint: no tensor '" + key + "'");
  // A fresh, allocator-aligned copy: the restored run computes on memory laid
  // out as the uninterrupted run's.
  return t.clone();
}

}  // namespace

void put_int(OutputArchive& a, const std::string& key, int64_t v) { a.write(key, c10::IValue(v)); }
void put_double(OutputArchive& a, const std::string& key, double v) {
  a.write(key, c10::IValue(v));
}
void put_string(OutputArchive& a, const std::string& key, const std::string& v) {
  a.write(key, c10::IValue(v));
}

void put_ints(OutputArchive& a, const std::string& key, const std::vector<int64_t>& v) {
  auto t = torch::empty({static_cast<int64_t>(v.size())}, torch::kInt64);
  std::copy(v.begin(), v.end(), t.data_ptr<int64_t>());
  a.write(key, t, /*is_buffer=*/true);
}

void put_doubles(OutputArchive& a, const std::string& key, const std::vector<double>& v) {
  auto t = torch::empty({static_cast<int64_t>(v.size())}, torch::kFloat64);
  std::copy(v.begin(), v.end(), t.data_ptr<double>());
  a.write(key, t, /*is_buffer=*/true);
}

void put_tensor(OutputArchive& a, const std::string& key, const at::Tensor& t) {
  put_int(a, key + "/defined", t.defined() ? 1 : 0);
  if (t.defined()) a.write(key + "/value", t.detach(), /*is_buffer=*/true);
}

void put_tensors(OutputArchive& a, const std::string& key, const std::vector<at::Tensor>& ts) {
  put_int(a, key + "/count", static_cast<int64_t>(ts.size()));
  for (size_t i = 0; i < ts.size(); ++i) put_tensor(a, key + "/" + std::to_string(i), ts[i]);
}

void put_counters(OutputArchive& a, const std::string& key, const ComputeCounters& c) {
  ComputeCounters copy = c;
  std::vector<int64_t> v;
  for (const int64_t* f : fields(copy)) v.push_back(*f);
  put_ints(a, key, v);
}

void put_trace(OutputArchive& a, const std::string& key, const EdgeTrace& t) {
  put_string(a, key + "/name", t.name);
  put_ints(a, key + "/step", t.step);
  put_doubles(a, key + "/value", t.value);
  put_doubles(a, key + "/lambda", t.lambda);
  put_doubles(a, key + "/rho", t.rho);
}

void put_in_place(OutputArchive& a, const std::string& key, const std::vector<at::Tensor>& ts) {
  put_int(a, key + "/count", static_cast<int64_t>(ts.size()));
  for (size_t i = 0; i < ts.size(); ++i) {
    const std::string k = key + "/" + std::to_string(i);
    a.write(k + "/value", ts[i].detach(), /*is_buffer=*/true);
    put_int(a, k + "/grad", ts[i].grad().defined() ? 1 : 0);
  }
}

int64_t get_int(InputArchive& a, const std::string& key) {
  const auto v = read_value(a, key);
  if (!v.isInt()) wrong_type(key, "an integer");
  return v.toInt();
}

double get_double(InputArchive& a, const std::string& key) {
  const auto v = read_value(a, key);
  if (!v.isDouble()) wrong_type(key, "a number");
  return v.toDouble();
}

std::string get_string(InputArchive& a, const std::string& key) {
  const auto v = read_value(a, key);
  if (!v.isString()) wrong_type(key, "a string");
  return v.toStringRef();
}

std::vector<int64_t> get_ints(InputArchive& a, const std::string& key) {
  const auto t = read_tensor(a, key);
  if (t.scalar_type() != torch::kInt64 || t.dim() != 1) wrong_type(key, "a list of integers");
  return {t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel()};
}

std::vector<double> get_doubles(InputArchive& a, const std::string& key) {
  const auto t = read_tensor(a, key);
  if (t.scalar_type() != torch::kFloat64 || t.dim() != 1) wrong_type(key, "a list of numbers");
  return {t.data_ptr<double>(), t.data_ptr<double>() + t.numel()};
}

at::Tensor get_tensor(InputArchive& a, const std::string& key) {
  if (get_int(a, key + "/defined") == 0) return {};
  return read_tensor(a, key + "/value");
}

std::vector<at::Tensor> get_tensors(InputArchive& a, const std::string& key) {
  const int64_t n = get_int(a, key + "/count");
  if (n < 0) wrong_type(key + "/count", "a count");
  std::vector<at::Tensor> out;
  for (int64_t i = 0; i < n; ++i) out.push_back(get_tensor(a, key + "/" + std::to_string(i)));
  return out;
}

EdgeTrace get_trace(InputArchive& a, const std::string& key) {
  EdgeTrace t;
  t.name = get_string(a, key + "/name");
  t.step = get_ints(a, key + "/step");
  t.value = get_doubles(a, key + "/value");
  t.lambda = get_doubles(a, key + "/lambda");
  t.rho = get_doubles(a, key + "/rho");
  if (t.value.size() != t.step.size() || t.lambda.size() != t.step.size() ||
      t.rho.size() != t.step.size())
    throw InputError("checkpoint: the trace '" + key + "' has series of different lengths");
  return t;
}

ComputeCounters get_counters(InputArchive& a, const std::string& key) {
  const auto v = get_ints(a, key);
  ComputeCounters c;
  const auto f = fields(c);
  if (v.size() != f.size())
    throw InputError("checkpoint: '" + key + "' holds " + std::to_string(v.size()) +
                     " counters, expected " + std::to_string(f.size()));
  for (size_t i = 0; i < f.size(); ++i) *f[i] = v[i];
  return c;
}

void get_in_place(InputArchive& a, const std::string& key, const std::vector<at::Tensor>& ts) {
  const int64_t n = get_int(a, key + "/count");
  if (n != static_cast<int64_t>(ts.size()))
    throw InputError("checkpoint: '" + key + "' holds " + std::to_string(n) +
                     " tensors, expected " + std::to_string(ts.size()));
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < ts.size(); ++i) {
    const std::string k = key + "/" + std::to_string(i);
    const auto v = read_tensor(a, k + "/value");
    at::Tensor t = ts[i];
    if (v.sizes() != t.sizes() || v.scalar_type() != t.scalar_type())
      throw InputError("checkpoint: '" + k + "' is " + std::string(v.toString()) + " " +
                       c10::str(v.sizes()) + ", expected " + std::string(t.toString()) + " " +
                       c10::str(t.sizes()));
    t.detach().copy_(v);
    if (get_int(a, k + "/grad") != 0)
      t.mutable_grad() = torch::zeros_like(t);
    else if (t.grad().defined())
      t.mutable_grad() = at::Tensor();
  }
}

}  // namespace galt::state
