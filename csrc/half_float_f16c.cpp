// half_float's conversions eight values at a time with F16C. Only the code between the target
// pragmas uses F16C and AVX, and half_float.cpp calls it only on CPUs that have both.
#include "half_float.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx,f16c")
#endif

namespace w2v::f16c {

size_t to_half(const float* values, size_t n, uint16_t* out) {
  const __m256 lowest = _mm256_set1_ps(-65504.0f), highest = _mm256_set1_ps(65504.0f);
  const size_t end = n - n % 8;
  for (size_t i = 0; i < end; i += 8) {
    // max and min return their second operand when either is NaN: NaN passes through.
    __m256 v = _mm256_max_ps(lowest, _mm256_loadu_ps(values + i));
    v = _mm256_min_ps(highest, v);
    const __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), h);
  }
  return end;
}

size_t from_half(const uint16_t* halves, size_t n, float* out) {
  const size_t end = n - n % 8;
  for (size_t i = 0; i < end; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(halves + i));
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(h));
  }
  return end;
}

size_t add_half(const uint16_t* halves, size_t n, float* out) {
  const size_t end = n - n % 8;
  for (size_t i = 0; i < end; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(halves + i));
    _mm256_storeu_ps(out + i, _mm256_add_ps(_mm256_loadu_ps(out + i), _mm256_cvtph_ps(h)));
  }
  return end;
}

}  // namespace w2v::f16c

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#else  // no F16C on this target: the scalar code does everything

namespace w2v::f16c {
size_t to_half(const float*, size_t, uint16_t*) { return 0; }
size_t from_half(const uint16_t*, size_t, float*) { return 0; }
size_t add_half(const uint16_t*, size_t, float*) { return 0; }
}  // namespace w2v::f16c

#endif
