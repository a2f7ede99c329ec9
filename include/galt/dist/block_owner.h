// Which rank steps which block (DESIGN §4: "one or more blocks per rank").
//
//   contiguous   rank r owns the blocks b with ⌊b·ranks / blocks⌋ = r: runs of
//                consecutive blocks whose lengths differ by at most one
//                (blocks 0–2 → rank 0, 3–4 → rank 1 for 5 blocks on 2 ranks).
//                The natural cut of a chain of layers (the pipelined slice
//                sends activations between neighbouring ranks).
//   round-robin  block b → rank b mod ranks. Spreads a chain over the ranks;
//                under coloured Gauss–Seidel on a chain it puts a whole
//                colour on few ranks (colours {0, 2}, {1, 3} of 4 blocks on 2
//                ranks: each colour on one rank), so prefer contiguous there.
#pragma once

#include <string>
#include <vector>

namespace galt::dist {

enum class Partition { kContiguous, kRoundRobin };

const char* to_string(Partition p);
/// "contiguous" or "round-robin"; InputError otherwise.
Partition parse_partition(const std::string& text);

/// Throws galt::InputError unless 1 ≤ ranks ≤ blocks: with more ranks than
/// blocks some rank would own nothing (the run would not use it; a launch
/// with a wrong rank count is a mistake to report before training).
void check_partition(int blocks, int ranks);

/// The rank that steps `block` (0 ≤ block < blocks). Throws galt::InputError
/// as check_partition, and for a block outside [0, blocks).
int block_owner(int block, int blocks, int ranks, Partition partition = Partition::kContiguous);

/// block_owner for every block, in block order.
std::vector<int> block_owners(int blocks, int ranks, Partition partition = Partition::kContiguous);

}  // namespace galt::dist
