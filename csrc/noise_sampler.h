// O(1) sampling from the negative-sampling noise distribution (Walker/Vose alias method).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "random.h"

namespace w2v {

// Memory is 8 bytes per word, against word2vec.c's 400 MB table; a draw is one uniform bin
// choice and one comparison, against gensim's binary search.
class NoiseSampler {
 public:
  NoiseSampler() = default;
  // weights: finite, >= 0, positive sum (checked by the caller, asserted here).
  NoiseSampler(const double* weights, size_t n);

  // A draw is a uniform bin and a uniform 32-bit number; resolving it reads the bin. Drawing
  // ahead and prefetching the bin (training does) hides the bin's cache miss.
  struct Draw {
    uint32_t bin;
    uint32_t u;
  };
  Draw draw(Rng& rng) const {
    // One 64-bit number serves both: its high half picks the bin by Lemire's multiply, its
    // low half is the uniform. In the rare case (p < size / 2^32) the multiply would be
    // biased, the bin is drawn afresh by the exact method.
    const uint64_t x = rng.next();
    const uint64_t m = (x >> 32) * size_;
    const auto low = static_cast<uint32_t>(m);
    if (low < size_ && low < static_cast<uint32_t>(-size_) % size_)
      return Draw{rng.below(size_), static_cast<uint32_t>(x)};
    return Draw{static_cast<uint32_t>(m >> 32), static_cast<uint32_t>(x)};
  }
  void prefetch(const Draw& d) const { __builtin_prefetch(&bins_[d.bin]); }
  uint32_t resolve(const Draw& d) const {
    const Bin& b = bins_[d.bin];
    return d.u < b.threshold ? d.bin : b.alias;
  }
  uint32_t sample(Rng& rng) const { return resolve(draw(rng)); }
  // Draws a word different from `avoid`, giving up after a bounded number of tries (the
  // caller skips the draw then) so a distribution concentrated on `avoid` cannot hang.
  int64_t sample_excluding(Rng& rng, uint32_t avoid) const {
    for (int tries = 0; tries < 64; ++tries) {
      const uint32_t w = sample(rng);
      if (w != avoid) return w;
    }
    return -1;
  }

  // k draws for a user (not for training): a stream seeded by `seed`, each draw redrawn
  // until it differs from `avoid` (when avoid >= 0). Throws std::invalid_argument if a draw
  // still equals `avoid` after 2^28 tries (a distribution concentrated on it).
  std::vector<int64_t> sample_avoiding(size_t k, int64_t avoid, uint64_t seed) const;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // The exact distribution the table draws from (it differs from the normalised weights
  // by the 2^-32 rounding of each bin's threshold).
  std::vector<double> probabilities() const;

 private:
  struct Bin {
    uint32_t threshold;  // keep the bin's own word when a uniform uint32 is below this
    uint32_t alias;
  };
  std::vector<Bin> bins_;
  uint32_t size_ = 0;
};

}  // namespace w2v
