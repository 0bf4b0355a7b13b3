// Large tables on transparent huge pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace w2v {

// Allocates blocks of 2 MiB or more as whole, aligned 2 MiB pages and asks the kernel to back
// them with huge pages (where transparent huge pages are on "madvise"). A hash table probed at
// random then costs one TLB entry per 2 MiB instead of per 4 KiB: with tables of 100 MB or
// more, nearly every probe of a 4 KiB-paged table also missed the TLB (a page walk, dearer
// still in a virtual machine). Smaller blocks come from operator new.
template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr size_t kHuge = size_t(1) << 21;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= kHuge) {
      const size_t size = (bytes + kHuge - 1) / kHuge * kHuge;
      // Over-allocate by one huge page, then cut the ends so the block starts on 2 MiB.
      void* raw =
          mmap(nullptr, size + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (raw == MAP_FAILED) throw std::bad_alloc();
      const auto base = reinterpret_cast<uintptr_t>(raw);
      const uintptr_t start = (base + kHuge - 1) / kHuge * kHuge;
      if (start > base) munmap(raw, start - base);
      const uintptr_t end = start + size;
      const uintptr_t raw_end = base + size + kHuge;
      if (raw_end > end) munmap(reinterpret_cast<void*>(end), raw_end - end);
      madvise(reinterpret_cast<void*>(start), size, MADV_HUGEPAGE);
      return reinterpret_cast<T*>(start);
    }
#endif
    return static_cast<T*>(::operator new(bytes));
  }
  void deallocate(T* p, size_t n) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const size_t bytes = n * sizeof(T);
    if (bytes >= kHuge) {
      munmap(p, (bytes + kHuge - 1) / kHuge * kHuge);
      return;
    }
#endif
    ::operator delete(p);
  }
  template <class U>
  bool operator==(const HugePageAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const HugePageAllocator<U>&) const {
    return false;
  }
};
template <class T>
using HugeVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace w2v
