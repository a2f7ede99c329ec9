#include "galt/dist/process_group.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "dist/heartbeat.h"
#include "galt/error.h"

namespace galt::dist {
namespace {

using Clock = std::chrono::steady_clock;

// The heartbeat's period (dist/heartbeat.h): a dead peer is named about
// 4 periods after the failure.
constexpr std::chrono::milliseconds kHeartbeat{500};
const char* kJoinedKey = "galt/dist/joined";

// c10::Error's what() carries a C++ backtrace; a user needs the sentence.
std::string message_of(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

bool loopback(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

std::string seconds(std::chrono::milliseconds t) {
  const double s = static_cast<double>(t.count()) / 1000.0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

std::string rank_list(const std::vector<int>& ranks) {
  std::string out;
  for (size_t i = 0; i < ranks.size(); ++i)
    out += (i == 0 ? "" : i + 1 == ranks.size() ? " and " : ", ") + std::to_string(ranks[i]);
  return out;
}

}  // namespace

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  std::unique_ptr<Heartbeat> heartbeat;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;

  template <class Issue>
  void wait_all(Issue issue) {
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    issue(works);
    for (auto& w : works) w->wait();
  }
};

ProcessGroup::ProcessGroup(Rendezvous rendezvous)
    : rendezvous_(std::move(rendezvous)), impl_(std::make_unique<Impl>()) {
  const Rendezvous& rv = rendezvous_;
  rv.validate();
  const std::string where = rv.master_addr + ":" + std::to_string(rv.master_port);
  const auto deadline = Clock::now() + rv.timeout;

  // 1. The store: rank 0 listens (unless a launcher's agent already does),
  // everyone connects (retrying until the timeout: rank 0 may start last).
  c10d::TCPStoreOptions so;
  so.port = static_cast<std::uint16_t>(rv.master_port);
  so.isServer = rv.host_store && rv.rank == 0;
  so.numWorkers = c10::nullopt;  // the join below counts the ranks itself
  so.waitWorkers = false;
  // c10d's store rounds its connect timeout down to whole seconds (0 s fails
  // at once, even for rank 0's own client): at least 1 s there; the join
  // below keeps the caller's deadline.
  so.timeout = std::max<std::chrono::milliseconds>(rv.timeout, std::chrono::seconds(1));
  try {
    impl_->store = c10::make_intrusive<c10d::TCPStore>(rv.master_addr, so);
    if (!rv.key_prefix.empty())
      impl_->store = c10::make_intrusive<c10d::PrefixStore>(rv.key_prefix, impl_->store);
  } catch (const std::exception& e) {
    if (so.isServer)
      throw InputError("rendezvous: rank 0 cannot host the store at " + where + ": " +
                       message_of(e) + " (is the port in use? choose another MASTER_PORT)");
    throw InputError("rendezvous: " + rv.describe() + ": no store answered at " + where +
                     " within " + seconds(rv.timeout) + " (" + message_of(e) +
                     "); is rank 0 running, and are MASTER_ADDR and MASTER_PORT right?");
  }

  // 2. The join: every rank counts itself in and waits for the others.
  int64_t joined = 0;
  try {
    joined = impl_->store->add(kJoinedKey, 1);
    while (joined < rv.world_size && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      joined = impl_->store->add(kJoinedKey, 0);
    }
  } catch (const std::exception& e) {
    throw InputError("rendezvous: " + rv.describe() + ": lost the store at " + where +
                     " while joining: " + message_of(e));
  }
  if (joined < rv.world_size)
    throw InputError("rendezvous at " + where + ": only " + std::to_string(joined) + " of " +
                     std::to_string(rv.world_size) + " ranks joined within " + seconds(rv.timeout) +
                     " (check WORLD_SIZE and that every rank started)");
  if (joined > rv.world_size)
    throw InputError("rendezvous at " + where + ": " + std::to_string(joined) +
                     " processes joined a world of " + std::to_string(rv.world_size) +
                     " (another run on the same MASTER_PORT?)");

  try {
    impl_->heartbeat = std::make_unique<Heartbeat>(
        rv.master_addr, rv.master_port, rv.key_prefix, rv.rank, rv.world_size, kHeartbeat,
        std::clamp<std::chrono::milliseconds>(rv.timeout, std::chrono::seconds(1),
                                              std::chrono::seconds(5)));
  } catch (const std::exception& e) {
    throw InputError("rendezvous: " + rv.describe() + ": lost the store at " + where +
                     " after joining: " + message_of(e));
  }

  // 3. Gloo: a device on the address peers reach us at, then every pair.
  auto opts = c10d::ProcessGroupGloo::Options::create(rv.timeout);
  try {
    if (!rv.interface.empty())
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(rv.interface));
    else if (loopback(rv.master_addr))
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else
      opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
  } catch (const std::exception& e) {
    throw InputError(
        "rendezvous: no network device for Gloo" +
        (rv.interface.empty() ? std::string() : " on interface '" + rv.interface + "'") + ": " +
        message_of(e));
  }
  try {
    impl_->gloo =
        c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, rv.rank, rv.world_size, opts);
  } catch (const std::exception& e) {
    throw InputError("rendezvous: " + rv.describe() +
                     ": Gloo could not connect every pair of ranks within " + seconds(rv.timeout) +
                     ": " + message_of(e));
  }
}

ProcessGroup::~ProcessGroup() {
  if (broken_ && impl_) {
    // After a failure, work may still be queued on a pair to a dead peer;
    // Gloo's destructor waits for the queue, which can take the whole
    // timeout. The process is about to report the failure and exit: leave
    // the group to the exit.
    (void)impl_->gloo.release();
  }
}

void ProcessGroup::check_usable(const char* what) const {
  if (broken_)
    throw PeerFailure("rank " + std::to_string(rank()) + ": " + what +
                          ": the process group is broken by an earlier failure",
                      {});
}

void ProcessGroup::fail(const std::string& what, const std::exception& cause) {
  broken_ = true;
  const Heartbeat::Verdict v = impl_->heartbeat->diagnose(Clock::now());
  std::string msg = "rank " + std::to_string(rank()) + ": " + what + " failed: ";
  std::vector<int> dead = v.dead;
  if (!dead.empty()) {
    msg += "rank " + std::to_string(dead[0]) + " died or stopped responding";
    if (dead.size() > 1) {
      std::vector<int> rest(dead.begin() + 1, dead.end());
      msg += " (then rank" + std::string(rest.size() > 1 ? "s " : " ") + rank_list(rest) +
             " stopped too)";
    }
    msg += "; its heartbeat stopped first";
  } else if (v.store_lost && rendezvous_.host_store) {
    dead = {0};
    msg += "rank 0 (the rendezvous host) died or exited";
  } else if (v.store_lost) {
    msg += "the launcher's rendezvous store at " + rendezvous_.master_addr + ":" +
           std::to_string(rendezvous_.master_port) + " went away";
  } else {
    msg += "every rank's heartbeat still runs: a peer is alive but did not take part within " +
           seconds(rendezvous_.timeout);
  }
  msg += " [transport: " + message_of(cause) + "]";
  throw PeerFailure(msg, std::move(dead));
}

void ProcessGroup::broadcast(at::Tensor& tensor, int owner) {
  std::vector<at::Tensor> ts{tensor};
  broadcast(ts, {owner});
}

void ProcessGroup::broadcast(std::vector<at::Tensor>& tensors, const std::vector<int>& owners) {
  if (tensors.size() != owners.size())
    throw std::logic_error("ProcessGroup::broadcast: one owner per tensor");
  check_usable("broadcast");
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (owners[i] < 0 || owners[i] >= world_size())
      throw std::logic_error("ProcessGroup::broadcast: owner " + std::to_string(owners[i]) +
                             " outside the world of " + std::to_string(world_size()));
    if (!tensors[i].is_contiguous() || !tensors[i].device().is_cpu())
      throw std::logic_error("ProcessGroup::broadcast: tensors must be contiguous CPU tensors");
    ++collectives_;
    payload_bytes_ += static_cast<int64_t>(tensors[i].nbytes());
  }
  try {
    impl_->wait_all([&](auto& works) {
      for (size_t i = 0; i < tensors.size(); ++i) {
        std::vector<at::Tensor> one{tensors[i]};
        c10d::BroadcastOptions o;
        o.rootRank = owners[i];
        works.push_back(impl_->gloo->broadcast(one, o));
      }
    });
  } catch (const std::exception& e) {
    std::vector<int> from = owners;
    std::sort(from.begin(), from.end());
    from.erase(std::unique(from.begin(), from.end()), from.end());
    fail(tensors.size() == 1 ? "a broadcast from rank " + std::to_string(owners[0])
                             : std::to_string(tensors.size()) + " broadcasts from rank" +
                                   (from.size() > 1 ? "s " : " ") + rank_list(from),
         e);
  }
}

