#include "noise_sampler.h"

#include <cmath>
#include <stdexcept>

namespace w2v {

NoiseSampler::NoiseSampler(const double* weights, size_t n) {
  if (n == 0 || n > UINT32_MAX) throw std::invalid_argument("noise weights: bad length");
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!(weights[i] >= 0) || !std::isfinite(weights[i]))
      throw std::invalid_argument("noise weights must be finite and >= 0");
    total += weights[i];
  }
  if (!(total > 0) || !std::isfinite(total))
    throw std::invalid_argument("noise weights must have a positive, finite sum");
  size_ = static_cast<uint32_t>(n);
  bins_.resize(n);
  // Vose's method: scaled[i] = n * p[i]; pair each under-full bin with an over-full one.
  std::vector<double> scaled(n);
  std::vector<uint32_t> small, large;
  for (size_t i = 0; i < n; ++i) {
    scaled[i] = weights[i] / total * static_cast<double>(n);
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<uint32_t>(i));
  }
  const double two32 = 4294967296.0;
  auto to_threshold = [&](double p) -> uint32_t {
    const double t = std::floor(p * two32 + 0.5);
    return t >= two32 ? UINT32_MAX : static_cast<uint32_t>(t);
  };
  while (!small.empty() && !large.empty()) {
    const uint32_t s = small.back();
    small.pop_back();
    const uint32_t l = large.back();
    bins_[s] = Bin{to_threshold(scaled[s]), l};
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // What is left is full up to rounding error: always keep the bin's own word.
  for (uint32_t i : large) bins_[i] = Bin{UINT32_MAX, i};
  for (uint32_t i : small) {
    // A zero-weight word must never be drawn, even through rounding: send it elsewhere.
    if (weights[i] > 0) {
      bins_[i] = Bin{UINT32_MAX, i};
    } else {
      uint32_t target = 0;
      while (weights[target] <= 0) ++target;
      bins_[i] = Bin{0, target};
    }
  }
}

std::vector<int64_t> NoiseSampler::sample_avoiding(size_t k, int64_t avoid, uint64_t seed) const {
  std::vector<int64_t> out(k);
  Rng rng(derive_seed(seed, 0x5a17));
  for (size_t i = 0; i < k; ++i) {
    int64_t w = sample(rng);
    for (int tries = 1; w == avoid; ++tries) {
      if (tries == (1 << 28))
        throw std::invalid_argument("cannot draw a noise word other than `avoid`");
      w = sample(rng);
    }
    out[i] = w;
  }
  return out;
}

std::vector<double> NoiseSampler::probabilities() const {
  std::vector<double> p(size_, 0.0);
  const double two32 = 4294967296.0;
  const double per_bin = 1.0 / static_cast<double>(size_);
  for (uint32_t i = 0; i < size_; ++i) {
    // UINT32_MAX with alias == i means "always i".
    const double keep = bins_[i].alias == i ? 1.0 : bins_[i].threshold / two32;
    p[i] += per_bin * keep;
    p[bins_[i].alias] += per_bin * (1.0 - keep);
  }
  return p;
}

}  // namespace w2v
