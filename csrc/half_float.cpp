#include "half_float.h"

#include <cstring>

namespace w2v {

uint16_t half_bits(float value) {
  uint32_t f;
  std::memcpy(&f, &value, sizeof f);
  const auto sign = static_cast<uint16_t>((f >> 16) & 0x8000u);
  const uint32_t a = f & 0x7fffffffu;
  if (a > 0x7f800000u) return sign | 0x7e00u | static_cast<uint16_t>((a >> 13) & 0x3ffu);
  if (a >= 0x477fe000u) return sign | 0x7bffu;  // 65504 or more, infinity included
  if (a >= 0x38800000u) {
    // A normal half: the exponent rebiased (127 -> 15), 13 mantissa bits rounded off. A
    // carry out of the mantissa correctly moves to the next binade.
    uint32_t h = (a - 0x38000000u) >> 13;
    const uint32_t rest = a & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;
    return sign | static_cast<uint16_t>(h);
  }
  if (a < 0x33000000u) return sign;  // below 2^-25: rounds to zero
  // A subnormal half counts units of 2^-24: round the 24-bit significand to them.
  const uint32_t exponent = a >> 23;  // 102 ... 112
  const uint32_t significand = (a & 0x7fffffu) | 0x800000u;
  const uint32_t shift = 126u - exponent;  // 14 ... 24
  uint32_t h = significand >> shift;
  const uint32_t rest = significand & ((1u << shift) - 1u);
  const uint32_t tie = 1u << (shift - 1u);
  if (rest > tie || (rest == tie && (h & 1u))) ++h;
  return sign | static_cast<uint16_t>(h);
}

float half_value(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1fu;
  const uint32_t mantissa = bits & 0x3ffu;
  uint32_t f;
  if (exponent == 0x1fu) {
    f = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {
    f = sign | ((exponent + 112u) << 23) | (mantissa << 13);
  } else {
    const float v = static_cast<float>(mantissa) * 5.9604644775390625e-8f;  // exact: m x 2^-24
    std::memcpy(&f, &v, sizeof f);
    f |= sign;
  }
  float out;
  std::memcpy(&out, &f, sizeof out);
  return out;
}

namespace {

bool has_f16c() {
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c");
#else
  return false;
#endif
}

const bool kF16c = has_f16c();

// Received halves may start at any byte of a message (Dask packs small arrays into it):
// each is read without assuming its alignment.
uint16_t half_at(const uint16_t* halves, size_t i) {
  uint16_t bits;
  std::memcpy(&bits, reinterpret_cast<const unsigned char*>(halves) + i * sizeof bits, sizeof bits);
  return bits;
}

}  // namespace

void to_half(const float* values, size_t n, uint16_t* out) {
  size_t i = kF16c ? f16c::to_half(values, n, out) : 0;
  for (; i < n; ++i) out[i] = half_bits(values[i]);
}

void from_half(const uint16_t* halves, size_t n, float* out) {
  size_t i = kF16c ? f16c::from_half(halves, n, out) : 0;
  for (; i < n; ++i) out[i] = half_value(half_at(halves, i));
}

void add_half(const uint16_t* halves, size_t n, float* out) {
  size_t i = kF16c ? f16c::add_half(halves, n, out) : 0;
  for (; i < n; ++i) out[i] += half_value(half_at(halves, i));
}

}  // namespace w2v
