// float_format's Schubfach digits, eight floats at a time with AVX2: the same arithmetic as
// shortest_digits() in float_format.cpp, lane by lane (unsigned 32-bit lanes, the 64 x 32-bit
// products in 64-bit lanes). Only the code between the target pragmas uses AVX2, and
// shortest_decimals() calls it only on CPUs that have it.
#include <cstring>

#include "float_format.h"

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#endif

namespace w2v::avx2 {

namespace {

inline __m256i all(int32_t x) { return _mm256_set1_epi32(x); }

// a <= b, unsigned, as a lane mask.
inline __m256i less_equal(__m256i a, __m256i b) {
  return _mm256_cmpeq_epi32(_mm256_min_epu32(a, b), a);
}

// The high part of g * cp, rounded to odd (round_to_odd in float_format.cpp), for four
// lanes: g in 64-bit lanes, cp in the low halves of 64-bit lanes.
inline __m256i round_to_odd(__m256i g, __m256i cp) {
  const __m256i low = _mm256_mul_epu32(g, cp);
  const __m256i high =
      _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(g, 32), cp), _mm256_srli_epi64(low, 32));
  const __m256i y1 = _mm256_srli_epi64(high, 32);
  const __m256i y0 = _mm256_and_si256(high, _mm256_set1_epi64x(0xffffffff));
  const __m256i sticky = _mm256_cmpgt_epi64(y0, _mm256_set1_epi64x(1));
  return _mm256_or_si256(y1, _mm256_and_si256(sticky, _mm256_set1_epi64x(1)));
}

// round_to_odd for eight lanes: g for lanes 0-3 and 4-7, cp in 32-bit lanes.
inline __m256i round_to_odd8(__m256i g_low, __m256i g_high, __m256i cp) {
  const __m256i a = round_to_odd(g_low, _mm256_cvtepu32_epi64(_mm256_castsi256_si128(cp)));
  const __m256i b = round_to_odd(g_high, _mm256_cvtepu32_epi64(_mm256_extracti128_si256(cp, 1)));
  const __m256i evens = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  const __m128i a4 = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(a, evens));
  const __m128i b4 = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(b, evens));
  return _mm256_inserti128_si256(_mm256_castsi128_si256(a4), b4, 1);
}

// x / 10 for unsigned 32-bit lanes.
inline __m256i div10(__m256i x) {
  const __m256i magic = all(static_cast<int32_t>(0xCCCCCCCDu));
  const __m256i even = _mm256_srli_epi64(_mm256_mul_epu32(x, magic), 35);
  const __m256i odd = _mm256_srli_epi64(_mm256_mul_epu32(_mm256_srli_epi64(x, 32), magic), 35);
  return _mm256_or_si256(even, _mm256_slli_epi64(odd, 32));
}

// x / 10^4 for unsigned 32-bit lanes.
inline __m256i div10000(__m256i x) {
  const __m256i magic = all(static_cast<int32_t>(0xD1B71759u));
  const __m256i even = _mm256_srli_epi64(_mm256_mul_epu32(x, magic), 45);
  const __m256i odd = _mm256_srli_epi64(_mm256_mul_epu32(_mm256_srli_epi64(x, 32), magic), 45);
  return _mm256_or_si256(even, _mm256_slli_epi64(odd, 32));
}

// The four digits of each lane x < 10^4, one per byte, the first in the lowest.
inline __m256i spell4(__m256i x) {
  const __m256i hundreds = _mm256_srli_epi32(_mm256_mullo_epi32(x, all(5243)), 19);  // x / 100
  const __m256i pairs = _mm256_or_si256(
      hundreds, _mm256_slli_epi32(_mm256_sub_epi32(x, _mm256_mullo_epi32(hundreds, all(100))), 16));
  const __m256i tens = _mm256_srli_epi16(_mm256_mullo_epi16(pairs, _mm256_set1_epi16(103)), 10);
  const __m256i units = _mm256_sub_epi16(pairs, _mm256_mullo_epi16(tens, _mm256_set1_epi16(10)));
  return _mm256_or_si256(tens, _mm256_slli_epi16(units, 8));
}

// eight_digits(d % 10^8) of float_format.cpp for eight lanes, stored as eight uint64.
inline void store_low_digits(__m256i d, uint64_t* out) {
  const __m256i above = div10000(d);
  const __m256i low4 = _mm256_sub_epi32(d, _mm256_mullo_epi32(above, all(10000)));
  const __m256i high4 = _mm256_sub_epi32(above, _mm256_mullo_epi32(div10000(above), all(10000)));
  const __m256i h = spell4(high4);
  const __m256i l = spell4(low4);
  const __m256i a = _mm256_unpacklo_epi32(h, l);  // values 0, 1 | 4, 5
  const __m256i b = _mm256_unpackhi_epi32(h, l);  // values 2, 3 | 6, 7
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_permute2x128_si256(a, b, 0x20));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 4), _mm256_permute2x128_si256(a, b, 0x31));
}

}  // namespace

