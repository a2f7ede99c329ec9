#include "galt/solve/block_schedule.h"

#include <set>

namespace galt {

const char* to_string(BlockOrder o) {
  return o == BlockOrder::kJacobi ? "jacobi" : "gauss-seidel";
}

BlockSchedule jacobi_schedule(int num_blocks) {
  BlockSchedule s;
  if (num_blocks <= 0) return s;
  s.colours.emplace_back();
  for (int b = 0; b < num_blocks; ++b) s.colours[0].push_back(b);
  return s;
}

BlockSchedule colour_blocks(const ConstraintGraph& graph) {
  const int n = static_cast<int>(graph.blocks().size());
  std::vector<std::set<int>> conflicts(static_cast<size_t>(n));
  for (size_t e = 0; e < graph.edges().size(); ++e) {
    const auto& touched = graph.touched_blocks(static_cast<int>(e));
    for (int a : touched)
      for (int b : touched)
        if (a != b) conflicts[a].insert(b);
  }
  std::vector<int> colour(static_cast<size_t>(n), -1);
  BlockSchedule s;
  for (int b = 0; b < n; ++b) {
    std::set<int> taken;
    for (int c : conflicts[b])
      if (colour[c] >= 0) taken.insert(colour[c]);
    int c = 0;
    while (taken.count(c)) ++c;
    colour[b] = c;
    if (c >= s.num_colours()) s.colours.resize(c + 1);
    s.colours[c].push_back(b);
  }
  return s;
}

BlockSchedule make_schedule(const ConstraintGraph& graph, BlockOrder order) {
  const int n = static_cast<int>(graph.blocks().size());
  return order == BlockOrder::kJacobi ? jacobi_schedule(n) : colour_blocks(graph);
}

}  // namespace galt
