#include "vocab_counter.h"

#include <algorithm>
#include <exception>
#include <thread>

namespace w2v {

void VocabCounter::prune() {
  WordIndex kept;
  std::vector<int64_t> kept_counts;
  for (size_t id = 0; id < counts_.size(); ++id) {
    const std::string_view w = index_.word(static_cast<int32_t>(id));
    if (keep_ ? keep_(w, counts_[id], min_reduce_) : counts_[id] >= min_reduce_) {
      kept.insert(w);
      kept_counts.push_back(counts_[id]);
    }
  }
  index_ = std::move(kept);
  counts_ = std::move(kept_counts);
  ++min_reduce_;
}

void VocabCounter::merge(const VocabCounter& other) {
  constexpr size_t kAhead = 16;  // slots are prefetched this many words ahead
  const size_t n = other.counts_.size();
  for (size_t id = 0; id < std::min(n, kAhead); ++id) index_.prefetch(other.index_.hash(id));
  for (size_t id = 0; id < n; ++id) {
    if (id + kAhead < n) index_.prefetch(other.index_.hash(id + kAhead));
    const int32_t mine = index_.insert(other.word(id), other.index_.hash(id));
    if (static_cast<size_t>(mine) == counts_.size()) counts_.push_back(0);
    counts_[mine] += other.counts_[id];
  }
  total_words_ += other.total_words_;
  sentences_ += other.sentences_;
  if (other.min_reduce_ > min_reduce_) min_reduce_ = other.min_reduce_;
  if (max_vocab_size_ > 0 && static_cast<int64_t>(counts_.size()) > max_vocab_size_) prune();
}

VocabCounter VocabCounter::count_files(const std::vector<FileSource>& files, SplitMode mode,
                                       uint32_t max_sentence_length, int workers,
                                       int64_t max_vocab_size, std::atomic<uint64_t>* bytes_read,
                                       const KeepRule& keep) {
  const auto parts = partition_files(files, workers, mode);
  std::vector<VocabCounter> counters(parts.size(), VocabCounter(max_vocab_size, keep));
  std::vector<std::exception_ptr> errors(parts.size());
  std::vector<std::thread> threads;
  for (size_t t = 0; t < parts.size(); ++t) {
    threads.emplace_back([&, t] {
      try {
        SpanReader reader;
        for (const auto& span : parts[t]) {
          Tokenizer tok(mode, max_sentence_length);
          reader.read(span, tok, counters[t], nullptr, bytes_read);
        }
      } catch (...) {
        errors[t] = std::current_exception();
      }
    });
  }
  for (auto& th : threads) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  // Merging in file order keeps first-seen order equal to a sequential scan's.
  VocabCounter result = std::move(counters[0]);
  for (size_t t = 1; t < counters.size(); ++t) result.merge(counters[t]);
  return result;
}

}  // namespace w2v
