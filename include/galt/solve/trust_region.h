// The trusted region of one block's constraint correction (DESIGN §4–5: a
// block updates θ_v "inside its trusted region"; the linearised edges are
// trusted only that far).
//
// The bound is ‖s − s0‖₂ ≤ r_v · η · sqrt(d_v): at most r_v AdamW-sized steps
// (Adam moves each coordinate by about η). A correction outside it is scaled
// back onto the boundary, and the step says so (BlockStepStats::clipped).
//
// Adaptation is the classical trust-region rule on the agreement
// q = measured ΔC / predicted ΔC of the edges the block solved for at its
// previous step: q < shrink_below (or the wrong sign) halves r_v; q >
// grow_above on a clipped step doubles it; r_v stays in [min, max].
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "galt/graph/edge_id.h"

namespace galt {

struct TrustRegionOptions {
  /// Initial r_v; 0 = unbounded (and no adaptation).
  double radius = 3.0;
  bool adaptive = true;
  double min = 0.25;
  double max = 30.0;
  double shrink_below = 0.25;
  double grow_above = 0.75;
};

class TrustRegion {
 public:
  explicit TrustRegion(TrustRegionOptions options = {});

  /// r_v, in AdamW-sized steps (0: unbounded).
  double radius() const { return radius_; }
  /// r_v · η · sqrt(d_v) in parameter units; +∞ when unbounded.
  double bound(double lr, int64_t numel) const;
  /// The factor in (0, 1] that brings a correction of L2 norm `norm` inside
  /// the bound (1 when it is inside already).
  double clip_scale(double norm, double lr, int64_t numel) const;

  /// Sets r_v (checkpoint loading).
  void restore(double radius) { radius_ = radius; }
  /// What the last record() kept for the next adapt() (checkpoints save it
  /// and give it back to record()).
  const std::vector<EdgeId>& solved_for() const { return solved_for_; }
  bool was_clipped() const { return was_clipped_; }

  /// After a step: the edges the block solved for and whether it was clipped.
  void record(std::vector<EdgeId> solved_for, bool clipped);
  /// Before the next step: adapts r_v from the worst agreement among the
  /// edges recorded (edges `agreement` knows nothing of are skipped). No-op
  /// when not adaptive, unbounded, or nothing was solved.
  void adapt(const std::function<std::optional<double>(EdgeId)>& agreement);

 private:
  TrustRegionOptions options_;
  double radius_;
  std::vector<EdgeId> solved_for_;
  bool was_clipped_ = false;
};

}  // namespace galt
