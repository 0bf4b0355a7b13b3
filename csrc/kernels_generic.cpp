// Baseline kernels: plain loops the compiler vectorises for the baseline ISA (SSE2 on x86-64).
#include <algorithm>
#include <cmath>

#include "kernels.h"

namespace w2v::generic {

inline float dot(const float* a, const float* b, int n) {
  // Four partial sums let the compiler vectorise without reassociating.
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

inline void axpy(float alpha, const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] += alpha * x[i];
}

inline void scale(float alpha, float* x, int n) {
  for (int i = 0; i < n; ++i) x[i] *= alpha;
}

inline void multi_dot(const float* x, float* const* rows, int n, int d, float* out) {
  for (int j = 0; j < n; ++j) out[j] = dot(x, rows[j], d);
}

inline void combine(const float* coef, int stride, float* const* rows, int n, int d, float* y,
                    bool accumulate) {
  if (!accumulate) std::fill(y, y + d, 0.0f);
  for (int j = 0; j < n; ++j) axpy(coef[static_cast<size_t>(j) * stride], rows[j], y, d);
}

inline void combine_and_update(const float* g, float* const* rows, int n, int d, const float* h,
                               float* work) {
  std::fill(work, work + d, 0.0f);
  for (int j = 0; j < n; ++j) {
    float* r = rows[j];
    for (int k = 0; k < d; ++k) {
      work[k] += g[j] * r[k];
      r[k] += g[j] * h[k];
    }
  }
}

#define W2V_ISA_NAME "generic"
#include "kernels_impl.inl"
#undef W2V_ISA_NAME

}  // namespace w2v::generic