namespace {

void check_peer(int peer, int self, int world, const char* what) {
  if (peer < 0 || peer >= world || peer == self)
    throw std::logic_error(std::string("ProcessGroup::") + what + ": peer " + std::to_string(peer) +
                           " is not another rank of the world of " + std::to_string(world));
}

void check_message(const at::Tensor& t, const char* what) {
  if (!t.defined() || !t.is_contiguous() || !t.device().is_cpu())
    throw std::logic_error(std::string("ProcessGroup::") + what +
                           ": tensors must be contiguous CPU tensors");
}

}  // namespace

void ProcessGroup::send(const at::Tensor& tensor, int to, int tag) {
  check_usable("send");
  check_peer(to, rank(), world_size(), "send");
  check_message(tensor, "send");
  ++collectives_;
  payload_bytes_ += static_cast<int64_t>(tensor.nbytes());
  try {
    impl_->wait_all([&](auto& works) {
      std::vector<at::Tensor> one{tensor};
      works.push_back(impl_->gloo->send(one, to, tag));
    });
  } catch (const std::exception& e) {
    fail("a send to rank " + std::to_string(to), e);
  }
}

void ProcessGroup::recv(at::Tensor& tensor, int from, int tag) {
  check_usable("recv");
  check_peer(from, rank(), world_size(), "recv");
  check_message(tensor, "recv");
  ++collectives_;
  payload_bytes_ += static_cast<int64_t>(tensor.nbytes());
  try {
    impl_->wait_all([&](auto& works) {
      std::vector<at::Tensor> one{tensor};
      works.push_back(impl_->gloo->recv(one, from, tag));
    });
  } catch (const std::exception& e) {
    fail("a receive from rank " + std::to_string(from), e);
  }
}

