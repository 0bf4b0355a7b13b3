// Initial input vectors: uniform in [-scale, scale), row by row.
#pragma once

#include <cstddef>
#include <cstdint>

namespace w2v {

// Fills rows [0, rows) of a row-major `rows x dim` matrix. Row r draws from its own stream,
// seeded by (seed, first_row + r), so the result depends neither on the thread count nor on
// whether the rows were made at once or as a vocabulary grew (first_row = old size).
void fill_uniform_rows(float* out, size_t rows, size_t dim, uint64_t seed, uint64_t first_row,
                       float scale, int threads);

}  // namespace w2v
