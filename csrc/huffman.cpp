#include "huffman.h"

#include <utility>
#include <vector>

namespace w2v {

namespace {

// A binary min-heap ordered by count alone, with exactly the sift steps of Python's heapq:
// equal counts leave the order to the heap's layout, and reproducing it gives gensim's tree
// (gensim builds its tree with heapq over items compared by count only).
struct Item {
  int64_t count;
  uint32_t node;
};

class CountHeap {
 public:
  explicit CountHeap(std::vector<Item> items) : heap_(std::move(items)) {
    for (size_t i = heap_.size() / 2; i-- > 0;) sift_up(i);
  }
  Item pop() {
    Item last = heap_.back();
    heap_.pop_back();
    if (heap_.empty()) return last;
    Item top = heap_[0];
    heap_[0] = last;
    sift_up(0);
    return top;
  }
  void push(Item item) {
    heap_.push_back(item);
    sift_down(0, heap_.size() - 1);
  }

 private:
  // heapq._siftdown: move the item at pos up towards start while it is smaller than its parent.
  void sift_down(size_t start, size_t pos) {
    const Item item = heap_[pos];
    while (pos > start) {
      const size_t parent = (pos - 1) >> 1;
      if (!(item.count < heap_[parent].count)) break;
      heap_[pos] = heap_[parent];
      pos = parent;
    }
    heap_[pos] = item;
  }
  // heapq._siftup: move the smaller child up until a leaf is reached, then sift down there.
  void sift_up(size_t pos) {
    const size_t end = heap_.size(), start = pos;
    const Item item = heap_[pos];
    size_t child = 2 * pos + 1;
    while (child < end) {
      const size_t right = child + 1;
      if (right < end && !(heap_[child].count < heap_[right].count)) child = right;
      heap_[pos] = heap_[child];
      pos = child;
      child = 2 * pos + 1;
    }
    heap_[pos] = item;
    sift_down(start, pos);
  }

  std::vector<Item> heap_;
};

}  // namespace

HuffmanTree build_huffman_tree(const int64_t* counts, size_t n) {
  HuffmanTree tree;
  tree.offsets.assign(n + 1, 0);
  if (n < 2) return tree;
  // Leaves are nodes 0..n-1 (word ids), inner nodes n..2n-2 in creation order; the first
  // node popped is the left (code 0) child, the second the right (code 1).
  std::vector<Item> leaves(n);
  for (size_t i = 0; i < n; ++i) leaves[i] = Item{counts[i], static_cast<uint32_t>(i)};
  CountHeap heap(std::move(leaves));
  std::vector<uint32_t> parent(2 * n - 1, 0);
  std::vector<uint8_t> branch(2 * n - 1, 0);
  for (size_t new_node = n; new_node < 2 * n - 1; ++new_node) {
    const Item a = heap.pop();
    const Item b = heap.pop();
    parent[a.node] = parent[b.node] = static_cast<uint32_t>(new_node);
    branch[b.node] = 1;
    heap.push(Item{a.count + b.count, static_cast<uint32_t>(new_node)});
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
