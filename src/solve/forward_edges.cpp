#include "galt/solve/forward_edges.h"

#include <torch/torch.h>

#include <algorithm>

#include "galt/error.h"
#include "galt/solve/state_archive.h"

namespace galt {

ForwardEdges::ForwardEdges(BlockChain chain, std::vector<std::string> block_names,
                           ForwardEdgeOptions options)
    : chain_(std::move(chain)), names_(std::move(block_names)), options_(options) {
  if (names_.size() != chain_.size())
    throw InputError("forward edges: " + std::to_string(names_.size()) + " block names for " +
                     std::to_string(chain_.size()) + " stages");
  if (!(options_.tol > 0) || options_.probe_rows < 1)
    throw InputError("forward edges: need tol > 0 and probe_rows ≥ 1");
  refs_.resize(chain_.size() > 0 ? chain_.size() - 1 : 0);
}

std::vector<ConstraintEdge> ForwardEdges::edges() {
  std::vector<ConstraintEdge> out;
  for (size_t v = 0; v < refs_.size(); ++v) {
    ConstraintEdge e;
    e.name = "forward_" + names_[v];
    e.channel = Channel::kForward;
    e.margin = options_.tol;
    e.blocks = {names_[v]};
    e.value = [this, v] { return drift(v); };
    out.push_back(std::move(e));
  }
  return out;
}

at::Tensor ForwardEdges::drift(size_t v) const {
  const auto& r = refs_[v];
  if (!r.in.defined()) return torch::zeros({}) - 1.0 + options_.tol;  // no reference yet
  const auto out = chain_.stages[v](r.in);
  return (out - r.out).pow(2).mean() / r.scale;
}

void ForwardEdges::refresh(const at::Tensor& x) {
  torch::NoGradGuard no_grad;
  at::Tensor z = x.narrow(0, 0, std::min<int64_t>(options_.probe_rows, x.size(0)));
  for (size_t v = 0; v < refs_.size(); ++v) {
    const auto out = chain_.stages[v](z);
    refs_[v] = {z, out, out.pow(2).mean().item<double>() + 1e-8};
    z = out;
  }
}

void ForwardEdges::save(torch::serialize::OutputArchive& archive) const {
  state::put_int(archive, "count", static_cast<int64_t>(refs_.size()));
  for (size_t v = 0; v < refs_.size(); ++v) {
    const std::string key = "ref" + std::to_string(v);
    state::put_tensor(archive, key + "/in", refs_[v].in);
    state::put_tensor(archive, key + "/out", refs_[v].out);
    state::put_double(archive, key + "/scale", refs_[v].scale);
  }
}

void ForwardEdges::load(torch::serialize::InputArchive& archive) {
  const int64_t n = state::get_int(archive, "count");
  if (n != static_cast<int64_t>(refs_.size()))
    throw InputError("checkpoint: " + std::to_string(n) + " forward references, expected " +
                     std::to_string(refs_.size()));
  std::vector<Reference> refs(refs_.size());
  for (size_t v = 0; v < refs.size(); ++v) {
    const std::string key = "ref" + std::to_string(v);
    refs[v] = {state::get_tensor(archive, key + "/in"), state::get_tensor(archive, key + "/out"),
               state::get_double(archive, key + "/scale")};
  }
  refs_ = std::move(refs);
}

}  // namespace galt
