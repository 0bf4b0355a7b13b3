// The phrases of a FrozenPhrases model (gensim's phrasegrams), arranged for applying them to
// a stream of words at the speed of the tokeniser.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "phrase_rules.h"
#include "word_index.h"

namespace w2v {

// What the table knows of one word: its id among the pieces of listed keys (-1 when it is
// none) and flags saying which ends of a key it can be, and whether it is a connector word.
struct PieceInfo {
  int32_t id;
  unsigned flags;
};

// A set of (start piece, end piece) pairs, each naming a listed key, behind a one-cache-line
// filter: most adjacent word pairs of a corpus are no phrase, and the filter (a few bits per
// pair, small enough to stay in the core's cache) turns nearly all of them away without
// touching the pair slots, which are too many to stay cached.
class PiecePairs {
 public:
  void insert(int32_t a, int32_t b, int32_t value) {
    if (2 * (count_ + 1) > slots_.size()) grow();
    place(key_of(a, b), value);
    ++count_;
  }
  // The value stored for (a, b), or -1.
  int32_t find(int32_t a, int32_t b) const {
    if (count_ == 0) return -1;
    const uint64_t k = key_of(a, b);
    const uint64_t h = detail::mix(k * 0x9e3779b97f4a7c15ULL);
    const uint64_t word = filter_[(h >> 12) & filter_mask_];
    const uint64_t bits = (uint64_t{1} << (h & 63)) | (uint64_t{1} << ((h >> 6) & 63));
    if ((word & bits) != bits) return -1;
    for (uint64_t pos = h >> 24 & slot_mask_;; pos = (pos + 1) & slot_mask_) {
      const Slot& s = slots_[pos];
      if (s.value < 0) return -1;
      if (s.key == k) return s.value;
    }
  }

 private:
  struct Slot {
    uint64_t key;
    int32_t value;  // -1 = empty
  };
  static uint64_t key_of(int32_t a, int32_t b) {
    return uint64_t(static_cast<uint32_t>(a)) << 32 | static_cast<uint32_t>(b);
  }
  void place(uint64_t k, int32_t value) {
    const uint64_t h = detail::mix(k * 0x9e3779b97f4a7c15ULL);
    filter_[(h >> 12) & filter_mask_] |=
        (uint64_t{1} << (h & 63)) | (uint64_t{1} << ((h >> 6) & 63));
    for (uint64_t pos = h >> 24 & slot_mask_;; pos = (pos + 1) & slot_mask_) {
      Slot& s = slots_[pos];
      if (s.value < 0 || s.key == k) {
        if (s.value >= 0) --count_;  // the same pair again: replaced, not added
        s = Slot{k, value};
        return;
      }
    }
  }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{0, -1});
    slot_mask_ = slots_.size() - 1;
    // About 16 filter bits per pair (two set per pair: ~1.5% pass wrongly).
    filter_.assign(slots_.size() / 8, 0);
    filter_mask_ = filter_.size() - 1;
    count_ = 0;
    for (const Slot& s : old)
      if (s.value >= 0) {
        place(s.key, s.value);
        ++count_;
      }
  }

  std::vector<Slot> slots_;
  std::vector<uint64_t> filter_;
  uint64_t slot_mask_ = 0, filter_mask_ = 0;
  size_t count_ = 0;
};

// Joined key -> score. A candidate is joined when its key is listed with a score above the
// threshold. Every word that is a piece of some key (the part before or after one of the key's
// delimiters) gets an id, so a candidate without connector words in between is looked up by its
// two words' ids, with no key built or hashed.
class PhraseTable {
 public:
  static constexpr unsigned kMayStart = 1, kMayEnd = 2, kConnector = 4;

  PhraseTable(std::shared_ptr<const PhraseRules> rules, double threshold)
      : rules_(std::move(rules)), threshold_(threshold) {
    for (size_t i = 0; i < rules_->connector_count(); ++i) mark(rules_->connector(i), kConnector);
  }

  void add(std::string_view key, double score) {
    bool inserted;
    const int32_t id = index_.insert(key, &inserted);
    if (inserted)
      scores_.push_back(score);
    else
      scores_[id] = score;
    // Every way `key` can be cut at a delimiter (overlapping matches too) gives a word that
    // may start a candidate with this key and one that may end it.
    const std::string& d = rules_->delimiter();
    for (size_t p = key.find(d); !d.empty() && p != std::string_view::npos;
         p = key.find(d, p + 1)) {
      const int32_t a = mark(key.substr(0, p), kMayStart);
      const int32_t b = mark(key.substr(p + d.size()), kMayEnd);
      pairs_.insert(a, b, id);
    }
  }

  PieceInfo piece(std::string_view w, uint64_t hash) const {
    if (!maybe_piece(hash)) return PieceInfo{-1, 0u};
    const int32_t id = pieces_.find(w, hash);
    return id < 0 ? PieceInfo{-1, 0u} : PieceInfo{id, piece_flags_[id]};
  }
  void prefetch(uint64_t hash) const {
    if (maybe_piece(hash)) pieces_.prefetch(hash);
  }

  // The listed key made of pieces a and b with the delimiter between them, if it scores above
  // the threshold: its id, else -1.
  int32_t find_pair(int32_t a, int32_t b) const {
    const int32_t id = pairs_.find(a, b);
    return id >= 0 && scores_[id] > threshold_ ? id : -1;
  }
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
  int32_t mark(std::string_view piece, unsigned flag) {
    const int32_t id = pieces_.insert(piece);
    if (static_cast<size_t>(id) == piece_flags_.size()) {
      piece_flags_.push_back(0);
      if (pieces_.size() * 16 > piece_filter_.size() * 64) {
        piece_filter_.assign(piece_filter_.size() * 2, 0);
        for (size_t i = 0; i < pieces_.size(); ++i) set_filter(pieces_.hash(i));
      } else {
        set_filter(pieces_.hash(static_cast<size_t>(id)));
      }
    }
    piece_flags_[id] |= static_cast<uint8_t>(flag);
    return id;
  }
  // A bit per hash, about 16 bits per piece: the words of a text that are no piece at all,
  // mostly rare ones whose slots are not cached, are told by one cached load. The bits of the
  // hash used here are not those that choose the slot.
  bool maybe_piece(uint64_t hash) const {
    return piece_filter_[(hash >> 20) & (piece_filter_.size() - 1)] >> ((hash >> 14) & 63) & 1;
  }
  void set_filter(uint64_t hash) {
    piece_filter_[(hash >> 20) & (piece_filter_.size() - 1)] |= uint64_t{1} << ((hash >> 14) & 63);
  }

  std::shared_ptr<const PhraseRules> rules_;
  double threshold_;
  WordIndex index_;
  std::vector<double> scores_;
  WordIndex pieces_;
  std::vector<uint8_t> piece_flags_;
  std::vector<uint64_t> piece_filter_ = std::vector<uint64_t>(64, 0);
  PiecePairs pairs_;
};

}  // namespace w2v
