// Which rank steps which block: both partitions, and the rank counts that
// must be refused before training.
#include "galt/dist/block_owner.h"

#include <gtest/gtest.h>

#include "galt/error.h"

namespace galt::dist {
namespace {

TEST(BlockOwner, ContiguousRunsDifferByAtMostOneBlock) {
  EXPECT_EQ(block_owners(5, 2), (std::vector<int>{0, 0, 0, 1, 1}));
  EXPECT_EQ(block_owners(4, 2), (std::vector<int>{0, 0, 1, 1}));
  EXPECT_EQ(block_owners(4, 3), (std::vector<int>{0, 0, 1, 2}));
  EXPECT_EQ(block_owners(3, 3), (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(block_owners(7, 1), std::vector<int>(7, 0));
  for (int blocks = 1; blocks <= 12; ++blocks)
    for (int ranks = 1; ranks <= blocks; ++ranks) {
      const auto o = block_owners(blocks, ranks);
      std::vector<int> count(ranks, 0);
      for (int b = 0; b < blocks; ++b) {
        ++count[o[b]];
        if (b > 0) {
          EXPECT_GE(o[b], o[b - 1]);  // contiguous runs
        }
      }
      const auto [lo, hi] = std::minmax_element(count.begin(), count.end());
      EXPECT_GE(*lo, 1) << blocks << " blocks on " << ranks << " ranks";
      EXPECT_LE(*hi - *lo, 1) << blocks << " blocks on " << ranks << " ranks";
    }
}

TEST(BlockOwner, RoundRobinDealsBlocksInTurn) {
  EXPECT_EQ(block_owners(5, 2, Partition::kRoundRobin), (std::vector<int>{0, 1, 0, 1, 0}));
  EXPECT_EQ(block_owner(7, 8, 3, Partition::kRoundRobin), 1);
}

TEST(BlockOwner, MoreRanksThanBlocksIsAnInputError) {
  try {
    check_partition(4, 5);
    FAIL() << "5 ranks for 4 blocks accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("5 ranks for 4 blocks"), std::string::npos) << e.what();
  }
  EXPECT_THROW(check_partition(4, 0), InputError);
  EXPECT_THROW(check_partition(0, 1), InputError);
  EXPECT_THROW(block_owner(4, 4, 2), InputError);  // block outside [0, 4)
  EXPECT_THROW(block_owner(-1, 4, 2), InputError);
}

TEST(BlockOwner, PartitionNames) {
  EXPECT_EQ(parse_partition("contiguous"), Partition::kContiguous);
  EXPECT_EQ(parse_partition("round-robin"), Partition::kRoundRobin);
  EXPECT_STREQ(to_string(Partition::kRoundRobin), "round-robin");
  EXPECT_THROW(parse_partition("random"), InputError);
}

}  // namespace
}  // namespace galt::dist
