// Writing a float in its shortest decimal, fast: the digits of Giulietti's Schubfach method
// (R. Giulietti, "The Schubfach way to render doubles", 2020), placed as std::to_chars places
// them, so the text is the same as std::to_chars(first, last, value) writes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace w2v {

// Writes v as std::to_chars(out, out + 16, v) does: the shortest decimal that reads back to
// v, closest to v among those, in fixed or scientific notation, whichever is shorter (fixed
// on a tie). Returns the end of the text (at most 15 characters); `out` needs room for 32
// characters, as it is written 16 bytes at a time.
char* write_shortest(char* out, float v);

// The same in two steps, for many values: the digits and decimal exponent of each shortest
// decimal (digits * 10^exponent, maybe with trailing zeros) and the values of the last
// eight of those digits, one per byte, the first in the lowest byte (digits % 10^8 spelled
// out), eight values at a time where the CPU has AVX2 (most of write_shortest's work); then
// the text of each. What it finds for zero, infinities and NaN is meaningless;
// write_decimal does not use it.
void shortest_decimals(const float* v, size_t n, uint32_t* digits, int32_t* exponents,
                       uint64_t* low_digits);
char* write_decimal(char* out, float v, uint32_t digits, int32_t exponent, uint64_t low_digits);

namespace float_format_detail {
// 10^e scaled to 64 bits for e in [kMinPow10, kMaxPow10] (see float_format.cpp).
constexpr int kMinPow10 = -31;
constexpr int kMaxPow10 = 45;
extern const uint64_t kPow10Scaled[kMaxPow10 - kMinPow10 + 1];
}  // namespace float_format_detail

namespace avx2 {
// shortest_decimals for the first n - n % 8 values; returns how many it did.
size_t shortest_decimals(const float* v, size_t n, uint32_t* digits, int32_t* exponents,
                         uint64_t* low_digits);
}  // namespace avx2

}  // namespace w2v
