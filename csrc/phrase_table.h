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

// The hash of the word pair (a, b) from the words' own hashes, so it is known as soon as the
// words are read, before their ids are looked up.
inline uint64_t pair_hash(uint64_t ha, uint64_t hb) {
  return detail::mix(ha ^ (hb * 0x9e3779b97f4a7c15ULL) ^ (hb >> 29));
}

// A map from (start piece id, end piece id) to a listed key, placed by the pair's hash
// (pair_hash), behind a filter of a few bits per pair: most adjacent word pairs of a corpus
// are no phrase, and the filter turns nearly all of them away without touching the slots.
// Both are placed by hash so a reader can prefetch them while the words wait in its queue.
class PiecePairs {
 public:
  void insert(uint64_t hash, int32_t a, int32_t b, int32_t value) {
    if (2 * (count_ + 1) > slots_.size()) grow();
    if (place(Slot{hash, key_of(a, b), value})) ++count_;
  }
  // Whether a pair with this hash may be listed (false: it is not).
  bool may_hold(uint64_t hash) const {
    const uint64_t bits = filter_bits(hash);
    return (filter_[filter_word(hash)] & bits) == bits;
  }
  // The value stored for (a, b), whose hash is `hash`, or -1.
  int32_t find(uint64_t hash, int32_t a, int32_t b) const {
    if (count_ == 0 || !may_hold(hash)) return -1;
    const uint64_t k = key_of(a, b);
    for (uint64_t pos = hash & slot_mask_;; pos = (pos + 1) & slot_mask_) {
      const Slot& s = slots_[pos];
      if (s.value < 0) return -1;
      if (s.key == k) return s.value;
    }
  }
  void prefetch_filter(uint64_t hash) const {
    if (count_) __builtin_prefetch(&filter_[filter_word(hash)]);
  }
  void prefetch_slot(uint64_t hash) const {
    if (count_) __builtin_prefetch(&slots_[hash & slot_mask_]);
  }

 private:
  struct Slot {
    uint64_t hash;
    uint64_t key;
    int32_t value;  // -1 = empty
  };
  static uint64_t key_of(int32_t a, int32_t b) {
    return uint64_t(static_cast<uint32_t>(a)) << 32 | static_cast<uint32_t>(b);
  }
  // Two bits in one 64-bit word, from hash bits that do not choose the slot.
  size_t filter_word(uint64_t hash) const { return (hash >> 40) & filter_mask_; }
  static uint64_t filter_bits(uint64_t hash) {
    return (uint64_t{1} << ((hash >> 28) & 63)) | (uint64_t{1} << ((hash >> 34) & 63));
  }
  // Stores `slot`; false when its pair was there already (its value is replaced).
  bool place(const Slot& slot) {
    filter_[filter_word(slot.hash)] |= filter_bits(slot.hash);
    for (uint64_t pos = slot.hash & slot_mask_;; pos = (pos + 1) & slot_mask_) {
      Slot& s = slots_[pos];
      if (s.value < 0 || s.key == slot.key) {
        const bool added = s.value < 0;
        s = slot;
        return added;
      }
    }
  }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 64 : old.size() * 2, Slot{0, 0, -1});
    slot_mask_ = slots_.size() - 1;
    // 8 filter bits per slot, at least 16 per pair: about 1 in 70 unlisted pairs passes.
    filter_.assign(slots_.size() / 8, 0);
    filter_mask_ = filter_.size() - 1;
    for (const Slot& s : old)
      if (s.value >= 0) place(s);
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
      const std::string_view first = key.substr(0, p), last = key.substr(p + d.size());
      const int32_t a = mark(first, kMayStart);
      const int32_t b = mark(last, kMayEnd);
      pairs_.insert(pair_hash(hash_bytes(first), hash_bytes(last)), a, b, id);
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

  // The listed key made of pieces a and b (whose words' pair_hash is `pair`) with the
  // delimiter between them, if it scores above the threshold: its id, else -1.
  int32_t find_pair(uint64_t pair, int32_t a, int32_t b) const {
    const int32_t id = pairs_.find(pair, a, b);
    return id >= 0 && scores_[id] > threshold_ ? id : -1;
  }
  bool may_pair(uint64_t pair) const { return pairs_.may_hold(pair); }
  void prefetch_pair_filter(uint64_t pair) const { pairs_.prefetch_filter(pair); }
  void prefetch_pair(uint64_t pair) const { pairs_.prefetch_slot(pair); }
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
