#include "row_merge.h"

#include <cstring>
#include <vector>

#include "half_float.h"

namespace w2v {

namespace {

bool all_positive_zero(const float* row, size_t dim) {
  uint32_t bits = 0;
  for (size_t j = 0; j < dim; ++j) {
    uint32_t b;
    std::memcpy(&b, row + j, sizeof b);
    bits |= b;
  }
  return bits == 0;
}

// The other workers' part of the change goes to trained: its own part is there already.
void apply_own(float* t, float* s, const float* total, const float* own, size_t dim) {
  for (size_t j = 0; j < dim; ++j) {
    s[j] += total[j];
    t[j] += total[j] - own[j];
  }
}

}  // namespace

size_t row_changes(const float* trained, const float* synced, size_t dim, RowSet rows, float* out,
                   int64_t* changed) {
  size_t n = 0;
  for (size_t i = 0; i < rows.count; ++i) {
    const float* t = trained + rows[i] * dim;
    const float* s = synced + rows[i] * dim;
    float* o = out + i * dim;
    for (size_t j = 0; j < dim; ++j) o[j] = t[j] - s[j];
    if (!all_positive_zero(o, dim)) changed[n++] = static_cast<int64_t>(i);
  }
  return n;
}

size_t row_changes(const float* trained, const float* synced, size_t dim, RowSet rows,
                   uint16_t* out, int64_t* changed) {
  std::vector<float> change(dim);
  size_t n = 0;
  for (size_t i = 0; i < rows.count; ++i) {
    const float* t = trained + rows[i] * dim;
    const float* s = synced + rows[i] * dim;
    for (size_t j = 0; j < dim; ++j) change[j] = t[j] - s[j];
    to_half(change.data(), dim, out + i * dim);
    if (!all_positive_zero(change.data(), dim)) changed[n++] = static_cast<int64_t>(i);
  }
  return n;
}

void apply_merged(float* trained, float* synced, size_t dim, RowSet rows, const float* total) {
  for (size_t i = 0; i < rows.count; ++i) {
    float* t = trained + rows[i] * dim;
    float* s = synced + rows[i] * dim;
    const float* c = total + i * dim;
    for (size_t j = 0; j < dim; ++j) t[j] = s[j] = s[j] + c[j];
  }
}

void apply_merged(float* trained, float* synced, size_t dim, RowSet rows, const float* total,
                  const float* own) {
  for (size_t i = 0; i < rows.count; ++i)
    apply_own(trained + rows[i] * dim, synced + rows[i] * dim, total + i * dim, own + i * dim, dim);
}

void apply_merged(float* trained, float* synced, size_t dim, RowSet rows, const float* total,
                  const uint16_t* own) {
  std::vector<float> decoded(dim);
  for (size_t i = 0; i < rows.count; ++i) {
    from_half(own + i * dim, dim, decoded.data());
    apply_own(trained + rows[i] * dim, synced + rows[i] * dim, total + i * dim, decoded.data(),
              dim);
  }
}

}  // namespace w2v
