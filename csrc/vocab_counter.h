// Counting word frequencies during the vocabulary scan.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "text_reader.h"
#include "word_index.h"

namespace w2v {

class PhraseTable;
class TableJudge;
template <class Judge, class Inner>
class PhraseSink;

// Word counts in first-seen order, with gensim's pruning: whenever more than
// `max_vocab_size` distinct words are held after a sentence, words seen fewer than
// `min_reduce` times are dropped and `min_reduce` grows by one.
class alignas(64) VocabCounter {
 public:
  // Decides whether a word survives pruning, given (word, count, min_reduce); the default
  // keeps count >= min_reduce. A user's trim rule plugs in here, as in gensim.
  using KeepRule = std::function<bool(std::string_view, int64_t, int64_t)>;

  explicit VocabCounter(int64_t max_vocab_size = 0, KeepRule keep = nullptr)
      : max_vocab_size_(max_vocab_size), keep_(std::move(keep)) {}

  // Tokenizer sink interface. Tokens are counted in prefetched batches; a batch holds views,
  // so it is flushed whenever they may die: at end_sentence() and end_block().
  void token(std::string_view w) {
    batch_.add(index_, w, [this](std::string_view v, uint64_t h) { count(v, h); });
  }
  void end_sentence() {
    flush();
    ++sentences_;
    if (max_vocab_size_ > 0 && static_cast<int64_t>(counts_.size()) > max_vocab_size_) prune();
  }
  void end_block() { flush(); }
  // Forgets batched tokens without counting them (their views are gone after an error).
  void drop_pending() { batch_.clear(); }

  // Adds `other`'s counts; words new to this counter go after the existing ones.
  void merge(const VocabCounter& other);
  // The same, taking over `other` outright when this counter has counted nothing yet (the
  // usual case: a merge would copy every word).
  void merge(VocabCounter&& other);
  bool empty() const { return counts_.empty() && total_words_ == 0 && sentences_ == 0; }

  // Counts plain files with `workers` threads, each reading its own byte range;
  // `bytes_read` (optional) follows the progress, and `stop` (optional) ends it early.
  static VocabCounter count_files(const std::vector<FileSource>& files, SplitMode mode,
                                  uint32_t max_sentence_length, int workers, int64_t max_vocab_size,
                                  std::atomic<uint64_t>* bytes_read = nullptr,
                                  const KeepRule& keep = nullptr,
                                  const std::atomic<bool>* stop = nullptr);

  size_t size() const { return counts_.size(); }
  std::string_view word(size_t id) const { return index_.word(static_cast<int32_t>(id)); }
  const std::vector<int64_t>& counts() const { return counts_; }
  int64_t total_words() const { return total_words_; }
  int64_t sentences() const { return sentences_; }
  int64_t min_reduce() const { return min_reduce_; }

 private:
  void prune();
  void count(std::string_view w, uint64_t h) {
    // Nearly every token is a word seen before: the inline find is the fast path.
    int32_t id = index_.find(w, h);
    if (id < 0) id = index_.insert(w, h);
    if (static_cast<size_t>(id) == counts_.size()) counts_.push_back(0);
    ++counts_[id];
    ++total_words_;
  }
  void flush() {
    batch_.flush([this](std::string_view v, uint64_t h) { count(v, h); });
  }

  PrefetchedBatch batch_;
  int64_t max_vocab_size_;
  KeepRule keep_;
  WordIndex index_;
  std::vector<int64_t> counts_;
  int64_t total_words_ = 0;
  int64_t sentences_ = 0;
  int64_t min_reduce_ = 1;
  char pad_[64];  // counters of different threads sit side by side: keep their lines apart
};

// Plain files counted in the background, one thread per byte range (see partition_files);
// join() waits for the threads and merges their counts in file order.
class FileCount {
 public:
  FileCount(const std::vector<FileSpan>& spans, SplitMode mode, uint32_t max_sentence_length,
            int workers, int64_t max_vocab_size, const VocabCounter::KeepRule& keep,
            std::atomic<uint64_t>* bytes_read = nullptr, const std::atomic<bool>* stop = nullptr,
            std::shared_ptr<const PhraseTable> phrases = nullptr);
  ~FileCount();  // waits for the threads; the counts are lost
  FileCount(const FileCount&) = delete;
  FileCount& operator=(const FileCount&) = delete;

  // Waits up to `seconds`; true once every thread has finished.
  bool wait_for(double seconds);
  // Waits for the threads, rethrows the first error, and returns the merged counts.
  VocabCounter join();

 private:
  std::vector<std::vector<FileSpan>> parts_;
  std::vector<VocabCounter> counters_;
  std::vector<std::exception_ptr> errors_;
  std::vector<std::thread> threads_;
  std::shared_ptr<const PhraseTable> phrases_;  // joined in each sentence first, if set
  std::mutex mutex_;
  std::condition_variable done_cv_;
  size_t running_ = 0;  // guarded by mutex_
};

// The vocabulary scan of a whole corpus, fed the way a training epoch is: plain files, read
// by `workers` threads in the background (wait_for() tells when they are done), or text
// pieces tokenised as they come, or token sentences given to sentence_sink(). end_input()
// ends the input, finish() waits for the files, merges their counts and rethrows their
// error; counter() holds the counts after that. Fed again, it counts on (a distributed
// worker counts its shards one after the other, each shard's totals told apart).
class VocabScan {
 public:
  VocabScan(int64_t max_vocab_size, uint32_t max_sentence_length, int workers,
            VocabCounter::KeepRule keep = nullptr)
      : max_vocab_size_(max_vocab_size),
        max_len_(max_sentence_length),
        workers_(workers),
        keep_(keep),
        counter_(max_vocab_size, std::move(keep)) {}
  ~VocabScan();
  VocabScan(const VocabScan&) = delete;
  VocabScan& operator=(const VocabScan&) = delete;

  void feed_files(const std::vector<FileSource>& files, SplitMode mode);
  // The same for byte ranges of files, each starting a sentence (a distributed shard).
  void feed_spans(const std::vector<FileSpan>& spans, SplitMode mode);
  // Every piece but the stream's last must end at ASCII whitespace (see Tokenizer).
  void feed_text(const char* data, size_t n, SplitMode mode);
  VocabCounter& sentence_sink();
  void end_input();
  bool wait_for(double seconds);
  void finish();
  void request_stop() { stop_.store(true); }
  bool files_running() const { return files_ != nullptr; }
  // Counts the words of phrased sentences: files and text are phrased by `phrases` first.
  void set_phrases(std::shared_ptr<const PhraseTable> phrases) { phrases_ = std::move(phrases); }

  const VocabCounter& counter() const { return counter_; }
  uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }

 private:
  void require_idle() const;

  int64_t max_vocab_size_;
  uint32_t max_len_;
  int workers_;
  VocabCounter::KeepRule keep_;
  VocabCounter counter_;
  std::unique_ptr<Tokenizer> tokenizer_;  // the text stream being fed, if any
  std::atomic<uint64_t> bytes_read_{0};
  std::atomic<bool> stop_{false};
  std::unique_ptr<FileCount> files_;  // the files being counted, until finish()
  std::shared_ptr<const PhraseTable> phrases_;
  std::unique_ptr<TableJudge> judge_;  // the text stream's phrasing, with phrases_
  std::unique_ptr<PhraseSink<TableJudge, VocabCounter>> phrased_;
};

}  // namespace w2v
