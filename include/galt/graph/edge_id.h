// EdgeId: a stable handle of one constraint edge (DESIGN §1). It is given
// once, when the edge is added, and never reused: removing other edges does
// not change it, so multipliers, histories and callers' references keyed by
// it stay valid (an edge's position in the graph's vectors may change).
#pragma once

#include <cstdint>
#include <functional>

namespace galt {

struct EdgeId {
  int64_t value = -1;  ///< −1: no edge

  constexpr bool valid() const { return value >= 0; }
  friend constexpr bool operator==(EdgeId a, EdgeId b) { return a.value == b.value; }
  friend constexpr bool operator!=(EdgeId a, EdgeId b) { return a.value != b.value; }
  friend constexpr bool operator<(EdgeId a, EdgeId b) { return a.value < b.value; }
};

}  // namespace galt

template <>
struct std::hash<galt::EdgeId> {
  size_t operator()(galt::EdgeId id) const noexcept { return std::hash<int64_t>{}(id.value); }
};
