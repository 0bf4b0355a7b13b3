// Counting words and phrase candidates for phrase detection (gensim's Phrases._learn_vocab).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "phrase_rules.h"
#include "phrase_scoring.h"
#include "text_reader.h"
#include "word_index.h"

namespace w2v {

// One table of counts keyed by text, as gensim's Phrases.vocab: every word that is not a
// connector, and every candidate phrase joined by the delimiter ("new_york",
// "bank_of_america": two words with only connector words between them). A word that already
// holds the delimiter shares its key with the phrase spelled the same, as in gensim.
//
// A Tokenizer sink. After each sentence that leaves more than `max_vocab_size` keys, keys
// counted fewer than min_reduce times are dropped and min_reduce grows by one (gensim's
// pruning). With a `limit` flag instead, the counter never prunes: it raises the flag and
// stops counting once it holds more than max_vocab_size keys (see PhraseScan).
class alignas(64) PhraseCounter {
 public:
  PhraseCounter(std::shared_ptr<const PhraseRules> rules, int64_t max_vocab_size,
                std::atomic<bool>* limit = nullptr)
      : rules_(std::move(rules)), max_vocab_size_(max_vocab_size), limit_(limit) {}

  void token(std::string_view w);
  void end_sentence();
  void end_block() {}
  // Forgets the open sentence (after an error part-way through it).
  void drop_pending();

  // Adds `other`'s counts; keys new here go after the existing ones. No pruning.
  void merge(const PhraseCounter& other);
  // Adds `n` to the count of `key` (a saved model coming back).
  void add(std::string_view key, int64_t n);
  void set_totals(int64_t total_words, int64_t sentences) {
    total_words_ = total_words;
    sentences_ = sentences;
  }
  // Drops the keys counted fewer than `min_reduce` times, keeping the order of the rest.
  void prune(int64_t min_reduce);

  size_t size() const { return counts_.size(); }
  std::string_view key(size_t id) const { return index_.word(static_cast<int32_t>(id)); }
  int64_t count(std::string_view key) const {
    const int32_t id = index_.find(key);
    return id < 0 ? 0 : counts_[id];
  }
  const std::vector<int64_t>& counts() const { return counts_; }
  int64_t total_words() const { return total_words_; }
  int64_t sentences() const { return sentences_; }
  int64_t min_reduce() const { return min_reduce_; }
  const PhraseRules& rules() const { return *rules_; }
  bool over_limit() const { return static_cast<int64_t>(counts_.size()) > max_vocab_size_; }

  // The phrases among the keys (keys the delimiter splits) whose score beats the threshold,
  // as gensim's export_phrases: each scored by the counts of its first and last piece.
  void export_phrases(const ScoringParams& p, std::vector<int32_t>* ids,
                      std::vector<double>* scores) const;
  // The same keys with the three counts a user's scoring function takes, for every key whose
  // counts are all positive (gensim scores only those).
  void phrase_candidates(std::vector<int32_t>* ids, std::vector<int64_t>* a,
                         std::vector<int64_t>* b, std::vector<int64_t>* ab) const;

 private:
  // Queues a key for counting: keys are copied into pending_ (tokens die at a block's end)
  // and counted 16 at a time, their slots prefetched (most phrase keys miss the cache).
  void queue(std::string_view piece1, std::string_view piece2 = {}, std::string_view piece3 = {},
             std::string_view piece4 = {});
  void flush();

  std::shared_ptr<const PhraseRules> rules_;
  int64_t max_vocab_size_;
  std::atomic<bool>* limit_;
  WordIndex index_;
  std::vector<int64_t> counts_;
  int64_t total_words_ = 0;
  int64_t sentences_ = 0;
  int64_t min_reduce_ = 1;
  // The open sentence: the last word that may start a phrase, and the connector words
  // since, each preceded by the delimiter.
  std::string start_;
  bool has_start_ = false;
  std::string between_;
  std::string pending_;
  struct Pending {
    size_t offset;
    size_t size;
    uint64_t hash;
  };
  std::vector<Pending> queued_;
  char pad_[64];  // counters of different threads sit side by side
};

// The counting of a whole corpus for Phrases, fed as the vocabulary scan is: plain files
// (read in the background), text pieces, or sentences through sentence_sink(); then
// end_input(), wait_for() until done, finish().
//
// Files in lines mode are counted by `workers` threads, one byte range each (the vocabulary
// scan's partitioning), and merged in file order. That equals one sequential pass only when
// the sequential pass would never prune, i.e. when the merged table holds at most
// max_vocab_size keys. As soon as a thread's table or the merged one outgrows that, the
// parallel counts are thrown away and the files are counted again in one sequential pass,
// pruning as gensim does. Stream-mode files (Text8Corpus) are always counted in one pass,
// because their sentences are cut by position in the whole stream.
class PhraseScan {
 public:
  PhraseScan(std::shared_ptr<const PhraseRules> rules, int64_t max_vocab_size,
             uint32_t max_sentence_length, int workers);
  ~PhraseScan();
  PhraseScan(const PhraseScan&) = delete;
  PhraseScan& operator=(const PhraseScan&) = delete;

  void feed_files(const std::vector<FileSource>& files, SplitMode mode);
  void feed_text(const char* data, size_t n, SplitMode mode);
  PhraseCounter& sentence_sink() { return counter_; }
  void end_input();
  bool wait_for(double seconds);
  void finish();
  void request_stop() {
    cancelled_.store(true);
    stop_.store(true);
  }
  bool files_running() const { return driver_.joinable(); }

  PhraseCounter& counter() { return counter_; }
  const PhraseCounter& counter() const { return counter_; }
  uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }
  // Whether the files were counted a second time, in one pass, because pruning was due.
  bool sequential_recount() const { return recounted_.load(); }

 private:
  void count_files(std::vector<FileSource> files, SplitMode mode);
  bool count_parallel(const std::vector<FileSource>& files, SplitMode mode);

  std::shared_ptr<const PhraseRules> rules_;
  int64_t max_vocab_size_;
  uint32_t max_len_;
  int workers_;
  PhraseCounter counter_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::atomic<uint64_t> bytes_read_{0};
  std::atomic<bool> stop_{false};       // readers stop: cancelled, or a table outgrew its room
  std::atomic<bool> cancelled_{false};  // request_stop() was called
  std::atomic<bool> recounted_{false};
  std::thread driver_;
  std::exception_ptr error_;
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool running_ = false;  // guarded by mutex_
};

}  // namespace w2v
