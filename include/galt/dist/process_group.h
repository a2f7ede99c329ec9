// ProcessGroup: the ranks of one run joined over c10d's Gloo backend, and the
// collectives GALT needs, on CPU tensors (DESIGN §4, "processes": messages
// as tensors).
//
//   galt::dist::ProcessGroup group(galt::dist::Rendezvous::from_environment());
//   at::Tensor t = ...;               // same shape and dtype on every rank
//   group.broadcast(t, /*owner=*/1);  // every rank now holds rank 1's t
//   auto all = group.all_gather(t);   // world_size tensors, in rank order
//
// Joining: rank 0 hosts the TCPStore; every rank connects, counts itself in
// and waits until all world_size ranks have; then Gloo connects every pair.
// Anything that stops the join within Rendezvous::timeout (no store at the
// address, a rank that never comes, a port rank 0 cannot listen on) is a
// galt::InputError: the configuration, not the program, is wrong.
//
// Failures: every collective waits at most Rendezvous::timeout. When one
// fails (a peer died: its sockets close and Gloo fails at once; or it hangs:
// Gloo's timeout), the group works out which ranks stopped — every rank bumps
// a heartbeat counter in the store twice a second, and the ranks whose
// counter no longer moves are dead; when the store itself is gone, rank 0,
// its host, is — and throws PeerFailure naming them. The group is broken
// afterwards: every later collective throws at once.
//
// Every call is a collective: all ranks make the same calls in the same
// order. Not thread-safe: one thread drives a group.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "galt/dist/rendezvous.h"

namespace galt::dist {

/// A collective failed because peers died or stopped answering. what() names
/// the ranks (when they could be told apart) and the transport's own error.
class PeerFailure : public std::runtime_error {
 public:
  PeerFailure(const std::string& what, std::vector<int> dead_ranks)
      : std::runtime_error(what), dead_ranks_(std::move(dead_ranks)) {}
  /// The ranks found dead; empty when every rank still beats (a timeout).
  const std::vector<int>& dead_ranks() const { return dead_ranks_; }

 private:
  std::vector<int> dead_ranks_;
};

enum class ReduceOp { kSum, kMin, kMax };

class ProcessGroup {
 public:
  /// Joins the rendezvous (above). Throws galt::InputError for invalid
  /// options (Rendezvous::validate) or a rendezvous not complete within the
  /// timeout, saying how many ranks joined.
  explicit ProcessGroup(Rendezvous rendezvous);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int rank() const { return rendezvous_.rank; }
  int world_size() const { return rendezvous_.world_size; }
  const Rendezvous& rendezvous() const { return rendezvous_; }

  /// Every rank's `tensor` becomes the owner's, in place. CPU, contiguous,
  /// the same shape and dtype on every rank.
  void broadcast(at::Tensor& tensor, int owner);
  /// Several broadcasts in flight together (issued in order, then waited
  /// for): tensors[i] from owners[i].
  void broadcast(std::vector<at::Tensor>& tensors, const std::vector<int>& owners);
  /// Every rank's `tensor` (the same shape and dtype everywhere), in rank
  /// order.
  std::vector<at::Tensor> all_gather(const at::Tensor& tensor);
  /// `tensor` ← the elementwise sum (min, max) over the ranks, in place.
  void all_reduce(at::Tensor& tensor, ReduceOp op = ReduceOp::kSum);
  /// Returns when every rank has called it.
  void barrier();
  /// Point to point, for model-parallel messages (an activation to the next
  /// rank, a gradient back): `tensor` goes to rank `to`, whose recv with the
  /// same `tag` from this rank fills its tensor (the same shape and dtype,
  /// CPU, contiguous). Both return when the transfer is done; a peer that is
  /// gone or silent past the timeout is a PeerFailure naming it.
  void send(const at::Tensor& tensor, int to, int tag = 0);
  void recv(at::Tensor& tensor, int from, int tag = 0);

  /// Short notes through the rendezvous store (not a collective): a rank
  /// posts why it is about to fail, so the others can say it. `read` returns
  /// "" when the key was never posted or the store is gone.
  void post(const std::string& key, const std::string& text);
  std::string read(const std::string& key);

  /// Traffic so far: collectives issued (a send or a recv counts as one),
  /// and the payload bytes they carried (a tensor's size once per
  /// collective, whatever the algorithm sends).
  int64_t collectives() const { return collectives_; }
  int64_t payload_bytes() const { return payload_bytes_; }
  /// True after a collective failed (every later one throws PeerFailure).
  bool broken() const { return broken_; }

 private:
  struct Impl;
  [[noreturn]] void fail(const std::string& what, const std::exception& cause);
  void check_usable(const char* what) const;

  Rendezvous rendezvous_;
  std::unique_ptr<Impl> impl_;
  int64_t collectives_ = 0;
  int64_t payload_bytes_ = 0;
  bool broken_ = false;
};

}  // namespace galt::dist
