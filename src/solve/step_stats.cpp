#include "galt/solve/step_stats.h"

#include <algorithm>
#include <sstream>

namespace galt {

std::string brief_report(const StepStats& s) {
  std::ostringstream os;
  os << "galt step " << s.step << (s.outer_update ? " (outer update)" : "") << ": "
     << s.edges.size() << " edges, " << s.blocks.size() << " blocks";
  if (s.colours > 1) os << " in " << s.colours << " colours";
  os << ", eval " << s.evaluate_seconds * 1e3 << " ms, solve " << s.solve_seconds * 1e3 << " ms\n";
  for (const auto& e : s.edges) {
    os << "  " << e.name << " [" << to_string(e.channel) << "] C=" << e.value << " λ=" << e.lambda
       << " ρ=" << e.rho << (e.active ? " active" : " inactive")
       << " predicted ΔC=" << e.predicted_change << "\n";
  }
  double worst = 1.0;
  int damped = 0, clipped = 0;
  for (const auto& b : s.blocks) {
    worst = std::max(worst, b.condition);
    damped += b.damped;
    clipped += b.clipped;
  }
  os << "  worst capacitance condition " << worst << ", damped solves " << damped
     << ", clipped steps " << clipped << "\n";
  return os.str();
}

}  // namespace galt
