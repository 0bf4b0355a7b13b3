// Joining detected phrases in a stream of tokens (gensim's analyze_sentence), as a Tokenizer
// sink that hands the phrased sentences on to another sink: a trainer's, the vocabulary
// scan's, a text writer's, or a collector of Python lists.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "phrase_counter.h"
#include "phrase_rules.h"
#include "phrase_scoring.h"
#include "word_index.h"

namespace w2v {

// The phrases of a FrozenPhrases model (gensim's phrasegrams): joined key -> score. A
// candidate is joined when its key is listed with a score above the threshold.
class PhraseTable {
 public:
  PhraseTable(std::shared_ptr<const PhraseRules> rules, double threshold)
      : rules_(std::move(rules)), threshold_(threshold) {}

  void add(std::string_view key, double score) {
    bool inserted;
    const int32_t id = index_.insert(key, &inserted);
    if (inserted)
      scores_.push_back(score);
    else
      scores_[id] = score;
    // Every way `key` can be cut at a delimiter gives a word that may start a candidate
    // with this key and one that may end it.
    const std::string& d = rules_->delimiter();
    for (size_t p = key.find(d); !d.empty() && p != std::string_view::npos;
         p = key.find(d, p + 1)) {
      mark(key.substr(0, p), kMayStart);
      mark(key.substr(p + d.size()), kMayEnd);
    }
  }
  static constexpr unsigned kMayStart = 1, kMayEnd = 2;
  // Which ends of a listed key the word `w` can be (a filter: a candidate whose first word
  // may not start a key, or whose last word may not end one, is no phrase).
  unsigned flags(std::string_view w, uint64_t hash) const {
    const int32_t id = pieces_.find(w, hash);
    return id < 0 ? 0u : piece_flags_[id];
  }
  void prefetch(uint64_t hash) const { pieces_.prefetch(hash); }
  // The score of the candidate `key`, or NaN when it is not a phrase.
  double judge(std::string_view key) const {
    const int32_t id = index_.find(key);
    if (id >= 0 && scores_[id] > threshold_) return scores_[id];
    return std::numeric_limits<double>::quiet_NaN();
  }

  const PhraseRules& rules() const { return *rules_; }
  size_t size() const { return scores_.size(); }
  std::string_view key(size_t id) const { return index_.word(static_cast<int32_t>(id)); }
  double score(size_t id) const { return scores_[id]; }
  double threshold() const { return threshold_; }

 private:
  void mark(std::string_view piece, unsigned flag) {
    const int32_t id = pieces_.insert(piece);
    if (static_cast<size_t>(id) == piece_flags_.size()) piece_flags_.push_back(0);
    piece_flags_[id] |= static_cast<uint8_t>(flag);
  }

  std::shared_ptr<const PhraseRules> rules_;
  double threshold_;
  WordIndex index_;
  std::vector<double> scores_;
  WordIndex pieces_;
  std::vector<uint8_t> piece_flags_;
};

// Judges candidates by the counts of a (not frozen) Phrases model, as its score_candidate:
// both words and the joined key must have been counted, and the score beat the threshold.
class CountJudge {
 public:
  CountJudge(const PhraseCounter& counts, const ScoringParams& params)
      : counts_(counts), params_(params) {}
  const PhraseRules& rules() const { return counts_.rules(); }
  unsigned flags(std::string_view, uint64_t) const {
    return PhraseTable::kMayStart | PhraseTable::kMayEnd;
  }
  void prefetch(uint64_t) const {}
  double judge(std::string_view a, std::string_view b, std::string_view key) const {
    const double none = std::numeric_limits<double>::quiet_NaN();
    const int64_t ca = counts_.count(a);
    if (ca <= 0) return none;
    const int64_t cb = counts_.count(b);
    if (cb <= 0) return none;
    const int64_t cab = counts_.count(key);
    if (cab <= 0) return none;
    const double score = phrase_score(params_, ca, cb, cab);
    return score > params_.threshold ? score : none;
  }

 private:
  const PhraseCounter& counts_;
  ScoringParams params_;
};

// Adapts PhraseTable to the judge interface.
class TableJudge {
 public:
  explicit TableJudge(const PhraseTable& table) : table_(table) {}
  const PhraseRules& rules() const { return table_.rules(); }
  unsigned flags(std::string_view w, uint64_t hash) const { return table_.flags(w, hash); }
  void prefetch(uint64_t hash) const { table_.prefetch(hash); }
  double judge(std::string_view, std::string_view, std::string_view key) const {
    return table_.judge(key);
  }

