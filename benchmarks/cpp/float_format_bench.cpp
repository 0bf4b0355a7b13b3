// Times w2v::write_shortest against std::to_chars on standard normal float32 values (as in
// word2vec vectors), one at a time and by rows, in thread CPU time (a shared machine's other jobs
// do not count): best of the rounds, nanoseconds per value. Both must write the same text.
//   float_format_bench [values] [rounds]
#include <time.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <vector>

#include "float_format.h"

namespace {

double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <class Write>
double best_of(int rounds, const std::vector<float>& values, std::vector<char>* out, size_t* size,
               Write write) {
  double best = 1e30;
  for (int r = 0; r < rounds; ++r) {
    const double start = cpu_seconds();
    char* p = out->data();
    for (float v : values) {
      p = write(p, v);
      *p++ = ' ';
    }
    best = std::min(best, cpu_seconds() - start);
    *size = static_cast<size_t>(p - out->data());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 6000000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 7;
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  std::vector<float> values(n);
  for (float& v : values) v = normal(rng);
  std::vector<char> theirs(n * 17 + 32), ours(n * 17 + 32);
  size_t theirs_size = 0, ours_size = 0;
  const double to_chars = best_of(rounds, values, &theirs, &theirs_size,
                                  [](char* p, float v) { return std::to_chars(p, p + 16, v).ptr; });
  const double shortest = best_of(rounds, values, &ours, &ours_size, w2v::write_shortest);
  // As word2vec text rows are written: the digits of a row of 300 first, then the text.
  std::vector<char> batched(n * 17 + 32);
  size_t batched_size = 0;
  double rows = 1e30;
  std::vector<uint32_t> digits(300);
  std::vector<int32_t> exponents(300);
  std::vector<uint64_t> low_digits(300);
  for (int r = 0; r < rounds; ++r) {
    const double start = cpu_seconds();
    char* p = batched.data();
    for (size_t i = 0; i < n; i += 300) {
      const size_t m = std::min<size_t>(300, n - i);
      w2v::shortest_decimals(&values[i], m, digits.data(), exponents.data(), low_digits.data());
      for (size_t j = 0; j < m; ++j) {
        p = w2v::write_decimal(p, values[i + j], digits[j], exponents[j], low_digits[j]);
        *p++ = ' ';
      }
    }
    rows = std::min(rows, cpu_seconds() - start);
    batched_size = static_cast<size_t>(p - batched.data());
  }
  const bool same =
      theirs_size == ours_size && std::memcmp(theirs.data(), ours.data(), ours_size) == 0 &&
      theirs_size == batched_size && std::memcmp(theirs.data(), batched.data(), ours_size) == 0;
  std::printf(
      "std::to_chars %.1f ns/value, w2v::write_shortest %.1f ns/value (%.2fx), "
      "w2v::shortest_decimals + write_decimal by rows of 300 %.1f ns/value (%.2fx), %s text\n",
      to_chars / n * 1e9, shortest / n * 1e9, to_chars / shortest, rows / n * 1e9, to_chars / rows,
      same ? "same" : "DIFFERENT");
  return same ? 0 : 1;
}
