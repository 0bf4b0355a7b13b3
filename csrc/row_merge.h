// The arithmetic distributed training does on a worker's weights around each merge: the
// change of the rows due since their last merge (as float32 or as the IEEE halves it
// travels as), and the merged change applied to them. Each is one pass over the rows; numpy
// took one per operation, three times the memory traffic, on the cores the training needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>

namespace w2v {

// Rows of a matrix: ids[0 .. count) when ids is set, else rows 0 .. count.
struct RowSet {
  const int64_t* ids = nullptr;
  size_t count = 0;

  size_t operator[](size_t i) const { return ids ? static_cast<size_t>(ids[i]) : i; }
};

// Row i of `out` = row rows[i] of `trained` - the same row of `synced` (dim values a row),
// written as float32 or rounded to IEEE halves as to_half does. The positions i whose change
// is not all +0.0 bits (x - x is +0.0: an untouched row is exactly that) go to `changed`, in
// order; returns how many.
size_t row_changes(const float* trained, const float* synced, size_t dim, RowSet rows, float* out,
                   int64_t* changed);
size_t row_changes(const float* trained, const float* synced, size_t dim, RowSet rows,
                   uint16_t* out, int64_t* changed);

// Applies the merged change `total` (row i to row rows[i]): synced += total, then trained =
// synced. With `own` (this worker's change as it was sent, which its trained rows already hold
// when rounds overlap): synced += total, trained += total - own.
void apply_merged(float* trained, float* synced, size_t dim, RowSet rows, const float* total);
void apply_merged(float* trained, float* synced, size_t dim, RowSet rows, const float* total,
                  const float* own);
void apply_merged(float* trained, float* synced, size_t dim, RowSet rows, const float* total,
                  const uint16_t* own);

}  // namespace w2v
