// Checks, without Python, that every one of the 2^32 float bit patterns is written as text
// that reads back to the same float when read as numpy, gensim and w2v read it (as a double,
// then rounded to float): the claim behind w2v::write_float.
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

#include "word2vec_text.h"

namespace {

void check_range(uint64_t begin, uint64_t end, std::atomic<uint64_t>* wrong) {
  char text[32];
  for (uint64_t u = begin; u < end; ++u) {
    const auto bits = static_cast<uint32_t>(u);
    float v;
    std::memcpy(&v, &bits, sizeof v);
    char* stop = w2v::write_float(text, v);
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

}  // namespace

int main(int argc, char** argv) {
  const unsigned threads = std::max(1u, argc > 1 ? static_cast<unsigned>(std::atoi(argv[1]))
                                                 : std::thread::hardware_concurrency());
  std::atomic<uint64_t> wrong{0};
  std::vector<std::thread> pool;
  const uint64_t total = uint64_t(1) << 32;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back(check_range, total * t / threads, total * (t + 1) / threads, &wrong);
  }
  for (auto& th : pool) th.join();
  std::printf("all 2^32 floats: %llu read back wrong\n",
              static_cast<unsigned long long>(wrong.load()));
  return wrong.load() ? 1 : 0;
}
