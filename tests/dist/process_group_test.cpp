// ProcessGroup: the collectives on a real Gloo world (ranks on threads,
// loopback), and the rendezvous failures that must be input errors.
#include "galt/dist/process_group.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <chrono>

#include "dist/local_ranks.h"
#include "galt/error.h"

namespace galt::dist {
namespace {

using testing::free_port;
using testing::local_rendezvous;
using testing::rethrow_first;
using testing::run_ranks;

TEST(ProcessGroup, CollectivesOnThreeRanks) {
  rethrow_first(run_ranks(3, [](std::shared_ptr<ProcessGroup> group) {
    ProcessGroup& g = *group;
    const int r = g.rank();
    // broadcast: every rank ends with the owner's bits.
    auto t = torch::full({5}, static_cast<double>(r) + 0.1, torch::kFloat64);
    g.broadcast(t, 2);
    EXPECT_TRUE(torch::equal(t, torch::full({5}, 2.1, torch::kFloat64))) << "rank " << r;
    // several broadcasts in flight, bytes.
    std::vector<at::Tensor> ts{torch::full({3}, r, torch::kByte),
                               torch::full({2}, 10 + r, torch::kLong)};
    g.broadcast(ts, {1, 0});
    EXPECT_TRUE(torch::equal(ts[0], torch::full({3}, 1, torch::kByte)));
    EXPECT_TRUE(torch::equal(ts[1], torch::full({2}, 10, torch::kLong)));
    // all-gather in rank order.
    const auto all = g.all_gather(torch::full({2}, r * 1.5f));
    ASSERT_EQ(all.size(), 3u);
    for (int q = 0; q < 3; ++q) EXPECT_EQ(all[q][1].item<float>(), q * 1.5f);
    // all-reduce.
    auto s = torch::tensor({static_cast<double>(r), 1.0});
    g.all_reduce(s);
    EXPECT_EQ(s[0].item<double>(), 3.0);
    EXPECT_EQ(s[1].item<double>(), 3.0);
    auto m = torch::tensor({static_cast<int64_t>(r)});
    g.all_reduce(m, ReduceOp::kMax);
    EXPECT_EQ(m.item<int64_t>(), 2);
    g.barrier();
    // notes through the store.
    if (r == 1) g.post("hello", "from 1");
    g.barrier();
    EXPECT_EQ(g.read("hello"), "from 1");
    EXPECT_EQ(g.read("never"), "");
    EXPECT_EQ(g.collectives(), 8);  // the pair of broadcasts counts twice
    EXPECT_FALSE(g.broken());
  }));
}

// A ring of point-to-point messages: each rank sends to the next and
// receives from the previous, two tags in flight in opposite orders.
TEST(ProcessGroup, SendAndReceive) {
  rethrow_first(run_ranks(3, [](std::shared_ptr<ProcessGroup> group) {
    ProcessGroup& g = *group;
    const int r = g.rank(), next = (r + 1) % 3, prev = (r + 2) % 3;
    const auto mine = torch::full({2, 3}, static_cast<float>(r) + 0.5f);
    const auto ids = torch::full({4}, 100 + r, torch::kLong);
    auto got = torch::zeros({2, 3});
    auto got_ids = torch::zeros({4}, torch::kLong);
    if (r % 2 == 0) {  // even ranks send first: no cycle of waits
      g.send(mine, next, 1);
      g.send(ids, next, 2);
      g.recv(got, prev, 1);
      g.recv(got_ids, prev, 2);
    } else {
      g.recv(got, prev, 1);
      g.recv(got_ids, prev, 2);
      g.send(mine, next, 1);
      g.send(ids, next, 2);
    }
    EXPECT_TRUE(torch::equal(got, torch::full({2, 3}, static_cast<float>(prev) + 0.5f)))
        << "rank " << r;
    EXPECT_TRUE(torch::equal(got_ids, torch::full({4}, 100 + prev, torch::kLong)));
    EXPECT_EQ(g.collectives(), 4);
    EXPECT_THROW(g.send(mine, r), std::logic_error);  // to itself
    EXPECT_THROW(g.recv(got, 3), std::logic_error);   // outside the world
  }));
}

TEST(ProcessGroup, AWorldOfOneNeedsNoPeer) {
  ProcessGroup g(local_rendezvous(0, 1, free_port()));
  auto t = torch::arange(4);
  g.broadcast(t, 0);
  EXPECT_TRUE(torch::equal(t, torch::arange(4)));
  EXPECT_EQ(g.all_gather(t).size(), 1u);
  g.barrier();
}

TEST(ProcessGroup, AnUnreachableRendezvousIsAnInputErrorWithinTheTimeout) {
  // Rank 1 of 2, and nobody at the port.
  const auto t0 = std::chrono::steady_clock::now();
  try {
    ProcessGroup g(local_rendezvous(1, 2, free_port(), /*timeout_ms=*/1000));
    FAIL() << "joined a rendezvous nobody hosts";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no store answered"), std::string::npos) << e.what();
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(s, 15.0);
}

TEST(ProcessGroup, ARankThatNeverComesIsAnInputErrorNamingTheCount) {
  try {
    ProcessGroup g(local_rendezvous(0, 3, free_port(), /*timeout_ms=*/800));
    FAIL() << "a world of 3 formed with one rank";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("only 1 of 3 ranks joined"), std::string::npos)
        << e.what();
  }
}

TEST(ProcessGroup, APortInUseIsAnInputError) {
  const int port = free_port();
  ProcessGroup first(local_rendezvous(0, 1, port));
  try {
    ProcessGroup second(local_rendezvous(0, 1, port, 1000));
    FAIL() << "two stores on one port";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot host the store"), std::string::npos) << e.what();
  }
}

TEST(ProcessGroup, InvalidOptionsFailBeforeConnecting) {
  EXPECT_THROW(ProcessGroup(local_rendezvous(2, 2, free_port())), InputError);
  EXPECT_THROW(ProcessGroup(local_rendezvous(0, 0, free_port())), InputError);
}

}  // namespace
}  // namespace galt::dist
