// IEEE half precision (binary16) for the changes distributed training sends between workers:
// half the bytes of float32 on the wire. Every worker decodes the same bits to the same
// floats, on any CPU, so the workers still merge to identical weights.
#pragma once

#include <cstddef>
#include <cstdint>

namespace w2v {

// The half nearest to each value (ties to even), saturated to +-65504, the largest finite
// half: a change that large has already wrecked the model, and an infinity would turn every
// worker's weights into NaN. NaN stays NaN (quiet, with the top of its payload).
void to_half(const float* values, size_t n, uint16_t* out);

// out[i] = the value of halves[i] (exact: every half is a float).
void from_half(const uint16_t* halves, size_t n, float* out);

// out[i] += the value of halves[i].
void add_half(const uint16_t* halves, size_t n, float* out);

// One value each way, for the ends of the arrays and CPUs without F16C.
uint16_t half_bits(float value);
float half_value(uint16_t bits);

namespace f16c {
// The same for the first n - n % 8 values, with F16C (which rounds and decodes exactly as
// the scalar code does); returns how many it did.
size_t to_half(const float* values, size_t n, uint16_t* out);
size_t from_half(const uint16_t* halves, size_t n, float* out);
size_t add_half(const uint16_t* halves, size_t n, float* out);
}  // namespace f16c

}  // namespace w2v
