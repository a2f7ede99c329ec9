// The order in which an inner iteration visits the blocks (DESIGN §4):
//
//  - block Jacobi: one colour holding every block; each block sees its
//    neighbours as they were at the start of the iteration;
//  - coloured Gauss–Seidel: blocks coloured so that no two blocks of one
//    colour share an edge; colours run in sequence, the blocks of a colour
//    in parallel, and a later colour receives the edge values already moved
//    by the earlier ones (C_e + Σ J_e·s of the blocks that stepped: the
//    linearised message update, no new network pass).
#pragma once

#include <vector>

#include "galt/graph/constraint_graph.h"

namespace galt {

enum class BlockOrder { kJacobi, kGaussSeidel };

const char* to_string(BlockOrder o);

struct BlockSchedule {
  /// colours[c]: the block indices of colour c, ascending.
  std::vector<std::vector<int>> colours;
  int num_colours() const { return static_cast<int>(colours.size()); }
};

/// Every block in one colour.
BlockSchedule jacobi_schedule(int num_blocks);

/// Greedy colouring of the block conflict graph (two blocks conflict when
/// some edge of `graph` touches both): blocks in index order, each takes the
/// lowest colour none of its conflicting blocks has. Deterministic.
BlockSchedule colour_blocks(const ConstraintGraph& graph);

/// The schedule of `order` for `graph`.
BlockSchedule make_schedule(const ConstraintGraph& graph, BlockOrder order);

}  // namespace galt
