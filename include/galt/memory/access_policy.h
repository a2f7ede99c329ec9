// AccessPolicy: may a memory that depends on layer m be read while the
// violations V are active? (DESIGN §6)
//
//   hierarchical  quarantined iff V ≠ ∅ and min(V) ≤ m. A violation below a
//                 memory invalidates it (bottom-up invalidation); a violation
//                 above it stays contained (top-down containment).
//   same_layer    baseline: quarantined iff m ∈ V. Misses bottom-up
//                 invalidation.
//   flush         baseline: quarantined iff V ≠ ∅. Over-quarantines top-down.
//
// Only the hierarchical rule passes both directions; the baselines exist so
// that the tests and benchmarks can show it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace galt::memory {

enum class AccessPolicyKind { kHierarchical, kSameLayer, kFlush };

const char* to_string(AccessPolicyKind k);
/// "hierarchical" | "same_layer" | "flush"; otherwise galt::InputError.
AccessPolicyKind parse_access_policy(std::string_view s);

/// The set V of layers with at least one active violation, as a bit mask
/// (bit k set ⇔ some violation at layer k is active). N ≤ 64.
using LayerMask = std::uint64_t;

LayerMask mask_of(const std::vector<int>& layers);

class AccessPolicy {
 public:
  explicit AccessPolicy(AccessPolicyKind kind = AccessPolicyKind::kHierarchical) : kind_(kind) {}

  AccessPolicyKind kind() const { return kind_; }

  /// True when the memory at layer m is quarantined under the active set.
  /// O(1): one mask test.
  bool quarantined(int memory_layer, LayerMask active) const {
    switch (kind_) {
      case AccessPolicyKind::kHierarchical: {
        // Bits 0..m set: some active violation at a layer ≤ m.
        const LayerMask upto =
            memory_layer >= 63 ? ~LayerMask{0} : ((LayerMask{1} << (memory_layer + 1)) - 1);
        return (active & upto) != 0;
      }
      case AccessPolicyKind::kSameLayer:
        return memory_layer < 64 && ((active >> memory_layer) & 1U) != 0;
      case AccessPolicyKind::kFlush:
        return active != 0;
    }
    return true;  // unreachable; quarantine is the safe answer
  }
  bool accessible(int memory_layer, LayerMask active) const {
    return !quarantined(memory_layer, active);
  }
  bool accessible(int memory_layer, const std::vector<int>& active_layers) const {
    return accessible(memory_layer, mask_of(active_layers));
  }

 private:
  AccessPolicyKind kind_;
};

}  // namespace galt::memory
