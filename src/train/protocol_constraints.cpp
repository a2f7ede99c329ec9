// The continual protocol's constraint set, shared by every method with
// constraint terms (protocol_constraints.h; DESIGN §1, §2.3, §8).
#include "galt/train/protocol_constraints.h"

#include <torch/torch.h>

#include <algorithm>
#include <random>

#include "galt/error.h"

namespace galt::train {

namespace {

// Stream tag of the safety probe; anchor sets use their task index.
constexpr uint64_t kProbeStream = 0x70726f6265ULL;  // "probe"
// Stream tag of the probe rows' shifts (SafetySpec::probe_shift).
constexpr uint64_t kShiftStream = 0x7368696674ULL;  // "shift"

// One stream per (run seed, step, set): the draw of a set depends on nothing
// a method owns, nor on how many other sets exist.
std::mt19937_64 stream(uint64_t seed, int64_t step, uint64_t set) {
  const auto s = static_cast<uint64_t>(step);
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                    static_cast<uint32_t>(s),    static_cast<uint32_t>(s >> 32),
                    static_cast<uint32_t>(set),  static_cast<uint32_t>(set >> 32)};
  return std::mt19937_64(seq);
}

// `want` of `n` rows, sorted; undefined when every row is wanted.
at::Tensor pick_rows(int64_t n, int64_t want, std::mt19937_64 gen) {
  if (want <= 0 || want >= n) return at::Tensor();
  std::vector<int64_t> idx(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) idx[static_cast<size_t>(i)] = i;
  std::shuffle(idx.begin(), idx.end(), gen);
  idx.resize(static_cast<size_t>(want));
  std::sort(idx.begin(), idx.end());
  return torch::tensor(idx, torch::kLong);
}

at::Tensor rows_of(const at::Tensor& t, const at::Tensor& idx) {
  return idx.defined() ? t.index_select(0, idx) : t;
}

// The drawn rows as a list (every row of `n` when the draw is undefined).
std::vector<int64_t> row_list(const at::Tensor& idx, int64_t n) {
  std::vector<int64_t> out;
  if (!idx.defined()) {
    for (int64_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  const auto c = idx.contiguous();
  out.assign(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
  return out;
}

// Rows of the probe a family may draw: all but the last `dual_rows`.
int64_t probe_solve_rows(const TrainingContext& ctx, int64_t dual_rows) {
  const int64_t n = ctx.safety->probe_x.size(0);
  if (dual_rows < 0 || (dual_rows > 0 && dual_rows >= n))
    throw InputError("safety probe: " + std::to_string(dual_rows) +
                     " rows held out for the dual update of a probe of " + std::to_string(n) +
                     " rows; hold out at least 0 and fewer than the probe's rows");
  return n - dual_rows;
}

}  // namespace

at::Tensor shifted_probe_rows(const at::Tensor& x, int64_t s, uint64_t seed, int64_t step) {
  constexpr int64_t side = 28;
  if (x.size(1) != side * side)
    throw InputError("safety.probe_shift needs 28×28 images; the probe rows have " +
                     std::to_string(x.size(1)) + " features");
  const int64_t n = x.size(0);
  const auto padded = torch::constant_pad_nd(x.view({n, side, side}), {s, s, s, s}, 0.0);
  std::mt19937_64 gen = stream(seed, step, kShiftStream);
  std::uniform_int_distribution<int64_t> d(0, 2 * s);
  std::vector<at::Tensor> out;
  out.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t dy = d(gen), dx = d(gen);
    out.push_back(padded[i].narrow(0, dy, side).narrow(1, dx, side).reshape({side * side}));
  }
  return torch::stack(out);
}

std::string retention_edge_name(int task, int group, int groups) {
  return "retain_task" + std::to_string(task) + (groups > 1 ? "/" + std::to_string(group) : "");
}

int retention_group_count(const AnchorSet& a, int anchor_groups) {
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(anchor_groups, a.x.size(0))));
}

std::vector<ConstraintEdge> protocol_constraint_edges(const TrainingContext& ctx, int anchor_groups,
                                                      ConstraintSelection select) {
  std::vector<ConstraintEdge> out;
  if (select.retention)
    for (const auto& a : *ctx.anchors) {
      const int groups = retention_group_count(a, anchor_groups);
      for (int g = 0; g < groups; ++g) {
        ConstraintEdge e;
        e.name = retention_edge_name(a.task, g, groups);
        e.channel = Channel::kMemory;
        e.sense = Sense::kInequality;
        e.margin = ctx.protocol->anchor_margin;
        out.push_back(std::move(e));
      }
    }
  if (ctx.safety && select.safety) {
    ConstraintEdge e;
    e.name = "safety";
    e.channel = Channel::kSafety;
    e.sense = Sense::kInequality;
    e.layer = 0;  // hard admissibility (DESIGN §6)
    e.margin = ctx.safety->spec.epsilon;
    if (select.probe_dual_rows > 0) {
      const at::Tensor held = ctx.safety->probe_x.narrow(
          0, probe_solve_rows(ctx, select.probe_dual_rows), select.probe_dual_rows);
      e.dual_value = [model = ctx.model, held, forbidden = ctx.safety->spec.forbidden_class] {
        torch::NoGradGuard no_grad;
        return forbidden_mass(model->forward(held), forbidden).item<double>();
      };
    }
    out.push_back(std::move(e));
  }
  return out;
}

