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
#include <type_traits>
#include <vector>

#include "phrase_counter.h"
#include "phrase_rules.h"
#include "phrase_scoring.h"
#include "phrase_table.h"
#include "word_index.h"

namespace w2v {

// Judges candidates by the counts of a (not frozen) Phrases model, as its score_candidate:
// both words and the joined key must have been counted, and the score beat the threshold.
// Words have no piece ids here, so every candidate is judged by its joined key.
class CountJudge {
 public:
  CountJudge(const PhraseCounter& counts, const ScoringParams& params)
      : counts_(counts), params_(params) {}
  const PhraseRules& rules() const { return counts_.rules(); }
  PieceInfo piece(std::string_view w, uint64_t hash) const {
    return PieceInfo{-1, counts_.rules().is_connector(w, hash)
                             ? PhraseTable::kConnector
                             : PhraseTable::kMayStart | PhraseTable::kMayEnd};
  }
  void prefetch(uint64_t) const {}
  bool may_pair(uint64_t) const { return false; }
  void prefetch_pair_filter(uint64_t) const {}
  void prefetch_pair(uint64_t) const {}
  int32_t find_pair(uint64_t, int32_t, int32_t) const { return -1; }
  std::string_view key(int32_t) const { return {}; }
  double score(int32_t) const { return std::numeric_limits<double>::quiet_NaN(); }
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
  PieceInfo piece(std::string_view w, uint64_t hash) const { return table_.piece(w, hash); }
  void prefetch(uint64_t hash) const { table_.prefetch(hash); }
  bool may_pair(uint64_t pair) const { return table_.may_pair(pair); }
  void prefetch_pair_filter(uint64_t pair) const { table_.prefetch_pair_filter(pair); }
  void prefetch_pair(uint64_t pair) const { table_.prefetch_pair(pair); }
  int32_t find_pair(uint64_t pair, int32_t a, int32_t b) const {
    return table_.find_pair(pair, a, b);
  }
  std::string_view key(int32_t id) const { return table_.key(static_cast<size_t>(id)); }
  double score(int32_t id) const { return table_.score(static_cast<size_t>(id)); }
  double judge(std::string_view, std::string_view, std::string_view key) const {
    return table_.judge(key);
  }

 private:
  const PhraseTable& table_;
};

namespace detail {
// Whether a sink copies each token as it gets it (`static constexpr bool kCopiesTokens`), so
// PhraseSink may hand it views that die at the next end_block() and need not hold a sentence.
template <class T, class = void>
struct copies_tokens : std::false_type {};
template <class T>
struct copies_tokens<T, std::void_t<decltype(T::kCopiesTokens)>>
    : std::integral_constant<bool, T::kCopiesTokens> {};
}  // namespace detail

// A Tokenizer sink that joins phrases and passes the phrased sentences to `Inner` (which has
// token(), end_sentence() and end_block()). An Inner that copies tokens at once gets each
// token as soon as it is decided; any other gets a sentence's tokens at the sentence's end, so
// its views stay valid until its own end_sentence().
//
// As gensim: a word that is not a connector may start a candidate; connector words after it
// are held; the next non-connector word ends the candidate, which is joined if the judge
// accepts it (and then nothing is held), else the held words go out one by one and this word
// starts the next candidate. An empty token never starts a candidate (gensim tests the start
// for truth), so it is dropped.
template <class Judge, class Inner>
class PhraseSink {
  static constexpr bool kStreams = detail::copies_tokens<Inner>::value;

 public:
  PhraseSink(const Judge& judge, Inner& inner)
      : judge_(judge), rules_(judge.rules()), inner_(inner) {}

  // Tokens wait in a ring of 16 and are handled in order as they leave it, so each has 15
  // tokens' time for its loads: queuing a token starts loading its slot in the judge's word
  // table and the filter word of the pair it makes with the token before it; halfway
  // through, a pair that passes the filter starts loading its slot (the tables miss the
  // cache when text streams through it).
  void token(std::string_view w) {
    if (queued_ == kRing) {
      const Queued& q = ring_[first_];
      handle(q.word, q.hash, q.pair);
      first_ = (first_ + 1) % kRing;
      --queued_;
    }
    const uint64_t h = hash_bytes(w);
    judge_.prefetch(h);
    const uint64_t pair = pair_hash(last_hash_, h);
    judge_.prefetch_pair_filter(pair);
    last_hash_ = h;
    if (queued_ >= kRing / 2) {
      const uint64_t half = ring_[(first_ + queued_ - kRing / 2) % kRing].pair;
      if (judge_.may_pair(half)) judge_.prefetch_pair(half);
    }
    ring_[(first_ + queued_++) % kRing] = Queued{w, h, pair};
  }
  void end_sentence() {
    run_queue();
    if (!start_.empty()) release();
    start_ = {};
    if constexpr (kStreams) {
      inner_.end_sentence();
    } else {
      if (score_log_) score_log_->insert(score_log_->end(), scores_.begin(), scores_.end());
      for (size_t i = 0; i < ends_.size(); ++i) inner_.token(out(i));
      inner_.end_sentence();
      text_.clear();
      ends_.clear();
      scores_.clear();
    }
  }
  // The tokeniser's views die after this: the held words are copied.
  void end_block() {
    run_queue();
    if (!start_.empty()) keep_held();
    inner_.end_block();
  }
  void drop_pending() {
    queued_ = 0;
    start_ = {};
    between_.clear();
    text_.clear();
    ends_.clear();
    scores_.clear();
  }
  // Appends each output token's score (NaN for a plain word) to `log`, sentence by sentence
  // (for an Inner that does not copy tokens).
  void log_scores(std::vector<double>* log) { score_log_ = log; }

