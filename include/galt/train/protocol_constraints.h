// The continual protocol's constraint set (DESIGN §1, §8; the quantities of
// constraints.h): one retention edge per finished task (or per anchor group)
// and the safety edge, built once as galt::ConstraintEdges and, for the rows
// drawn at a step, as ONE galt::EdgeFamily. GALT linearises that family for
// its optimizer edges (galt::family_jacobians, DESIGN §2.3); every baseline
// with constraint terms (Lagrangian GDA, the soft penalty) evaluates the same
// family's values(). So every method's constraint numbers come from the same
// code on the same rows.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "galt/graph/constraint_edge.h"
#include "galt/train/continual_method.h"

namespace galt::train {

/// Name of anchor group g of task t's retention edge: "retain_task<t>", or
/// "retain_task<t>/<g>" when the anchors are cut into groups > 1.
std::string retention_edge_name(int task, int group, int groups);

/// Number of retention edges anchor set `a` yields when `anchor_groups` are
/// asked for: at most one per anchor row, at least one.
int retention_group_count(const AnchorSet& a, int anchor_groups);

/// Which of the protocol's constraints an edge list or family holds. GALT,
/// Lagrangian GDA and the soft penalty take both; the loss-based baselines'
/// safety penalty (the "safety from birth" track, DESIGN §6, §8) takes the
/// safety edge only — retention is their own mechanism's job (replay,
/// distillation, EWC, ...).
struct ConstraintSelection {
  bool retention = true;  ///< the retention edges of the finished tasks
  bool safety = true;     ///< the safety edge, when the protocol has a probe
  /// The probe's last `probe_dual_rows` rows are held out of the family (its
  /// rows are drawn from the others) and feed only the safety edge's proxy
  /// value, ConstraintEdge::dual_value = forbidden_mass on those rows: a
  /// multiplier then grows while the constraint fails on rows the solve never
  /// saw, i.e. until it generalises (Cotter et al. 2019's two-dataset
  /// Lagrangian; the results issue §3). 0: off. Must be < the probe's size.
  int64_t probe_dual_rows = 0;
};

/// The protocol's constraint edges at this point of the run, in family
/// order: for each anchor set of ctx.anchors, its retention edges
/// (channel kMemory, inequality, margin protocol.anchor_margin); then, when
/// the protocol has a safety probe, "safety" (channel kSafety, layer 0 — hard
/// admissibility, DESIGN §6 — margin spec.epsilon). They touch every block and
/// carry no value closure: a family (below) or the caller supplies the
/// values; with select.probe_dual_rows the safety edge carries its proxy
/// dual_value (forbidden_mass on the held-out probe rows by ctx.model as it
/// is when called, no autograd). `select` leaves out the kinds it does not
/// ask for.
std::vector<ConstraintEdge> protocol_constraint_edges(const TrainingContext& ctx,
                                                      int anchor_groups = 1,
                                                      ConstraintSelection select = {});

/// Rows drawn from each anchor set and from the safety probe.
struct ConstraintRows {
  /// Per anchor set of ctx.anchors: sorted int64 row indices (undefined:
  /// every row).
  std::vector<at::Tensor> anchors;
  at::Tensor probe;  ///< likewise for the probe (undefined without one)
};

/// The draw at step ctx.step of run ctx.seed: `rows_per_set` rows of each
/// anchor set and of the probe, uniformly without replacement (every row when
/// rows_per_set ≤ 0 or ≥ the set's size). Each set has its own stream seeded
/// from (ctx.seed, ctx.step, the set's task or the probe), so the draw
/// depends on nothing a method owns: every method sees the same rows at the
/// same step of the same run.
/// `probe_dual_rows`: the probe's last rows, held out of the draw
/// (ConstraintSelection::probe_dual_rows).
ConstraintRows draw_constraint_rows(const TrainingContext& ctx, int64_t rows_per_set,
                                    int64_t probe_dual_rows = 0);

/// SafetySpec::probe_shift: each 28×28 row of `x` [n, 784] translated by its
/// own (dx, dy) ∈ [−shift, shift]² pixels with zero fill, the shifts drawn
/// from (seed, step) — so every method's family gets the same rows. Throws
/// InputError for rows that are not 28×28 images.
at::Tensor shifted_probe_rows(const at::Tensor& x, int64_t shift, uint64_t seed, int64_t step);

/// The protocol's constraint set on the rows drawn at ctx.step
/// (draw_constraint_rows): edges = protocol_constraint_edges(ctx,
/// anchor_groups); values() runs ctx.model once on the drawn rows (anchor
/// groups, then the probe, in edge order) and returns the k raw values [k]
/// (retention_kl, forbidden_mass) with autograd — the probe rows shifted when
/// spec.probe_shift > 0 (shifted_probe_rows); rows[i] is the number of
/// batch rows of edge i, so galt::family_jacobians applies the per-example
/// trick. The answer sets (ctx.retention_mask) are taken when the family is
/// built. Each values() call reports to ctx.constraint_observer when set.
/// No edges (and a values() of [0]) before the first constraint exists.
/// `select` as for protocol_constraint_edges; a selected edge is evaluated on
/// the same rows whatever else is selected (each set has its own draw).
EdgeFamily protocol_constraint_family(const TrainingContext& ctx, int64_t rows_per_set,
                                      int anchor_groups = 1, ConstraintSelection select = {});

}  // namespace galt::train
