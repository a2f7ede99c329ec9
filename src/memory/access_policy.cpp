// The access rule and its two baselines (DESIGN §6).
#include "galt/memory/access_policy.h"

#include <string>

#include "galt/error.h"

namespace galt::memory {

const char* to_string(AccessPolicyKind k) {
  switch (k) {
    case AccessPolicyKind::kHierarchical:
      return "hierarchical";
    case AccessPolicyKind::kSameLayer:
      return "same_layer";
    case AccessPolicyKind::kFlush:
      return "flush";
  }
  return "?";
}

AccessPolicyKind parse_access_policy(std::string_view s) {
  if (s == "hierarchical") return AccessPolicyKind::kHierarchical;
  if (s == "same_layer") return AccessPolicyKind::kSameLayer;
  if (s == "flush") return AccessPolicyKind::kFlush;
  throw InputError("access policy: unknown '" + std::string(s) +
                   "' (expected hierarchical, same_layer or flush)");
}

LayerMask mask_of(const std::vector<int>& layers) {
  LayerMask m = 0;
  for (int k : layers) {
    if (k < 0 || k >= 64) {
      throw InputError("violation layer " + std::to_string(k) + " is outside 0..63");
    }
    m |= LayerMask{1} << k;
  }
  return m;
}

}  // namespace galt::memory
