#include "galt/solve/threading.h"

#include <dlfcn.h>
#include <torch/torch.h>

#include <cstdlib>
#include <thread>

namespace galt {

namespace {
using SetThreads = void (*)(int);
using GetConfig = char* (*)();
using GetThreads = int (*)();
}  // namespace

ScopedBlasThreads::ScopedBlasThreads(int threads) {
  if (threads <= 0) return;
  auto get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (get == nullptr || set == nullptr) return;
  previous_ = get();
  if (previous_ != threads) set(threads);
  else previous_ = 0;
}

ScopedBlasThreads::~ScopedBlasThreads() {
  if (previous_ <= 0) return;
  auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (set != nullptr) set(previous_);
}

int blas_threads() {
  auto get = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get == nullptr ? 0 : get();
}

std::string blas_info() {
  auto get = reinterpret_cast<GetConfig>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  if (get == nullptr) return "unknown (not OpenBLAS)";
  return std::string("OpenBLAS ") + get();
}

int thread_budget() {
  const char* env = std::getenv("GALT_THREADS");
  const int cores = env != nullptr ? std::atoi(env) : 0;
  return cores > 0 ? cores : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

ThreadConfig configure_threads(int cores, bool prefer_intra_op) {
  ThreadConfig c;
  if (cores <= 0) cores = thread_budget();
  c.cores = cores;
  auto set_blas = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  c.intra_op = prefer_intra_op ? cores : 1;
  c.blas = set_blas == nullptr ? 0 : (prefer_intra_op ? 1 : cores);
  torch::set_num_threads(c.intra_op);
  if (set_blas != nullptr) set_blas(c.blas);
  return c;
}

}  // namespace galt
