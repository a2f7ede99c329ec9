// ConstraintGraph: blocks (nodes) and constraint edges (DESIGN §1). The graph
// holds structure only; multipliers and penalties live in
// AugmentedLagrangian, so solvers stay interchangeable over one graph.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "galt/graph/block.h"
#include "galt/graph/constraint_edge.h"
#include "galt/graph/edge_id.h"

namespace galt {

/// Edges are stored densely, in the order they were added (an edge's
/// *index*, which shifts when an earlier edge is removed); each also has a
/// stable EdgeId that never changes (edge_id.h).
///
/// Where an edge's value comes from: its own closure (family = −1) or slot
/// `slot` of family `family`.
struct EdgeSource {
  int family = -1;
  int slot = 0;
};

class ConstraintGraph {
 public:
  /// Adds a block. Throws InputError on an empty or duplicate name, an empty
  /// tensor list, or a tensor that is not a floating-point leaf.
  int add_block(Block block);
  /// Adds an edge with its own value closure. Throws InputError on a
  /// duplicate or empty name, an unknown block, a missing closure, a negative
  /// initial λ on an inequality, or a layer < −1.
  EdgeId add_edge(ConstraintEdge edge);
  /// Adds a family of edges sharing one closure; returns their ids in order.
  std::vector<EdgeId> add_family(EdgeFamily family);

  const std::vector<Block>& blocks() const { return blocks_; }
  std::vector<Block>& blocks() { return blocks_; }
  const std::vector<ConstraintEdge>& edges() const { return edges_; }
  const std::vector<EdgeSource>& sources() const { return sources_; }
  const std::vector<EdgeFamily>& families() const { return families_; }

  /// Block indices an edge (by index) touches (all blocks when its list is
  /// empty).
  const std::vector<int>& touched_blocks(int edge) const { return touched_[edge]; }
  int block_id(const std::string& name) const;     ///< −1 when unknown
  int edge_index(const std::string& name) const;   ///< −1 when unknown
  int index_of(EdgeId id) const;                   ///< −1 when not in the graph
  EdgeId id_at(int index) const { return ids_.at(index); }
  const std::vector<EdgeId>& edge_ids() const { return ids_; }
  std::optional<EdgeId> find_edge(const std::string& name) const;

  /// Removes an edge (e.g. a memory edge whose ledger entry was quarantined).
  /// Indices of later edges shift down by one; ids never change. Throws
  /// InputError when the edge is not in the graph.
  void remove_edge(EdgeId id);
  void remove_edge(const std::string& name);

 private:
  void validate_edge(const ConstraintEdge& e) const;
  std::vector<int> resolve_blocks(const ConstraintEdge& e) const;

  std::vector<Block> blocks_;
  std::vector<ConstraintEdge> edges_;
  std::vector<EdgeSource> sources_;
  std::vector<EdgeFamily> families_;
  std::vector<std::vector<int>> touched_;
  std::vector<EdgeId> ids_;
  std::unordered_map<EdgeId, int> index_;
  int64_t next_id_ = 0;
};

}  // namespace galt
