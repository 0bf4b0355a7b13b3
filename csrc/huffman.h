// The Huffman tree over the vocabulary used by hierarchical softmax.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace w2v {

// For word w, its path from the root is points[offsets[w] .. offsets[w+1]) (inner-node rows
// of syn1, root first) with the branch taken at each in codes[...] (0 or 1).
struct HuffmanTree {
  std::vector<uint8_t> codes;
  std::vector<uint32_t> points;
  std::vector<uint64_t> offsets;
};

// Builds the tree in O(n log n) for the sort plus O(n) for the merge (two-queue method).
// Ties are broken by word index, so the tree is deterministic.
HuffmanTree build_huffman_tree(const int64_t* counts, size_t n);

}  // namespace w2v
