// Thread budget: OpenBLAS threads × intra-op threads ≤ cores (no
// oversubscription), and which BLAS is actually loaded.
#pragma once

#include <string>

namespace galt {

struct ThreadConfig {
  int cores = 0;     ///< hardware threads seen
  int intra_op = 1;  ///< torch::set_num_threads
  int blas = 1;      ///< openblas_set_num_threads (0: not OpenBLAS)
};

/// The cores galt may use: $GALT_THREADS when set (> 0), else every hardware
/// thread. Reads only; configure_threads applies it.
int thread_budget();

/// Splits `cores` (0: all hardware threads, or $GALT_THREADS) between the
/// BLAS and LibTorch's intra-op pool so their product never exceeds it. Dense
/// training is GEMM-bound, so by default BLAS gets the cores and intra-op 1;
/// `prefer_intra_op` gives them to the intra-op pool instead (block-parallel
/// solves, element-wise work). Returns what was set.
ThreadConfig configure_threads(int cores = 0, bool prefer_intra_op = false);

/// OpenBLAS's thread count now (0: not OpenBLAS).
int blas_threads();

/// While alive, OpenBLAS uses `threads` threads (0: leave it as it is); the
/// previous count is restored on destruction. A no-op without OpenBLAS.
class ScopedBlasThreads {
 public:
  explicit ScopedBlasThreads(int threads);
  ~ScopedBlasThreads();
  ScopedBlasThreads(const ScopedBlasThreads&) = delete;
  ScopedBlasThreads& operator=(const ScopedBlasThreads&) = delete;

 private:
  int previous_ = 0;
};

/// The loaded BLAS, e.g. "OpenBLAS 0.3.21 NO_AFFINITY Haswell MAX_THREADS=64",
/// or "unknown (not OpenBLAS)" when the reference BLAS is in use.
std::string blas_info();

}  // namespace galt
