#include "huffman.h"

#include <algorithm>
#include <numeric>

namespace w2v {

HuffmanTree build_huffman_tree(const int64_t* counts, size_t n) {
  HuffmanTree tree;
  tree.offsets.assign(n + 1, 0);
  if (n < 2) return tree;
  // Leaves are nodes 0..n-1 (word ids), inner nodes n..2n-2 in creation order.
  std::vector<uint32_t> leaves(n);
  std::iota(leaves.begin(), leaves.end(), 0u);
  std::stable_sort(leaves.begin(), leaves.end(),
                   [&](uint32_t a, uint32_t b) { return counts[a] < counts[b]; });
  std::vector<int64_t> weight(2 * n - 1);
  for (size_t i = 0; i < n; ++i) weight[i] = counts[i];
  std::vector<uint32_t> parent(2 * n - 1, 0);
  std::vector<uint8_t> branch(2 * n - 1, 0);
  size_t next_leaf = 0, next_inner = n, new_node = n;
  auto pop_smallest = [&]() -> uint32_t {
    const bool use_leaf = next_leaf < n && (next_inner >= new_node ||
                                            weight[leaves[next_leaf]] <= weight[next_inner]);
    return use_leaf ? leaves[next_leaf++] : static_cast<uint32_t>(next_inner++);
  };
  for (; new_node < 2 * n - 1; ++new_node) {
    const uint32_t a = pop_smallest();
    const uint32_t b = pop_smallest();
    weight[new_node] = weight[a] + weight[b];
    parent[a] = parent[b] = static_cast<uint32_t>(new_node);
    branch[b] = 1;
  }
  const size_t root = 2 * n - 2;
  std::vector<uint32_t> depth(2 * n - 1, 0);
  for (size_t node = root; node-- > 0;) depth[node] = depth[parent[node]] + 1;
  for (size_t w = 0; w < n; ++w) tree.offsets[w + 1] = tree.offsets[w] + depth[w];
  tree.codes.resize(tree.offsets[n]);
  tree.points.resize(tree.offsets[n]);
  for (size_t w = 0; w < n; ++w) {
    // Walk up from the leaf, filling the path from its end so it reads root first.
    uint64_t pos = tree.offsets[w + 1];
    for (size_t node = w; node != root; node = parent[node]) {
      --pos;
      tree.codes[pos] = branch[node];
      tree.points[pos] = static_cast<uint32_t>(parent[node] - n);
    }
  }
  return tree;
}

}  // namespace w2v
