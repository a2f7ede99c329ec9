// Test helpers: a free loopback port, and a world of ranks on threads of this
// process (each its own ProcessGroup: real TCPStore and Gloo over loopback).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "galt/dist/process_group.h"

namespace galt::dist::testing {

/// A port nobody listens on now (bound to 0, released): tests that run in
/// parallel do not collide.
inline int free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error("free_port: no socket");
  ::close(s);
  return ntohs(a.sin_port);
}

inline Rendezvous local_rendezvous(int rank, int world, int port, int timeout_ms = 20000) {
  Rendezvous r;
  r.rank = rank;
  r.world_size = world;
  r.local_rank = rank;
  r.master_addr = "127.0.0.1";
  r.master_port = port;
  r.timeout = std::chrono::milliseconds(timeout_ms);
  return r;
}

/// Runs fn(group) on `world` threads, one rank each; returns each rank's
/// exception (null: it returned).
inline std::vector<std::exception_ptr> run_ranks(
    int world, const std::function<void(std::shared_ptr<ProcessGroup>)>& fn) {
  const int port = free_port();
  std::vector<std::exception_ptr> errors(world);
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r)
    threads.emplace_back([&, r] {
      try {
        fn(std::make_shared<ProcessGroup>(local_rendezvous(r, world, port)));
      } catch (...) {
        errors[r] = std::current_exception();
      }
    });
  for (auto& t : threads) t.join();
  return errors;
}

inline void rethrow_first(const std::vector<std::exception_ptr>& errors) {
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace galt::dist::testing