ConstraintRows draw_constraint_rows(const TrainingContext& ctx, int64_t rows_per_set,
                                    int64_t probe_dual_rows) {
  ConstraintRows r;
  for (const auto& a : *ctx.anchors)
    r.anchors.push_back(pick_rows(a.x.size(0), rows_per_set,
                                  stream(ctx.seed, ctx.step, static_cast<uint64_t>(a.task))));
  if (ctx.safety) {
    const int64_t n = probe_solve_rows(ctx, probe_dual_rows);
    r.probe = pick_rows(n, rows_per_set, stream(ctx.seed, ctx.step, kProbeStream));
    // Rows are held out: "every row" is the first n, not the whole probe.
    if (!r.probe.defined() && n < ctx.safety->probe_x.size(0))
      r.probe = torch::arange(n, torch::kLong);
  }
  return r;
}

EdgeFamily protocol_constraint_family(const TrainingContext& ctx, int64_t rows_per_set,
                                      int anchor_groups, ConstraintSelection select) {
  EdgeFamily fam;
  fam.edges = protocol_constraint_edges(ctx, anchor_groups, select);
  if (fam.edges.empty()) {
    fam.values = [] { return torch::zeros({0}); };
    return fam;
  }
  const ConstraintRows drawn = draw_constraint_rows(ctx, rows_per_set, select.probe_dual_rows);
  // The batch, edge by edge: each anchor set's drawn rows cut into its
  // groups (consecutive), then the probe's drawn rows.
  std::vector<at::Tensor> xs, targets, masks;
  std::vector<std::vector<int64_t>> indices;  // per edge, for the observer
  const bool observed = static_cast<bool>(ctx.constraint_observer);
  for (size_t s = 0; select.retention && s < ctx.anchors->size(); ++s) {
    const auto& a = (*ctx.anchors)[s];
    const auto ax = rows_of(a.x, drawn.anchors[s]);
    const auto at = rows_of(a.target, drawn.anchors[s]);
    const int64_t n = ax.size(0);
    const int groups = retention_group_count(a, anchor_groups);
    if (n < groups)
      throw InputError(
          "constraint set: " + std::to_string(n) + " rows drawn from task " +
          std::to_string(a.task) + "'s anchors for " + std::to_string(groups) +
          " retention groups; draw at least one row per group (raise the rows per "
          "set, e.g. [memory] constraint_batch or refresh_rows, or lower anchor_groups)");
    const auto ids = observed ? row_list(drawn.anchors[s], a.x.size(0)) : std::vector<int64_t>{};
    for (int g = 0; g < groups; ++g) {
      const int64_t lo = n * g / groups, hi = n * (g + 1) / groups;
      xs.push_back(ax.narrow(0, lo, hi - lo));
      targets.push_back(at.narrow(0, lo, hi - lo));
      masks.push_back(ctx.retention_mask(a));
      fam.rows.push_back(hi - lo);
      if (observed) indices.emplace_back(ids.begin() + lo, ids.begin() + hi);
    }
  }
  int64_t forbidden = -1;
  if (ctx.safety && select.safety) {
    at::Tensor px = rows_of(ctx.safety->probe_x, drawn.probe);
    if (const int64_t s = ctx.safety->spec.probe_shift; s > 0)
      px = shifted_probe_rows(px, s, ctx.seed, ctx.step);
    xs.push_back(px);
    fam.rows.push_back(xs.back().size(0));
    forbidden = ctx.safety->spec.forbidden_class;
    if (observed) indices.push_back(row_list(drawn.probe, ctx.safety->probe_x.size(0)));
  }
  const at::Tensor x = torch::cat(xs);
  ConstraintObservation seen;
  if (observed) {
    seen.step = ctx.step;
    for (const auto& e : fam.edges) {
      seen.names.push_back(e.name);
      seen.margins.push_back(e.margin);
    }
    seen.rows = fam.rows;
    seen.row_indices = std::move(indices);
  }
  fam.values = [model = ctx.model, x, rows = fam.rows, targets, masks, forbidden,
                observer = ctx.constraint_observer, seen]() {
    const auto logits = model->forward(x);
    std::vector<at::Tensor> v;
    int64_t off = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto part = logits.narrow(0, off, rows[i]);
      off += rows[i];
      v.push_back(i < targets.size() ? retention_kl(part, targets[i], masks[i])
                                     : forbidden_mass(part, forbidden));
    }
    at::Tensor values = torch::stack(v);
    if (observer) {
      ConstraintObservation o = seen;
      const auto host = values.detach().to(torch::kFloat64).cpu().contiguous();
      o.values.assign(host.data_ptr<double>(), host.data_ptr<double>() + host.numel());
      observer(o);
    }
    return values;
  };
  return fam;
}

}  // namespace galt::train