std::vector<at::Tensor> ProcessGroup::all_gather(const at::Tensor& tensor) {
  check_usable("all-gather");
  if (!tensor.is_contiguous() || !tensor.device().is_cpu())
    throw std::logic_error("ProcessGroup::all_gather: the tensor must be a contiguous CPU tensor");
  std::vector<std::vector<at::Tensor>> out(1);
  for (int r = 0; r < world_size(); ++r) out[0].push_back(at::empty_like(tensor));
  std::vector<at::Tensor> in{tensor};
  ++collectives_;
  payload_bytes_ += static_cast<int64_t>(tensor.nbytes());
  try {
    impl_->wait_all([&](auto& works) { works.push_back(impl_->gloo->allgather(out, in)); });
  } catch (const std::exception& e) {
    fail("all-gather", e);
  }
  return out[0];
}

void ProcessGroup::all_reduce(at::Tensor& tensor, ReduceOp op) {
  check_usable("all-reduce");
  if (!tensor.is_contiguous() || !tensor.device().is_cpu())
    throw std::logic_error("ProcessGroup::all_reduce: the tensor must be a contiguous CPU tensor");
  c10d::AllreduceOptions o;
  o.reduceOp = op == ReduceOp::kSum   ? c10d::ReduceOp::SUM
               : op == ReduceOp::kMin ? c10d::ReduceOp::MIN
                                      : c10d::ReduceOp::MAX;
  std::vector<at::Tensor> ts{tensor};
  ++collectives_;
  payload_bytes_ += static_cast<int64_t>(tensor.nbytes());
  try {
    impl_->wait_all([&](auto& works) { works.push_back(impl_->gloo->allreduce(ts, o)); });
  } catch (const std::exception& e) {
    fail("all-reduce", e);
  }
}

void ProcessGroup::barrier() {
  check_usable("barrier");
  ++collectives_;
  try {
    impl_->wait_all([&](auto& works) { works.push_back(impl_->gloo->barrier()); });
  } catch (const std::exception& e) {
    fail("barrier", e);
  }
}

void ProcessGroup::post(const std::string& key, const std::string& text) {
  try {
    impl_->store->set("galt/dist/note/" + key, std::vector<uint8_t>(text.begin(), text.end()));
  } catch (const std::exception&) {
    // A note is best effort: the store may be gone with rank 0.
  }
}

std::string ProcessGroup::read(const std::string& key) {
  try {
    const std::string k = "galt/dist/note/" + key;
    if (!impl_->store->check({k})) return "";
    const auto v = impl_->store->get(k);
    return std::string(v.begin(), v.end());
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace galt::dist
