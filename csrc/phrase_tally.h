// Counting words and phrase candidates by word ids: the fast path of the phrase scan.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "huge_pages.h"
#include "phrase_rules.h"
#include "word_index.h"

namespace w2v {

class PhraseCounter;

// The counts of gensim's Phrases.vocab for part of a corpus, kept by word ids rather than by
// text. Each word is interned once in a word table small enough to stay mostly in cache, and
// a candidate of two words is one 64-bit key (their ids) in an open-addressing table whose
// slot is prefetched: a token costs one probe that may miss the cache, not the two text
// probes, key copies and arena reads of PhraseCounter. Candidates with connector words in
// between keep text keys (they are few). Text keys are only spelled out by export_to().
//
// Two things it does not do, and tells through *stop (so the reading threads stop) and its
// flags; the scan then counts by text (PhraseCounter), exactly as gensim:
// - it never prunes: over_limit() once it holds more than max_vocab_size keys after a
//   sentence (gensim would prune there or later);
// - unsafe() once a token holds the delimiter's first byte: a word such as "new_york" and
//   the candidate "new" "york" may then share one text key, which ids would count apart.
//   Without such tokens, a text key splits into its words one way only, so ids and text
//   keys correspond one to one.
//
// First-seen order: a key is logged when first counted, and each stretch of input is marked
// with its place in the corpus (mark(), increasing within a tally); export_to() walks the
// logs of several tallies stretch by stretch in corpus order, which yields the keys in the
// order of one sequential pass.
class PhraseTally {
 public:
  PhraseTally(std::shared_ptr<const PhraseRules> rules, int64_t max_vocab_size,
              std::atomic<bool>* stop);
  PhraseTally(const PhraseTally&) = delete;
  PhraseTally& operator=(const PhraseTally&) = delete;

  // The input that follows comes at place `seq` of the corpus.
  void mark(uint64_t seq);

  // Tokenizer sink. Tokens are batched until the sentence or block ends.
  void token(std::string_view w) {
    if (queued_ == kBatch) flush();
    const uint64_t h = hash_bytes(w);
    words_.prefetch(h);
    batch_[queued_] = w;
    hashes_[queued_++] = h;
  }
  void end_sentence();
  void end_block() { flush(); }
  // Forgets the open sentence (after an error part-way through it).
  void drop_pending();

  bool over_limit() const { return over_limit_; }
  bool unsafe() const { return unsafe_; }
  size_t size() const { return log_.size(); }
  int64_t total_words() const { return total_words_; }
  int64_t sentences() const { return sentences_; }

  // Ends the counting: looks up the count of every logged pair once, so the pair table can
  // go (export_to() then reads counts in log order). The counting thread calls it, so the
  // tallies of a scan seal in parallel.
  void seal();

  // Gives `out` (empty) the keys and counts of `parts` (together: the whole corpus), in
  // first-seen order. The keys are made distinct by their word ids across parts, then
  // spelled out once each and indexed in one sequential build (WordIndex::from_distinct).
  // Frees each part once its last stretch is read.
  static void export_to(std::vector<std::unique_ptr<PhraseTally>>* parts, PhraseCounter* out);

 private:
  static constexpr int kBatch = 16;
  static constexpr uint32_t kEmpty = 0xffffffffu;
  // Log entries: a pair key (first id < 2^31), or a word or long key under a tag.
  static constexpr uint64_t kWordTag = uint64_t{0xffffffffu} << 32;
  static constexpr uint64_t kLongTag = uint64_t{0xfffffffeu} << 32;

  // 12 bytes: five slots share a cache line, so the table stays small (it is the one that
  // misses the cache). A count that would overflow makes the tally unsafe.
  struct PairSlot {
    uint32_t a;  // kEmpty = free
    uint32_t b;
    uint32_t count;
  };
  static uint64_t pair_hash(uint64_t key) { return detail::mix(key * 0x9e3779b97f4a7c15ULL); }

  void flush();
  int32_t add_word(std::string_view w, uint64_t h);
  void count_pair(uint64_t key, uint64_t h);
  void count_long(std::string_view key);
  void grow_pairs();
  void fail(bool* flag) {
    *flag = true;
    stop_->store(true, std::memory_order_relaxed);
  }
  int64_t pair_count(uint64_t key) const;

  std::shared_ptr<const PhraseRules> rules_;
  int64_t max_vocab_size_;
  std::atomic<bool>* stop_;
  char delim_first_;
  bool has_connectors_;
  bool over_limit_ = false;
  bool unsafe_ = false;

  WordIndex words_;
  std::vector<int64_t> word_counts_;  // 0: not a key (yet)
  std::vector<uint8_t> connector_;
  HugeVector<PairSlot> pairs_;
  uint64_t pair_mask_ = 0;
  size_t pair_size_ = 0;
  WordIndex longs_;  // candidates with connector words inside, by text
  std::vector<int64_t> long_counts_;
  std::vector<uint64_t> log_;         // keys in first-seen order
  std::vector<uint32_t> log_counts_;  // after seal(): the count of each pair in log_
  struct Mark {
    uint64_t seq;
    size_t begin;  // in log_
  };
  std::vector<Mark> marks_;
  int64_t total_words_ = 0;
  int64_t sentences_ = 0;

  // The open sentence: the last word that may start a phrase, and the connectors since.
  int32_t start_ = -1;
  std::vector<int32_t> between_;
  std::string long_key_;

  int queued_ = 0;
  std::string_view batch_[kBatch];
  uint64_t hashes_[kBatch];
};

}  // namespace w2v
