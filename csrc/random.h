// Small, fast, seedable random numbers for the training threads.
#pragma once

#include <cstdint>

namespace w2v {

// splitmix64: one add and three mixes per draw, and any seed gives a good stream, so
// per-thread streams can be derived from (seed, thread, epoch) without a seeding step.
class Rng {
 public:
  explicit Rng(uint64_t seed = 0) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint32_t next32() { return static_cast<uint32_t>(next() >> 32); }
  // Uniform integer in [0, n), n >= 1, without modulo bias (Lemire's method).
  uint32_t below(uint32_t n) {
    uint64_t m = static_cast<uint64_t>(next32()) * n;
    auto low = static_cast<uint32_t>(m);
    if (low < n) {
      const uint32_t threshold = static_cast<uint32_t>(-n) % n;
      while (low < threshold) {
        m = static_cast<uint64_t>(next32()) * n;
        low = static_cast<uint32_t>(m);
      }
    }
    return static_cast<uint32_t>(m >> 32);
  }

 private:
  uint64_t state_;
};

// Seed of an independent stream for (base seed, stream number).
inline uint64_t derive_seed(uint64_t seed, uint64_t stream) {
  Rng r(seed ^ (0x632be59bd9b4e019ULL * (stream + 1)));
  return r.next();
}

}  // namespace w2v
