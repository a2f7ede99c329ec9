#include "galt/dist/rendezvous.h"

#include <charconv>
#include <cstdlib>
#include <optional>

#include "galt/error.h"

namespace galt::dist {
namespace {

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

// A whole decimal integer, nothing around it ("2 " and "2x" are malformed:
// a launcher that sets them has a bug the user should see).
int integer(const char* name, const std::string& text) {
  int out = 0;
  const auto* end = text.data() + text.size();
  const auto [p, ec] = std::from_chars(text.data(), end, out);
  if (text.empty() || ec != std::errc() || p != end)
    throw InputError(std::string("rendezvous: ") + name + "='" + text +
                     "' is not an integer (torchrun's environment contract: RANK, WORLD_SIZE, "
                     "MASTER_ADDR, MASTER_PORT)");
  return out;
}

std::string required(const char* name) {
  auto v = env(name);
  if (!v)
    throw InputError(std::string("rendezvous: ") + name +
                     " is not set (a multi-process run needs RANK, WORLD_SIZE, MASTER_ADDR and "
                     "MASTER_PORT, as galt launch and torchrun set them)");
  return *v;
}

}  // namespace

bool Rendezvous::in_environment() { return env("WORLD_SIZE").has_value(); }

Rendezvous Rendezvous::from_environment() {
  Rendezvous r;
  r.world_size = integer("WORLD_SIZE", required("WORLD_SIZE"));
  r.rank = integer("RANK", required("RANK"));
  r.master_addr = required("MASTER_ADDR");
  r.master_port = integer("MASTER_PORT", required("MASTER_PORT"));
  const auto local = env("LOCAL_RANK");
  r.local_rank = local ? integer("LOCAL_RANK", *local) : r.rank;
  if (auto ifname = env("GLOO_SOCKET_IFNAME")) r.interface = *ifname;
  if (env("TORCHELASTIC_USE_AGENT_STORE").value_or("") == "True") {
    r.host_store = false;
    const auto attempt = env("TORCHELASTIC_RESTART_COUNT").value_or("0");
    r.key_prefix =
        "/worker/attempt_" + std::to_string(integer("TORCHELASTIC_RESTART_COUNT", attempt));
  }
  r.validate();
  return r;
}

void Rendezvous::validate() const {
  if (world_size < 1)
    throw InputError("rendezvous: the world size is " + std::to_string(world_size) +
                     "; it must be ≥ 1");
  if (rank < 0 || rank >= world_size)
    throw InputError("rendezvous: rank " + std::to_string(rank) + " is outside [0, " +
                     std::to_string(world_size) + ") for a world of " + std::to_string(world_size) +
                     " ranks");
  if (local_rank < 0)
    throw InputError("rendezvous: the local rank is " + std::to_string(local_rank) +
                     "; it must be ≥ 0");
  if (master_addr.empty()) throw InputError("rendezvous: the master address is empty");
  if (master_port < 1 || master_port > 65535)
    throw InputError("rendezvous: the master port is " + std::to_string(master_port) +
                     "; it must be in 1..65535");
  if (timeout.count() <= 0)
    throw InputError("rendezvous: the timeout must be > 0 (it is " +
                     std::to_string(timeout.count()) + " ms)");
}

std::string Rendezvous::describe() const {
  return "rank " + std::to_string(rank) + " of " + std::to_string(world_size) + " (rendezvous " +
         master_addr + ":" + std::to_string(master_port) + ")";
}

}  // namespace galt::dist
