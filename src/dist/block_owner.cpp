#include "galt/dist/block_owner.h"

#include "galt/error.h"

namespace galt::dist {

const char* to_string(Partition p) {
  return p == Partition::kContiguous ? "contiguous" : "round-robin";
}

Partition parse_partition(const std::string& text) {
  if (text == "contiguous") return Partition::kContiguous;
  if (text == "round-robin") return Partition::kRoundRobin;
  throw InputError("partition '" + text + "': expected contiguous or round-robin");
}

void check_partition(int blocks, int ranks) {
  if (ranks < 1) throw InputError("partition: " + std::to_string(ranks) + " ranks; need ≥ 1");
  if (blocks < 1) throw InputError("partition: the model has no blocks");
  if (ranks > blocks)
    throw InputError("partition: " + std::to_string(ranks) + " ranks for " +
                     std::to_string(blocks) + " block" + (blocks == 1 ? "" : "s") +
                     ": every rank must own at least one block (use at most " +
                     std::to_string(blocks) + " ranks, or split the model into more blocks)");
}

int block_owner(int block, int blocks, int ranks, Partition partition) {
  check_partition(blocks, ranks);
  if (block < 0 || block >= blocks)
    throw InputError("partition: block " + std::to_string(block) + " outside [0, " +
                     std::to_string(blocks) + ")");
  if (partition == Partition::kRoundRobin) return block % ranks;
  return static_cast<int>(static_cast<int64_t>(block) * ranks / blocks);
}

std::vector<int> block_owners(int blocks, int ranks, Partition partition) {
  check_partition(blocks, ranks);
  std::vector<int> out(blocks);
  for (int b = 0; b < blocks; ++b) out[b] = block_owner(b, blocks, ranks, partition);
  return out;
}

}  // namespace galt::dist
