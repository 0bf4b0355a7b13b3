// Counting words and phrase candidates for phrase detection (gensim's Phrases._learn_vocab).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "phrase_rules.h"
#include "phrase_scoring.h"
#include "phrase_tally.h"
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
  // Takes over keys counted elsewhere: `index` holds them in first-seen order, `counts`
  // their counts.
  void adopt(WordIndex index, std::vector<int64_t> counts, int64_t total_words, int64_t sentences) {
    index_ = std::move(index);
    counts_ = std::move(counts);
    total_words_ = total_words;
    sentences_ = sentences;
  }

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
// Files and text pieces are counted by ids (PhraseTally), files in lines mode by `workers`
// threads, one byte range each (the vocabulary scan's partitioning), text pieces in lines
// mode (a compressed file, read by Python) by `workers` threads that take the pieces from a
// queue as they come. The tallies are merged in corpus order. That equals one sequential
// pass only when the sequential pass would never prune, i.e. when the merged table holds at
// most max_vocab_size keys, and only when no token holds the delimiter (see PhraseTally).
// Otherwise files are counted again by text: in parallel and merged in file order when only
// the delimiter was the reason, and in one sequential pass, pruning as gensim does, when
// pruning is due. Text pieces cannot be read again here: needs_second_pass() tells the
// caller to feed them again to a scan with set_parallel_text(false), which counts them by
// text in one pass as they come. Stream-mode input (Text8Corpus) is always counted in one
// pass, because its sentences are cut by position in the whole stream.
class PhraseScan {
 public:
  PhraseScan(std::shared_ptr<const PhraseRules> rules, int64_t max_vocab_size,
             uint32_t max_sentence_length, int workers);
  ~PhraseScan();
  PhraseScan(const PhraseScan&) = delete;
  PhraseScan& operator=(const PhraseScan&) = delete;

  void feed_files(const std::vector<FileSource>& files, SplitMode mode);
  // False once the counting threads have stopped (the caller may stop reading).
  bool feed_text(const char* data, size_t n, SplitMode mode);
  PhraseCounter& sentence_sink() { return counter_; }
  void end_input();
  bool wait_for(double seconds);
  void finish();
  void request_stop();
  bool files_running() const { return driver_.joinable(); }
  // Text pieces counted as they come, by text in one thread (off: the second pass).
  void set_parallel_text(bool on) { parallel_text_ = on; }
  bool parallel_text() const { return parallel_text_; }

  PhraseCounter& counter() { return counter_; }
  const PhraseCounter& counter() const { return counter_; }
  uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }
  // Whether the files were counted a second time, in one pass, because pruning was due.
  bool sequential_recount() const { return recounted_.load(); }
  // Whether the text pieces fed must be fed again, to a scan counting them in one pass.
  bool needs_second_pass() const { return second_pass_.load(); }

 private:
  enum class Outcome { kDone, kOverLimit, kUnsafe };
  // Runs body(0) ... body(n - 1) on n threads; the first error halts the others and is
  // rethrown once all have ended.
  void on_threads(size_t n, const std::function<void(size_t)>& body);
  void start_driver(std::function<void()> work);
  void count_files(std::vector<FileSource> files, SplitMode mode);
  Outcome count_by_ids(const std::vector<FileSource>& files, SplitMode mode, int parts);
  bool count_parallel(const std::vector<FileSource>& files, SplitMode mode);
  void count_text();
  void count_blocks(PhraseTally* tally);
  // Merges finished tallies into counter_, unless they or the merge cannot stand.
  Outcome settle(std::vector<std::unique_ptr<PhraseTally>>* tallies);
  void halt();

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
  std::atomic<bool> second_pass_{false};
  std::thread driver_;
  std::exception_ptr error_;
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool running_ = false;  // guarded by mutex_

  // Text pieces waiting for the counting threads, in corpus order.
  struct Block {
    uint64_t seq;
    std::string text;
  };
  bool parallel_text_ = true;
  bool text_started_ = false;
  uint64_t next_seq_ = 0;
  std::mutex queue_mutex_;
  std::condition_variable data_cv_;
  std::condition_variable space_cv_;
  std::deque<Block> blocks_;  // guarded by queue_mutex_
  bool closed_ = false;       // guarded by queue_mutex_
};

}  // namespace w2v
