// Times the stages of the vocabulary scan on one file, without Python:
//   scan_bench FILE [workers] [repeats]
// Stages: read only, read + tokenise, read + tokenise + hash, the full count (one thread),
// and count_files with `workers` threads. Prints the median seconds of each.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "text_reader.h"
#include "vocab_counter.h"
#include "word_index.h"

namespace {

struct NullSink {
  uint64_t tokens = 0, sentences = 0;
  void token(std::string_view) { ++tokens; }
  void end_sentence() { ++sentences; }
  void end_block() {}
};

struct HashSink {
  uint64_t tokens = 0, acc = 0;
  void token(std::string_view w) {
    ++tokens;
    acc ^= w2v::hash_bytes(w);
  }
  void end_sentence() {}
  void end_block() {}
};

double median_seconds(int repeats, const std::function<void()>& run) {
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

template <class Sink>
void read_whole(const w2v::FileSpan& span, Sink& sink) {
  w2v::SpanReader reader;
  w2v::Tokenizer tok(w2v::SplitMode::kLines, 10000);
  reader.read(span, tok, sink, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE [workers] [repeats]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  const int workers = argc > 2 ? std::atoi(argv[2]) : 2;
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 5;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    std::perror(path.c_str());
    return 1;
  }
  std::fseek(f, 0, SEEK_END);
  const uint64_t size = static_cast<uint64_t>(std::ftell(f));
  std::fclose(f);
  const w2v::FileSpan whole{path, 0, size};

  const double t_read = median_seconds(repeats, [&] {
    std::FILE* g = w2v::open_for_reading(path, 0);
    std::vector<char> buf(1 << 22);
    while (std::fread(buf.data(), 1, buf.size(), g) > 0) {
    }
    std::fclose(g);
  });
  NullSink null_sink;
  const double t_tok = median_seconds(repeats, [&] { read_whole(whole, null_sink); });
  HashSink hash_sink;
  const double t_hash = median_seconds(repeats, [&] { read_whole(whole, hash_sink); });
  size_t words = 0;
  const double t_count1 = median_seconds(repeats, [&] {
    w2v::VocabCounter counter;
    read_whole(whole, counter);
    words = counter.size();
  });
  const double t_countn = median_seconds(repeats, [&] {
    auto c =
        w2v::VocabCounter::count_files({{path, size}}, w2v::SplitMode::kLines, 10000, workers, 0);
    words = c.size();
  });
  const double tokens = static_cast<double>(null_sink.tokens) / repeats;
  std::printf("%.0f tokens, %zu distinct, %.1f MB\n", tokens, words, size / 1e6);
  std::printf("read only            %.3f s\n", t_read);
  std::printf("read+tokenise        %.3f s  (%.1f ns/token)\n", t_tok, t_tok / tokens * 1e9);
  std::printf("read+tokenise+hash   %.3f s  (%.1f ns/token)\n", t_hash, t_hash / tokens * 1e9);
  std::printf("count, 1 thread      %.3f s  (%.1f ns/token)\n", t_count1, t_count1 / tokens * 1e9);
  std::printf("count_files, %d thr   %.3f s\n", workers, t_countn);
  return hash_sink.acc == 42 ? 3 : 0;  // keeps the hashing from being optimised away
}
