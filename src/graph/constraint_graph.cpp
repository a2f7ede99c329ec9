#include "galt/graph/constraint_graph.h"

#include <torch/torch.h>

#include <set>

#include "galt/error.h"

namespace galt {

int ConstraintGraph::add_block(Block block) {
  if (block.name().empty()) throw InputError("block: the name is empty");
  if (block_id(block.name()) >= 0) throw InputError("block '" + block.name() + "': duplicate name");
  if (block.params().empty()) throw InputError("block '" + block.name() + "': no tensors");
  for (const auto& p : block.params()) {
    if (!p.defined() || !p.is_floating_point())
      throw InputError("block '" + block.name() + "': every tensor must be a defined floating-point tensor");
    if (!p.is_leaf())
      throw InputError("block '" + block.name() + "': tensors must be leaves (parameters), not results of computation");
  }
  blocks_.push_back(std::move(block));
  return static_cast<int>(blocks_.size()) - 1;
}

void ConstraintGraph::validate_edge(const ConstraintEdge& e) const {
  if (e.name.empty()) throw InputError("constraint edge: the name is empty");
  if (edge_index(e.name) >= 0) throw InputError("constraint edge '" + e.name + "': duplicate name");
  if (e.layer < -1) throw InputError("constraint edge '" + e.name + "': layer must be ≥ −1");
  if (e.sense == Sense::kInequality && e.lambda_init < 0)
    throw InputError("constraint edge '" + e.name + "': an inequality's initial λ must be ≥ 0");
  if (!std::isfinite(e.margin) || !std::isfinite(e.lambda_init) || !std::isfinite(e.rho_init))
    throw InputError("constraint edge '" + e.name + "': margin, λ and ρ must be finite");
  std::set<std::string> seen;
  for (const auto& b : e.blocks) {
    if (block_id(b) < 0) throw InputError("constraint edge '" + e.name + "': unknown block '" + b + "'");
    if (!seen.insert(b).second)
      throw InputError("constraint edge '" + e.name + "': block '" + b + "' listed twice");
  }
}

std::vector<int> ConstraintGraph::resolve_blocks(const ConstraintEdge& e) const {
  std::vector<int> ids;
  if (e.blocks.empty()) {
    for (size_t i = 0; i < blocks_.size(); ++i) ids.push_back(static_cast<int>(i));
  } else {
    for (const auto& b : e.blocks) ids.push_back(block_id(b));
  }
  return ids;
}

EdgeId ConstraintGraph::add_edge(ConstraintEdge edge) {
  validate_edge(edge);
  if (!edge.value && !edge.message)
    throw InputError("constraint edge '" + edge.name + "': no value closure and no message");
  if (edge.value && edge.message)
    throw InputError("constraint edge '" + edge.name + "': give a value closure or a message, not both");
  touched_.push_back(resolve_blocks(edge));
  edges_.push_back(std::move(edge));
  sources_.push_back(EdgeSource{});
  const EdgeId id{next_id_++};
  index_[id] = static_cast<int>(ids_.size());
  ids_.push_back(id);
  return id;
}

std::vector<EdgeId> ConstraintGraph::add_family(EdgeFamily family) {
  if (family.edges.empty()) throw InputError("edge family: no edges");
  if (!family.values) throw InputError("edge family '" + family.edges[0].name + "': no values closure");
  if (!family.rows.empty() && family.rows.size() != family.edges.size())
    throw InputError("edge family '" + family.edges[0].name + "': rows has " +
                     std::to_string(family.rows.size()) + " entries for " +
                     std::to_string(family.edges.size()) + " edges");
  for (auto r : family.rows)
    if (r <= 0) throw InputError("edge family '" + family.edges[0].name + "': rows must be > 0");
  std::set<std::string> names;
  for (const auto& e : family.edges) {
    validate_edge(e);
    if (!names.insert(e.name).second)
      throw InputError("edge family: duplicate edge name '" + e.name + "'");
  }
  const int fam = static_cast<int>(families_.size());
  std::vector<EdgeId> out;
  for (size_t i = 0; i < family.edges.size(); ++i) {
    touched_.push_back(resolve_blocks(family.edges[i]));
    edges_.push_back(family.edges[i]);
    sources_.push_back(EdgeSource{fam, static_cast<int>(i)});
    const EdgeId id{next_id_++};
    index_[id] = static_cast<int>(ids_.size());
    ids_.push_back(id);
    out.push_back(id);
  }
  families_.push_back(std::move(family));
  return out;
}

int ConstraintGraph::block_id(const std::string& name) const {
  for (size_t i = 0; i < blocks_.size(); ++i)
    if (blocks_[i].name() == name) return static_cast<int>(i);
  return -1;
}

int ConstraintGraph::edge_index(const std::string& name) const {
  for (size_t i = 0; i < edges_.size(); ++i)
    if (edges_[i].name == name) return static_cast<int>(i);
  return -1;
}

int ConstraintGraph::index_of(EdgeId id) const {
  auto it = index_.find(id);
  return it == index_.end() ? -1 : it->second;
}

std::optional<EdgeId> ConstraintGraph::find_edge(const std::string& name) const {
  const int i = edge_index(name);
  if (i < 0) return std::nullopt;
  return ids_[i];
}

void ConstraintGraph::remove_edge(const std::string& name) {
  const int i = edge_index(name);
  if (i < 0) throw InputError("remove constraint: no edge named '" + name + "'");
  remove_edge(ids_[i]);
}

void ConstraintGraph::remove_edge(EdgeId eid) {
  const int id = index_of(eid);
  if (id < 0)
    throw InputError("remove constraint: no edge with id " + std::to_string(eid.value) +
                     " (removed already?)");
  const EdgeSource src = sources_[id];
  edges_.erase(edges_.begin() + id);
  sources_.erase(sources_.begin() + id);
  touched_.erase(touched_.begin() + id);
  ids_.erase(ids_.begin() + id);
  index_.erase(eid);
  for (size_t i = id; i < ids_.size(); ++i) index_[ids_[i]] = static_cast<int>(i);
  if (src.family >= 0) {
    // Keep the family's closure (it still yields all its values); the removed
    // slot is simply no longer read. A family whose slots are all gone is dropped.
    bool used = false;
    for (const auto& s : sources_) used |= (s.family == src.family);
    if (!used) {
      families_.erase(families_.begin() + src.family);
      for (auto& s : sources_)
        if (s.family > src.family) --s.family;
    }
  }
}

}  // namespace galt
