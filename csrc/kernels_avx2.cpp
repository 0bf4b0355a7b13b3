// AVX2 + FMA kernels. Only the code between the target pragmas uses these instructions;
// standard headers are included before them, so no shared inline function is compiled for
// AVX2 and the library still loads on CPUs without it (select_kernels() picks at run time).
#include <algorithm>
#include <cmath>

#include "kernels.h"

#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

namespace w2v::avx2 {

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline float dot(const float* a, const float* b, int n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  for (; i + 8 <= n; i += 8)
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  float s = hsum(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

inline void axpy(float alpha, const float* x, float* y, int n) {
  const __m256 va = _mm256_set1_ps(alpha);
  int i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += alpha * x[i];
}

inline void scale(float alpha, float* x, int n) {
  const __m256 va = _mm256_set1_ps(alpha);
  int i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_mul_ps(va, _mm256_loadu_ps(x + i)));
  for (; i < n; ++i) x[i] *= alpha;
}

// Lane mask for the last d % 8 floats of a row (masked loads never touch memory past it).
inline __m256i tail_mask(int rem) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(rem), lanes);
}

// out[j] = x . rows[j] for j < n; four rows at a time so each load of x feeds four FMAs.
inline void multi_dot(const float* x, float* const* rows, int n, int d, float* out) {
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    const float *r0 = rows[j], *r1 = rows[j + 1], *r2 = rows[j + 2], *r3 = rows[j + 3];
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    int k = 0;
    for (; k + 8 <= d; k += 8) {
      const __m256 v = _mm256_loadu_ps(x + k);
      a0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r0 + k), a0);
      a1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r1 + k), a1);
      a2 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r2 + k), a2);
      a3 = _mm256_fmadd_ps(v, _mm256_loadu_ps(r3 + k), a3);
    }
    if (k < d) {
      const __m256i mask = tail_mask(d - k);
      const __m256 v = _mm256_maskload_ps(x + k, mask);
      a0 = _mm256_fmadd_ps(v, _mm256_maskload_ps(r0 + k, mask), a0);
      a1 = _mm256_fmadd_ps(v, _mm256_maskload_ps(r1 + k, mask), a1);
      a2 = _mm256_fmadd_ps(v, _mm256_maskload_ps(r2 + k, mask), a2);
      a3 = _mm256_fmadd_ps(v, _mm256_maskload_ps(r3 + k, mask), a3);
    }
    out[j] = hsum(a0);
    out[j + 1] = hsum(a1);
    out[j + 2] = hsum(a2);
    out[j + 3] = hsum(a3);
  }
  for (; j < n; ++j) out[j] = dot(x, rows[j], d);
}

// y (+)= sum_j coef[j * stride] * rows[j]. Four independent accumulators per step keep the
// FMA units busy instead of waiting on one dependency chain.
inline void combine(const float* coef, int stride, float* const* rows, int n, int d, float* y,
                    bool accumulate) {
  int k = 0;
  for (; k + 32 <= d; k += 32) {
    __m256 a0, a1, a2, a3;
    if (accumulate) {
      a0 = _mm256_loadu_ps(y + k);
      a1 = _mm256_loadu_ps(y + k + 8);
      a2 = _mm256_loadu_ps(y + k + 16);
      a3 = _mm256_loadu_ps(y + k + 24);
    } else {
      a0 = a1 = a2 = a3 = _mm256_setzero_ps();
    }
    for (int j = 0; j < n; ++j) {
      const __m256 c = _mm256_set1_ps(coef[static_cast<size_t>(j) * stride]);
      const float* r = rows[j] + k;
      a0 = _mm256_fmadd_ps(c, _mm256_loadu_ps(r), a0);
      a1 = _mm256_fmadd_ps(c, _mm256_loadu_ps(r + 8), a1);
      a2 = _mm256_fmadd_ps(c, _mm256_loadu_ps(r + 16), a2);
      a3 = _mm256_fmadd_ps(c, _mm256_loadu_ps(r + 24), a3);
    }
    _mm256_storeu_ps(y + k, a0);
    _mm256_storeu_ps(y + k + 8, a1);
    _mm256_storeu_ps(y + k + 16, a2);
    _mm256_storeu_ps(y + k + 24, a3);
  }
  for (; k < d; k += 8) {
    const bool full = k + 8 <= d;
    const __m256i mask = tail_mask(d - k);
    __m256 acc = !accumulate ? _mm256_setzero_ps()
                 : full      ? _mm256_loadu_ps(y + k)
                             : _mm256_maskload_ps(y + k, mask);
    for (int j = 0; j < n; ++j) {
      const __m256 r = full ? _mm256_loadu_ps(rows[j] + k) : _mm256_maskload_ps(rows[j] + k, mask);
      acc = _mm256_fmadd_ps(_mm256_set1_ps(coef[static_cast<size_t>(j) * stride]), r, acc);
    }
    if (full) {
      _mm256_storeu_ps(y + k, acc);
    } else {
      _mm256_maskstore_ps(y + k, mask, acc);
    }
  }
}

