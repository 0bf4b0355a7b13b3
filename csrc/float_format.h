// Writing a float in its shortest decimal, fast: the digits of Giulietti's Schubfach method
// (R. Giulietti, "The Schubfach way to render doubles", 2020), placed as std::to_chars places
// them, so the text is the same as std::to_chars(first, last, value) writes.
#pragma once

namespace w2v {

// Writes v as std::to_chars(out, out + 16, v) does: the shortest decimal that reads back to
// v, closest to v among those, in fixed or scientific notation, whichever is shorter (fixed
// on a tie). Returns the end of the text (at most 15 characters); `out` needs room for 32
// characters, as it is written 16 bytes at a time.
char* write_shortest(char* out, float v);

}  // namespace w2v