 private:
  static constexpr int kRing = 16;
  struct Queued {
    std::string_view word;
    uint64_t hash;
    uint64_t pair;
  };
  void run_queue() {
    for (; queued_ > 0; --queued_) {
      const Queued& q = ring_[first_];
      handle(q.word, q.hash, q.pair);
      first_ = (first_ + 1) % kRing;
    }
  }
  // `pair` is the pair_hash of w and the token before it, which is start_ whenever start_ is
  // held with no connector words after it.
  void handle(std::string_view w, uint64_t h, uint64_t pair) {
    const PieceInfo piece = judge_.piece(w, h);
    if (piece.flags & PhraseTable::kConnector) {
      if (!start_.empty())
        between_.push_back(w);
      else
        emit(w, kNone);
      return;
    }
    if (!start_.empty()) {
      // A listed key starts with start_ and ends with w only if both are such pieces.
      if ((start_piece_.flags & PhraseTable::kMayStart) && (piece.flags & PhraseTable::kMayEnd)) {
        if (between_.empty() && start_piece_.id >= 0 && piece.id >= 0) {
          const int32_t id = judge_.find_pair(pair, start_piece_.id, piece.id);
          if (id >= 0) {
            emit(judge_.key(id), judge_.score(id));
            start_ = {};
            return;
          }
        } else if (judge_string(w)) {
          return;
        }
      }
      release();
    }
    start_ = w;
    start_piece_ = piece;
  }
  // Judges start_, between_ and w by their joined key; emits the phrase when it is one.
  bool judge_string(std::string_view w) {
    key_.assign(start_);
    for (const auto& b : between_) {
      key_ += rules_.delimiter();
      key_ += b;
    }
    key_ += rules_.delimiter();
    key_ += w;
    const double score = judge_.judge(start_, w, key_);
    if (std::isnan(score)) return false;
    emit(key_, score);
    start_ = {};
    between_.clear();
    return true;
  }
  std::string_view out(size_t i) const {
    const size_t begin = i ? ends_[i - 1] : 0;
    return std::string_view(text_.data() + begin, ends_[i] - begin);
  }
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  void emit(std::string_view w, double score) {
    if constexpr (kStreams) {
      inner_.token(w);
    } else {
      text_ += w;
      ends_.push_back(text_.size());
      scores_.push_back(score);
    }
  }
  // The held candidate goes out as plain words.
  void release() {
    emit(start_, kNone);
    for (const auto& w : between_) emit(w, kNone);
    between_.clear();
  }
  // Copies start_ and between_ into held_, and points them there.
  void keep_held() {
    std::string held;
    held.append(start_);
    for (const auto& w : between_) held.append(w);
    held_.swap(held);  // the old held_ may hold what was just copied: freed only after
    size_t at = start_.size();
    start_ = std::string_view(held_.data(), at);
    for (auto& w : between_) {
      w = std::string_view(held_.data() + at, w.size());
      at += w.size();
    }
  }

  const Judge& judge_;
  const PhraseRules& rules_;
  Inner& inner_;
  int queued_ = 0;
  Queued ring_[kRing];
  int first_ = 0;  // the oldest queued token's place in ring_
  uint64_t last_hash_ = 0;
  // The candidate's start and the connector words after it: views into the tokeniser's
  // buffer, or into held_ once that buffer is gone.
  std::string_view start_;
  PieceInfo start_piece_{-1, 0};
  std::vector<std::string_view> between_;
  std::string held_;
  std::string key_;
  std::string text_;  // the sentence's output tokens back to back (unless streaming)
  std::vector<size_t> ends_;
  std::vector<double> scores_;
  std::vector<double>* score_log_ = nullptr;
};

}  // namespace w2v