// work = sum_j g[j] * rows[j] (each row as it is when reached), and rows[j] += g[j] * h, in
// one pass over each row instead of two.
inline void combine_and_update(const float* g, float* const* rows, int n, int d, const float* h,
                               float* work) {
  int k = 0;
  for (; k + 32 <= d; k += 32) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    const __m256 h0 = _mm256_loadu_ps(h + k), h1 = _mm256_loadu_ps(h + k + 8);
    const __m256 h2 = _mm256_loadu_ps(h + k + 16), h3 = _mm256_loadu_ps(h + k + 24);
    for (int j = 0; j < n; ++j) {
      const __m256 c = _mm256_set1_ps(g[j]);
      float* r = rows[j] + k;
      const __m256 r0 = _mm256_loadu_ps(r), r1 = _mm256_loadu_ps(r + 8);
      const __m256 r2 = _mm256_loadu_ps(r + 16), r3 = _mm256_loadu_ps(r + 24);
      a0 = _mm256_fmadd_ps(c, r0, a0);
      a1 = _mm256_fmadd_ps(c, r1, a1);
      a2 = _mm256_fmadd_ps(c, r2, a2);
      a3 = _mm256_fmadd_ps(c, r3, a3);
      _mm256_storeu_ps(r, _mm256_fmadd_ps(c, h0, r0));
      _mm256_storeu_ps(r + 8, _mm256_fmadd_ps(c, h1, r1));
      _mm256_storeu_ps(r + 16, _mm256_fmadd_ps(c, h2, r2));
      _mm256_storeu_ps(r + 24, _mm256_fmadd_ps(c, h3, r3));
    }
    _mm256_storeu_ps(work + k, a0);
    _mm256_storeu_ps(work + k + 8, a1);
    _mm256_storeu_ps(work + k + 16, a2);
    _mm256_storeu_ps(work + k + 24, a3);
  }
  for (; k < d; k += 8) {
    const __m256i mask = tail_mask(d - k);
    const __m256 hk = _mm256_maskload_ps(h + k, mask);
    __m256 acc = _mm256_setzero_ps();
    for (int j = 0; j < n; ++j) {
      const __m256 c = _mm256_set1_ps(g[j]);
      const __m256 r = _mm256_maskload_ps(rows[j] + k, mask);
      acc = _mm256_fmadd_ps(c, r, acc);
      _mm256_maskstore_ps(rows[j] + k, mask, _mm256_fmadd_ps(c, hk, r));
    }
    _mm256_maskstore_ps(work + k, mask, acc);
  }
}

#define W2V_ISA_NAME "avx2"
#include "kernels_impl.inl"
#undef W2V_ISA_NAME

}  // namespace w2v::avx2

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#else  // not x86: the baseline kernels serve under this name too

namespace w2v::avx2 {
const KernelSet kKernels = generic::kKernels;
}

#endif