 private:
  const PhraseTable& table_;
};

// A Tokenizer sink that joins phrases and passes each phrased sentence to `Inner` (which has
// token(), end_sentence() and end_block()) at the sentence's end, so the inner sink's views
// stay valid until its own end_sentence().
//
// As gensim: a word that is not a connector may start a candidate; connector words after it
// are held; the next non-connector word ends the candidate, which is joined if the judge
// accepts it (and then nothing is held), else the held words go out one by one and this word
// starts the next candidate. An empty token never starts a candidate (gensim tests the start
// for truth), so it is dropped.
template <class Judge, class Inner>
class PhraseSink {
 public:
  PhraseSink(const Judge& judge, Inner& inner)
      : judge_(judge), rules_(judge.rules()), inner_(inner) {}

  // Tokens are queued 16 at a time, their table slots prefetched (the tables miss the cache
  // when training threads share it), and handled in order; views live until end_block().
  void token(std::string_view w) {
    if (queued_ == kBatch) run_queue();
    const uint64_t h = hash_bytes(w);
    judge_.prefetch(h);
    words_[queued_] = w;
    hashes_[queued_++] = h;
  }
  void end_sentence() {
    run_queue();
    if (!start_.empty()) release();
    start_.clear();
    if (score_log_) score_log_->insert(score_log_->end(), scores_.begin(), scores_.end());
    for (size_t i = 0; i < ends_.size(); ++i) inner_.token(out(i));
    inner_.end_sentence();
    text_.clear();
    ends_.clear();
    scores_.clear();
  }
  void end_block() {
    run_queue();
    inner_.end_block();
  }
  void drop_pending() {
    queued_ = 0;
    start_.clear();
    between_.clear();
    text_.clear();
    ends_.clear();
    scores_.clear();
  }
  // Appends each output token's score (NaN for a plain word) to `log`, sentence by sentence.
  void log_scores(std::vector<double>* log) { score_log_ = log; }

 private:
  static constexpr int kBatch = 16;
  void run_queue() {
    for (int i = 0; i < queued_; ++i) handle(words_[i], hashes_[i]);
    queued_ = 0;
  }
  void handle(std::string_view w, uint64_t h) {
    if (!rules_.is_connector(w)) {
      const unsigned flags = judge_.flags(w, h);
      if (!start_.empty() &&
          ((start_flags_ & PhraseTable::kMayStart) == 0 || (flags & PhraseTable::kMayEnd) == 0)) {
        release();  // no listed key starts with start_ and ends with w
      } else if (!start_.empty()) {
        key_.assign(start_);
        for (size_t i = 0; i < between_.size(); ++i) {
          key_ += rules_.delimiter();
          key_ += between_[i];
        }
        key_ += rules_.delimiter();
        key_ += w;
        const double score = judge_.judge(start_, w, key_);
        if (!std::isnan(score)) {
          emit(key_, score);
          start_.clear();
          between_.clear();
          return;
        }
        release();
      }
      start_.assign(w);
      start_flags_ = flags;
      between_.clear();
    } else if (!start_.empty()) {
      between_.emplace_back(w);
    } else {
      emit(w, kNone);
    }
  }
  std::string_view out(size_t i) const {
    const size_t begin = i ? ends_[i - 1] : 0;
    return std::string_view(text_.data() + begin, ends_[i] - begin);
  }
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  void emit(std::string_view w, double score) {
    text_ += w;
    ends_.push_back(text_.size());
    scores_.push_back(score);
  }
  // The held candidate goes out as plain words.
  void release() {
    emit(start_, kNone);
    for (const auto& w : between_) emit(w, kNone);
    between_.clear();
  }

  const Judge& judge_;
  const PhraseRules& rules_;
  Inner& inner_;
  int queued_ = 0;
  std::string_view words_[kBatch];
  uint64_t hashes_[kBatch];
  std::string start_;
  unsigned start_flags_ = 0;  // judge_.flags(start_)
  std::vector<std::string> between_;
  std::string key_;
  std::string text_;  // the sentence's output tokens back to back
  std::vector<size_t> ends_;
  std::vector<double> scores_;
  std::vector<double>* score_log_ = nullptr;
};

}  // namespace w2v
