#include "galt/graph/constraint_edge.h"

namespace galt {

const char* to_string(Channel c) {
  switch (c) {
    case Channel::kForward: return "forward";
    case Channel::kTask: return "task";
    case Channel::kSafety: return "safety";
    case Channel::kMemory: return "memory";
    case Channel::kAction: return "action";
  }
  return "unknown";
}

const char* to_string(Sense s) { return s == Sense::kEquality ? "equality" : "inequality"; }

}  // namespace galt
