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

// Builds the tree in O(n log n) with a binary heap. Ties between equal counts are broken as
// gensim's heapq-based construction breaks them, so both libraries build the same tree and
// syn1 rows carry over between them.
HuffmanTree build_huffman_tree(const int64_t* counts, size_t n);

}  // namespace w2v
