// Checks, without Python, that every one of the 2^32 float bit patterns is written as text
// that reads back to the same float when read as numpy, gensim and w2v read it (as a double,
// then rounded to float): the claim behind w2v::write_float. Also checks that
// w2v::write_shortest (the formatter behind it), and shortest_decimals + write_decimal (its
// batched form, AVX2 where the CPU has it; W2V_ISA=generic for the scalar one), write what
// std::to_chars writes.
//   float_text_check [threads]
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "float_format.h"
#include "word2vec_text.h"

namespace {

void check_range(uint64_t begin, uint64_t end, std::atomic<uint64_t>* wrong,
                 std::atomic<uint64_t>* differ) {
  constexpr size_t kBlock = 64;
  char text[32], ours[32], batched[32], theirs[32];
  float values[kBlock];
  uint32_t digits[kBlock];
  int32_t exponents[kBlock];
  uint64_t low_digits[kBlock];
  for (uint64_t first = begin; first < end; first += kBlock) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kBlock, end - first));
    for (size_t i = 0; i < n; ++i) {
      const auto bits = static_cast<uint32_t>(first + i);
      std::memcpy(&values[i], &bits, sizeof bits);
    }
    w2v::shortest_decimals(values, n, digits, exponents, low_digits);
    for (size_t i = 0; i < n; ++i) {
      const auto bits = static_cast<uint32_t>(first + i);
      const float v = values[i];
      char* stop = w2v::write_float(text, v);
      const char* ours_end = w2v::write_shortest(ours, v);
      const char* batched_end =
          w2v::write_decimal(batched, v, digits[i], exponents[i], low_digits[i]);
      const char* theirs_end = std::to_chars(theirs, theirs + sizeof theirs, v).ptr;
      const auto length = static_cast<size_t>(theirs_end - theirs);
      if (static_cast<size_t>(ours_end - ours) != length ||
          std::memcmp(ours, theirs, length) != 0 ||
          static_cast<size_t>(batched_end - batched) != length ||
          std::memcmp(batched, theirs, length) != 0) {
        if (differ->fetch_add(1) < 10) {
          std::printf("differs from std::to_chars: %08x %.*s %.*s %.*s\n", bits,
                      static_cast<int>(ours_end - ours), ours,
                      static_cast<int>(batched_end - batched), batched, static_cast<int>(length),
                      theirs);
        }
      }
      double d;
      std::from_chars(text, stop, d);
      const auto back = static_cast<float>(d);
      uint32_t back_bits;
      std::memcpy(&back_bits, &back, sizeof back_bits);
      if (back_bits != bits && !(std::isnan(v) && std::isnan(back))) {
        if (wrong->fetch_add(1) < 10) {
          std::printf("reads back wrong: %08x %.*s\n", bits, static_cast<int>(stop - text), text);
        }
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const unsigned threads = std::max(1u, argc > 1 ? static_cast<unsigned>(std::atoi(argv[1]))
                                                 : std::thread::hardware_concurrency());
  std::atomic<uint64_t> wrong{0}, differ{0};
  std::vector<std::thread> pool;
  const uint64_t total = uint64_t(1) << 32;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back(check_range, total * t / threads, total * (t + 1) / threads, &wrong, &differ);
  }
  for (auto& th : pool) th.join();
  std::printf("all 2^32 floats: %llu read back wrong, %llu written unlike std::to_chars\n",
              static_cast<unsigned long long>(wrong.load()),
              static_cast<unsigned long long>(differ.load()));
  return wrong.load() || differ.load() ? 1 : 0;
}
