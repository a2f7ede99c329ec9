// Contrast packets: seeded natural-language data for the learned memory
// heads (DESIGN §6), generated here so that no evaluation text comes from
// anywhere else.
//
// A packet is one piece of content (a person and the things the memory is
// about) realised as several rows that differ only in what the memory
// depends on and what happened to it:
//   positive      a candidate memory depending on layer m, nothing else
//   no_write      the same content asked not to be kept
//   conflict      the candidate itself touches layer k at adjudication:
//                 a soft rule bent (soft_rule_debt), unclear (boundary_
//                 ambiguity) or a hard rule broken (hard_violation)
//   violation     the memory was consolidated, then a violation at layer v
//                 was raised: one row for every v = 0..N−1, so lower, same
//                 and higher layers (top-down cases) all occur
// Every m and v is realised. Labels: memory layer, violation layer (N =
// none), action, memory outcome, residual, and the access the ledger rule
// gives (hierarchical).
//
// Splits are by content: names and things are drawn from pools that are
// disjoint between train, validation and test, so no exact or
// near-duplicate text crosses splits (checked by a test with
// near_duplicate_similarity). Rows realising a held-out (m, v) pair
// (heldout_pair) never appear in train or validation: the test split asks
// the heads to compose layers they have seen only apart.
#pragma once

#include <string>
#include <vector>

#include "galt/memory/labels.h"

namespace galt::memory {

/// The generator is written for the default four-layer stack (DESIGN §6).
inline constexpr int kPacketLayers = 4;

struct ContrastRow {
  std::string text;
  std::string packet;  ///< content id (one per packet)
  std::string kind;    ///< positive | no_write | soft_debt | ambiguous | hard_conflict | violation
  int memory_layer = 0;
  int violation_layer = kPacketLayers;  ///< kPacketLayers = no violation
  Action action = Action::kReject;
  MemoryOutcome outcome = MemoryOutcome::kNotConsolidated;
  ResidualKind residual = ResidualKind::kNone;
  bool access = false;   ///< the ledger's answer for the true labels
  std::string regime;    ///< no_violation | bottom_up | top_down
  bool heldout = false;  ///< realises a held-out (m, v) pair
};

struct ContrastPacketOptions {
  /// Packets per split. Defaults 240 / 40 / 80.
  int train_packets = 240;
  int validation_packets = 40;
  int test_packets = 80;
};

struct ContrastSplit {
  std::vector<ContrastRow> train, validation, test;
};

/// The held-out (m, v) pairs: (m + 3v) mod 5 = 2. For N = 4: (2,0)
/// bottom-up, (3,3) same layer, (1,2) top-down. Every m and every v still
/// occurs in training with other partners.
bool heldout_pair(int memory_layer, int violation_layer);

/// "no_violation" when v is none, "bottom_up" when v ≤ m (the memory must be
/// quarantined), "top_down" when v > m (it must stay readable).
std::string regime_of(int memory_layer, int violation_layer, int layers = kPacketLayers);

/// Deterministic in `seed`.
ContrastSplit generate_contrast_packets(const ContrastPacketOptions& options, unsigned seed);

/// Jaccard similarity of the word-trigram sets of two texts (lower-cased,
/// punctuation removed). 1 for identical texts; ≥ 0.8 counts as a
/// near-duplicate.
double near_duplicate_similarity(const std::string& a, const std::string& b);

/// The largest near_duplicate_similarity between a row of `a` and a row of
/// `b` (shingles computed once per row), and the number of identical texts.
struct CrossSimilarity {
  double max_similarity = 0.0;
  long exact_duplicates = 0;
};
CrossSimilarity cross_similarity(const std::vector<ContrastRow>& a,
                                 const std::vector<ContrastRow>& b);

/// Lower-cased word tokens (letters and digits), as the heads read text.
std::vector<std::string> tokenize(const std::string& text);

}  // namespace galt::memory
