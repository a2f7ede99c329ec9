// Learned proposal heads for the trace memory (DESIGN §6, "Learned heads").
//
// A learner reads a row's text and *proposes* labels — memory layer m,
// violation layer v (or none), action, memory outcome, residual — as
// probability vectors. It never decides access: access_from_proposal runs
// the ledger's AccessPolicy over the proposals and errs toward quarantine
// (the memory is readable only if P(accessible) ≥ access_threshold).
//
// Learners:
//   TransformerHeads  a small transformer text encoder (LibTorch), word
//                     tokens + learned positions, masked mean pool, one
//                     linear head per label
//   BowHeads          bag-of-words baseline: binary word vector, one linear
//                     (logistic) head per label
//   NearestNeighbour  1-NN baseline: copies the labels of the most similar
//                     training row (TF-IDF cosine)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bench/memory/contrast_packets.h"
#include "galt/memory/access_policy.h"

namespace galt::memory {

struct LayerHeadsOptions {
  // Transformer encoder.
  int d_model = 64;  ///< embedding width
  int attention_heads = 4;
  int encoder_layers = 2;
  int feedforward = 128;
  int max_tokens = 80;  ///< longer texts are truncated
  double dropout = 0.1;
  /// Probability of replacing a training token by <unk>, so the encoder
  /// learns to read layer wording around content it has never seen.
  double word_dropout = 0.15;
  int epochs = 10;
  int batch = 32;
  double lr = 1e-3;
  // Bag of words.
  int bow_epochs = 300;  ///< full-batch Adam steps
  double bow_lr = 0.05;
  /// P(accessible) needed to read; below it the memory is quarantined.
  double access_threshold = 0.6;
};

/// Probability vectors over the labels (sizes N, N+1, 3, 3, 4). Index N of
/// `violation` means "no violation".
struct HeadProposal {
  std::vector<float> memory, violation, action, outcome, residual;
};

/// The access decision from a proposal, always by `policy`: P(accessible) =
/// P(action accepts) · Σ_{m,v} P(m) P(v) [policy lets m through under v].
double access_probability(const HeadProposal& p, const AccessPolicy& policy);
bool access_from_proposal(const HeadProposal& p, const AccessPolicy& policy, double threshold);

/// A learner of the proposal heads.
class LayerHeads {
 public:
  virtual ~LayerHeads() = default;
  virtual std::string name() const = 0;
  virtual void fit(const std::vector<ContrastRow>& train, unsigned seed) = 0;
  virtual std::vector<HeadProposal> propose(const std::vector<std::string>& texts) const = 0;
};

std::unique_ptr<LayerHeads> make_transformer_heads(const LayerHeadsOptions& options);
std::unique_ptr<LayerHeads> make_bow_heads(const LayerHeadsOptions& options);
std::unique_ptr<LayerHeads> make_nearest_neighbour();

}  // namespace galt::memory
