// Cache-line aligned allocation for per-thread scratch.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace w2v {

// Allocates whole, 64-byte aligned cache lines, so buffers of different threads never share
// a line (a shared line bounces between cores on every write: false sharing).
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(size_t n) {
    const size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
    return static_cast<T*>(::operator new(bytes, std::align_val_t(64)));
  }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t(64)); }
  template <class U>
  bool operator==(const CacheLineAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const CacheLineAllocator<U>&) const {
    return false;
  }
};
template <class T>
using LineVector = std::vector<T, CacheLineAllocator<T>>;

}  // namespace w2v
