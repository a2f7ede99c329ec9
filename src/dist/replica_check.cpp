#include "galt/dist/replica_check.h"

#include <ATen/ATen.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "galt/error.h"
#include "galt/solve/optimizer.h"

namespace galt::dist {
namespace {

// FNV-1a's constants over 8-byte words (then the tail bytes): a cheap hash
// of the exact bits; every bit flip changes it.
constexpr uint64_t kOffset = 14695981039346656037ull;
constexpr uint64_t kPrime = 1099511628211ull;

void mix(uint64_t& h, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * kPrime;
  }
  for (; i < n; ++i) h = (h ^ p[i]) * kPrime;
}

void mix(uint64_t& h, const at::Tensor& t) {
  if (!t.defined()) {
    const uint64_t none = 0x9e3779b97f4a7c15ull;
    mix(h, &none, sizeof none);
    return;
  }
  const auto c = t.detach().contiguous();
  mix(h, c.data_ptr(), c.nbytes());
}

template <class T>
void mix_value(uint64_t& h, T v) {
  mix(h, &v, sizeof v);
}

}  // namespace

uint64_t ReplicaFingerprint::combined() const {
  uint64_t h = kOffset;
  mix(h, blocks.data(), blocks.size() * sizeof(uint64_t));
  mix_value(h, duals);
  mix_value(h, edge_values);
  return h;
}

ReplicaFingerprint fingerprint(const Optimizer& opt) {
  ReplicaFingerprint f;
  const auto& blocks = opt.graph().blocks();
  for (size_t b = 0; b < blocks.size(); ++b) {
    uint64_t h = kOffset;
    const auto& block = blocks[b];
    for (size_t t = 0; t < block.params().size(); ++t) {
      mix(h, block.params()[t]);
      const auto& s = block.state()[t];
      mix(h, s.exp_avg);
      mix(h, s.exp_avg_sq);
      mix_value(h, s.step);
    }
    try {
      mix_value(h, opt.trust_region(static_cast<int>(b)).radius());
    } catch (const std::out_of_range&) {
      // No step yet: no trust region either.
    }
    f.blocks.push_back(h);
  }
  f.duals = kOffset;
  for (size_t e = 0; e < opt.duals().size(); ++e) {
    const auto& d = opt.duals().dual(static_cast<int>(e));
    mix_value(f.duals, d.lambda);
    mix_value(f.duals, d.rho);
  }
  f.edge_values = kOffset;
  for (const auto& es : opt.last_stats().edges) mix_value(f.edge_values, es.value);
  return f;
}

ReplicaCheck::ReplicaCheck(std::shared_ptr<ProcessGroup> group, int64_t every)
    : group_(std::move(group)), every_(every) {
  if (!group_) throw InputError("replica check: the process group is null");
  if (every_ < 1) throw InputError("replica check: every must be ≥ 1");
}

bool ReplicaCheck::step_taken(const Optimizer& opt, const StepStats& stats) {
  if (stats.step % every_ == 0) {
    check(*group_, opt, stats.step);
    ++checks_;
  }
  return false;
}

void ReplicaCheck::check(ProcessGroup& group, const Optimizer& opt, int64_t step) {
  const ReplicaFingerprint f = fingerprint(opt);
  // [blocks, duals, edge values, the block hashes…] as int64 bits.
  const int64_t n = 3 + static_cast<int64_t>(f.blocks.size());
  auto mine = at::empty({n}, at::kLong);
  auto* p = reinterpret_cast<uint64_t*>(mine.data_ptr<int64_t>());
  p[0] = f.blocks.size();
  p[1] = f.duals;
  p[2] = f.edge_values;
  for (size_t b = 0; b < f.blocks.size(); ++b) p[3 + b] = f.blocks[b];
  const auto all = group.all_gather(mine);
  const auto* ref = reinterpret_cast<const uint64_t*>(all[0].data_ptr<int64_t>());
  std::string diff;
  const auto& blocks = opt.graph().blocks();
  for (int r = 1; r < group.world_size(); ++r) {
    const auto* q = reinterpret_cast<const uint64_t*>(all[r].data_ptr<int64_t>());
    std::vector<std::string> what;
    if (q[0] != ref[0]) {
      what.push_back("the number of blocks");
    } else {
      for (size_t b = 0; b < f.blocks.size(); ++b)
        if (q[3 + b] != ref[3 + b]) what.push_back("block '" + blocks[b].name() + "'");
      if (q[1] != ref[1]) what.push_back("the duals (λ, ρ)");
      if (q[2] != ref[2]) what.push_back("the edge values");
    }
    if (what.empty()) continue;
    diff += "; rank " + std::to_string(r) + " differs from rank 0 in ";
    for (size_t i = 0; i < what.size(); ++i) diff += (i ? ", " : "") + what[i];
  }
  if (!diff.empty())
    throw ReplicaDivergence("replicas diverged at step " + std::to_string(step) + diff +
                            " (the ranks must run the same program on the same data with the same "
                            "seed and thread counts)");
}

}  // namespace galt::dist
