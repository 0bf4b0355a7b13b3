#include "init_weights.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "random.h"

namespace w2v {

namespace {

void fill_rows(float* out, size_t begin, size_t end, size_t dim, uint64_t seed, uint64_t first_row,
               float scale) {
  constexpr float kUnit = 1.0f / 16777216.0f;  // 2^-24: 24 random bits fill a float exactly
  for (size_t r = begin; r < end; ++r) {
    Rng rng(derive_seed(seed, first_row + r));
    float* row = out + r * dim;
    for (size_t j = 0; j < dim; ++j) {
      const float u = static_cast<float>(rng.next() >> 40) * kUnit;
      row[j] = (2.0f * u - 1.0f) * scale;
    }
  }
}

}  // namespace

void fill_uniform_rows(float* out, size_t rows, size_t dim, uint64_t seed, uint64_t first_row,
                       float scale, int threads) {
  // Below a few thousand rows a thread costs more than it saves.
  const size_t parts = std::max<size_t>(1, std::min<size_t>(threads, rows / 4096));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < parts; ++t) {
    pool.emplace_back(fill_rows, out, rows * t / parts, rows * (t + 1) / parts, dim, seed,
                      first_row, scale);
  }
  fill_rows(out, 0, rows / parts, dim, seed, first_row, scale);
  for (auto& th : pool) th.join();
}

}  // namespace w2v
