// Seeded permutations that are the same on every platform: std::mt19937_64's
// output is fixed by the standard, but std::shuffle and
// std::uniform_int_distribution are not, so both are spelled out here.
#pragma once

#include <cstdint>
#include <numeric>
#include <random>
#include <utility>
#include <vector>

namespace galt::data::detail {

/// Uniform integer in [0, bound) by rejection (no modulo bias); bound ≥ 1.
inline uint64_t uniform_below(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t r;
  do {
    r = rng();
  } while (r >= limit);
  return r % bound;
}

/// Fisher–Yates shuffle.
template <typename T>
void shuffle(std::vector<T>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) {
    std::swap(v[i - 1], v[uniform_below(rng, i)]);
  }
}

/// A random permutation of 0..n-1.
inline std::vector<int64_t> permutation(int64_t n, std::mt19937_64& rng) {
  std::vector<int64_t> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), int64_t{0});
  shuffle(p, rng);
  return p;
}

}  // namespace galt::data::detail