size_t shortest_decimals(const float* v, size_t n, uint32_t* digits, int32_t* exponents,
                         uint64_t* low_digits) {
  using float_format_detail::kMinPow10;
  using float_format_detail::kPow10Scaled;
  const auto* table = reinterpret_cast<const long long*>(kPow10Scaled);
  const __m256i one = all(1);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(v + i));
    const __m256i fraction = _mm256_and_si256(bits, all(0x7fffff));
    const __m256i biased = _mm256_and_si256(_mm256_srli_epi32(bits, 23), all(0xff));
    const __m256i normal = _mm256_cmpgt_epi32(biased, _mm256_setzero_si256());
    const __m256i c = _mm256_or_si256(fraction, _mm256_and_si256(normal, all(0x800000)));
    const __m256i q = _mm256_blendv_epi8(all(-149), _mm256_sub_epi32(biased, all(150)), normal);
    const __m256i closer = _mm256_and_si256(_mm256_cmpeq_epi32(fraction, _mm256_setzero_si256()),
                                            _mm256_cmpgt_epi32(biased, one));
    // k = floor_log10_pow2(q, closer), h = q + floor_log2_pow10(-k) + 1
    const __m256i k = _mm256_srai_epi32(_mm256_sub_epi32(_mm256_mullo_epi32(q, all(1262611)),
                                                         _mm256_and_si256(closer, all(524031))),
                                        22);
    const __m256i minus_k = _mm256_sub_epi32(_mm256_setzero_si256(), k);
    const __m256i h = _mm256_add_epi32(
        _mm256_add_epi32(q, _mm256_srai_epi32(_mm256_mullo_epi32(minus_k, all(1741647)), 19)), one);
    const __m256i index = _mm256_sub_epi32(minus_k, all(kMinPow10));
    const __m256i g_low = _mm256_i32gather_epi64(table, _mm256_castsi256_si128(index), 8);
    const __m256i g_high = _mm256_i32gather_epi64(table, _mm256_extracti128_si256(index, 1), 8);

    const __m256i cb = _mm256_slli_epi32(c, 2);
    const __m256i cbl =
        _mm256_add_epi32(_mm256_sub_epi32(cb, all(2)), _mm256_and_si256(closer, one));
    const __m256i cbr = _mm256_add_epi32(cb, all(2));
    const __m256i vbl = round_to_odd8(g_low, g_high, _mm256_sllv_epi32(cbl, h));
    const __m256i vb = round_to_odd8(g_low, g_high, _mm256_sllv_epi32(cb, h));
    const __m256i vbr = round_to_odd8(g_low, g_high, _mm256_sllv_epi32(cbr, h));

    const __m256i odd_c =
        _mm256_and_si256(c, one);  // the bounds are in the interval when c is even
    const __m256i lower = _mm256_add_epi32(vbl, odd_c);
    const __m256i upper = _mm256_sub_epi32(vbr, odd_c);
    const __m256i s = _mm256_srli_epi32(vb, 2);
    const __m256i sp = div10(s);
    const __m256i sp40 = _mm256_mullo_epi32(sp, all(40));
    const __m256i up_inside = less_equal(lower, sp40);
    const __m256i wp_inside = less_equal(_mm256_add_epi32(sp40, all(40)), upper);
    const __m256i shorter =
        _mm256_and_si256(_mm256_cmpgt_epi32(s, all(9)), _mm256_xor_si256(up_inside, wp_inside));
    const __m256i s4 = _mm256_slli_epi32(s, 2);
    const __m256i u_inside = less_equal(lower, s4);
    const __m256i w_inside = less_equal(_mm256_add_epi32(s4, all(4)), upper);
    const __m256i mid = _mm256_add_epi32(s4, all(2));
    const __m256i above_mid = _mm256_xor_si256(less_equal(vb, mid), all(-1));
    const __m256i at_mid = _mm256_cmpeq_epi32(vb, mid);
    const __m256i s_odd = _mm256_cmpeq_epi32(_mm256_and_si256(s, one), one);
    const __m256i round_up = _mm256_or_si256(above_mid, _mm256_and_si256(at_mid, s_odd));
    const __m256i up = _mm256_blendv_epi8(round_up, w_inside, _mm256_xor_si256(u_inside, w_inside));
    const __m256i longer = _mm256_sub_epi32(s, up);             // masks are -1: s + 1
    const __m256i shortened = _mm256_sub_epi32(sp, wp_inside);  // sp + 1 when wp is inside
    const __m256i d = _mm256_blendv_epi8(longer, shortened, shorter);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(digits + i), d);
    store_low_digits(d, low_digits + i);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(exponents + i), _mm256_sub_epi32(k, shorter));
  }
  return i;
}

}  // namespace w2v::avx2

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#else

namespace w2v::avx2 {
size_t shortest_decimals(const float*, size_t, uint32_t*, int32_t*, uint64_t*) { return 0; }
}  // namespace w2v::avx2

#endif
