#include "phrase_tally.h"

#include <algorithm>
#include <thread>

#include "phrase_counter.h"

namespace w2v {

PhraseTally::PhraseTally(std::shared_ptr<const PhraseRules> rules, int64_t max_vocab_size,
                         std::atomic<bool>* stop)
    : rules_(std::move(rules)),
      max_vocab_size_(max_vocab_size),
      stop_(stop),
      delim_first_(rules_->delimiter().empty() ? '\0' : rules_->delimiter()[0]),
      has_connectors_(rules_->connector_count() != 0),
      words_(1 << 15),
      pairs_(size_t(1) << 16, PairSlot{kEmpty, 0, 0}),
      pair_mask_((size_t(1) << 16) - 1) {}

void PhraseTally::mark(uint64_t seq) {
  flush();
  marks_.push_back(Mark{seq, log_.size()});
}

void PhraseTally::end_sentence() {
  flush();
  start_ = -1;
  between_.clear();
  ++sentences_;
  if (static_cast<int64_t>(log_.size()) > max_vocab_size_) fail(&over_limit_);
}

void PhraseTally::drop_pending() {
  queued_ = 0;
  start_ = -1;
  between_.clear();
}

int32_t PhraseTally::add_word(std::string_view w, uint64_t h) {
  const int32_t id = words_.insert(w, h);
  word_counts_.push_back(0);
  connector_.push_back(has_connectors_ && rules_->is_connector(w));
  if (w.find(delim_first_) != std::string_view::npos) fail(&unsafe_);
  return id;
}

void PhraseTally::flush() {
  const int n = queued_;
  if (n == 0) return;
  queued_ = 0;
  int32_t ids[kBatch];
  for (int i = 0; i < n; ++i) {
    const int32_t id = words_.find(batch_[i], hashes_[i]);
    ids[i] = id >= 0 ? id : add_word(batch_[i], hashes_[i]);
  }
  // The candidate each token ends, found first so the pair slots load while the rest of
  // the batch is walked; counted after, word before candidate, as gensim counts them.
  enum : uint8_t { kNone, kPair, kLong };
  uint8_t kind[kBatch];
  uint64_t keys[kBatch];
  uint64_t hs[kBatch];
  size_t long_end[kBatch];
  const std::string& delim = rules_->delimiter();
  long_key_.clear();
  for (int i = 0; i < n; ++i) {
    const int32_t id = ids[i];
    kind[i] = kNone;
    if (connector_[id]) {
      if (start_ >= 0) between_.push_back(id);
      ids[i] = -1;
      continue;
    }
    if (start_ >= 0) {
      if (between_.empty()) {
        keys[i] = uint64_t(uint32_t(start_)) << 32 | uint32_t(id);
        hs[i] = pair_hash(keys[i]);
        __builtin_prefetch(&pairs_[hs[i] & pair_mask_]);
        kind[i] = kPair;
      } else {
        long_key_ += words_.word(start_);
        for (int32_t c : between_) {
          long_key_ += delim;
          long_key_ += words_.word(c);
        }
        long_key_ += delim;
        long_key_ += words_.word(id);
        long_end[i] = long_key_.size();
        kind[i] = kLong;
      }
    }
    start_ = id;
    between_.clear();
  }
  size_t long_begin = 0;
  for (int i = 0; i < n; ++i) {
    if (ids[i] < 0) continue;
    if (word_counts_[ids[i]]++ == 0) log_.push_back(kWordTag | uint32_t(ids[i]));
    if (kind[i] == kPair) {
      count_pair(keys[i], hs[i]);
    } else if (kind[i] == kLong) {
      count_long(std::string_view(long_key_).substr(long_begin, long_end[i] - long_begin));
      long_begin = long_end[i];
    }
  }
  total_words_ += n;
}

void PhraseTally::count_pair(uint64_t key, uint64_t h) {
  const auto a = static_cast<uint32_t>(key >> 32);
  const auto b = static_cast<uint32_t>(key);
  uint64_t pos = h & pair_mask_;
  while (true) {
    PairSlot& s = pairs_[pos];
    if (s.a == a && s.b == b) {
      if (++s.count == 0xffffffffu) fail(&unsafe_);  // about to overflow: count by text
      return;
    }
    if (s.a == kEmpty) {
      s = PairSlot{a, b, 1};
      log_.push_back(key);
      if (++pair_size_ * 10 > pairs_.size() * 7) grow_pairs();
      return;
    }
    pos = (pos + 1) & pair_mask_;
  }
}

void PhraseTally::grow_pairs() {
  HugeVector<PairSlot> old(pairs_.size() * 2, PairSlot{kEmpty, 0, 0});
  old.swap(pairs_);
  pair_mask_ = pairs_.size() - 1;
  for (const PairSlot& s : old) {
    if (s.a == kEmpty) continue;
    uint64_t pos = pair_hash(uint64_t(s.a) << 32 | s.b) & pair_mask_;
    while (pairs_[pos].a != kEmpty) pos = (pos + 1) & pair_mask_;
    pairs_[pos] = s;
  }
}

int64_t PhraseTally::pair_count(uint64_t key) const {
  const auto a = static_cast<uint32_t>(key >> 32);
  const auto b = static_cast<uint32_t>(key);
  uint64_t pos = pair_hash(key) & pair_mask_;
  while (true) {
    const PairSlot& s = pairs_[pos];
    if (s.a == a && s.b == b) return s.count;
    if (s.a == kEmpty) return 0;
    pos = (pos + 1) & pair_mask_;
  }
}

void PhraseTally::count_long(std::string_view key) {
  bool inserted = false;
  const int32_t id = longs_.insert(key, &inserted);
  if (inserted) {
    long_counts_.push_back(0);
    log_.push_back(kLongTag | uint32_t(id));
  }
  ++long_counts_[id];
}

void PhraseTally::seal() {
  flush();
  if (pairs_.empty()) return;
  log_counts_.assign(log_.size(), 0);
  constexpr size_t kAhead = 16;
  const size_t n = log_.size();
  for (size_t j = 0; j < n; ++j) {
    if (j + kAhead < n && (log_[j + kAhead] >> 32) < (kLongTag >> 32))
      __builtin_prefetch(&pairs_[pair_hash(log_[j + kAhead]) & pair_mask_]);
    if ((log_[j] >> 32) < (kLongTag >> 32))
      log_counts_[j] = static_cast<uint32_t>(pair_count(log_[j]));
  }
  HugeVector<PairSlot>().swap(pairs_);
}

namespace {

// Distinct 64-bit keys, each with the index it was first given.
class KeyIndex {
 public:
  explicit KeyIndex(size_t expected) {
    size_t slots = 16;
    while (slots * 7 < expected * 10) slots <<= 1;
    slots_.assign(slots, Slot{0, 0, kFree});
    mask_ = slots - 1;
  }
  static uint64_t hash(uint64_t key) { return detail::mix(key * 0x9e3779b97f4a7c15ULL); }
  void prefetch(uint64_t h) const { __builtin_prefetch(&slots_[h & mask_]); }
  // The index of `key`, or `next` (then given to it) when it is new.
  uint32_t find_or_add(uint64_t key, uint64_t h, uint32_t next) {
    const auto lo = static_cast<uint32_t>(key);
    const auto hi = static_cast<uint32_t>(key >> 32);
    uint64_t pos = h & mask_;
    while (true) {
      Slot& s = slots_[pos];
      if (s.index == kFree) {
        s = Slot{lo, hi, next};
        return next;
      }
      if (s.lo == lo && s.hi == hi) return s.index;
      pos = (pos + 1) & mask_;
    }
  }

 private:
  static constexpr uint32_t kFree = 0xffffffffu;
  struct Slot {
    uint32_t lo;
    uint32_t hi;
    uint32_t index;
  };
  HugeVector<Slot> slots_;
  uint64_t mask_;
};

}  // namespace

void PhraseTally::export_to(std::vector<std::unique_ptr<PhraseTally>>* parts, PhraseCounter* out) {
  struct Stretch {
    uint64_t seq;
    size_t part;
    size_t begin;
    size_t end;
  };
  std::vector<Stretch> stretches;
  const size_t threads = parts->size();
  int64_t words = 0;
  int64_t sentences = 0;
  size_t entries = 0;
  // One id per distinct word across the parts.
  WordIndex all_words(1 << 16);
  std::vector<std::vector<uint32_t>> word_ids(parts->size());
  for (size_t p = 0; p < parts->size(); ++p) {
    PhraseTally& t = *(*parts)[p];
    t.seal();
    words += t.total_words_;
    sentences += t.sentences_;
    entries += t.log_.size();
    for (size_t k = 0; k < t.marks_.size(); ++k) {
      const size_t end = k + 1 < t.marks_.size() ? t.marks_[k + 1].begin : t.log_.size();
      if (end > t.marks_[k].begin)
        stretches.push_back(Stretch{t.marks_[k].seq, p, t.marks_[k].begin, end});
    }
    word_ids[p].resize(t.words_.size());
    for (size_t id = 0; id < t.words_.size(); ++id)
      word_ids[p][id] =
          static_cast<uint32_t>(all_words.insert(t.words_.word(int32_t(id)), t.words_.hash(id)));
  }
  std::stable_sort(stretches.begin(), stretches.end(),
                   [](const Stretch& x, const Stretch& y) { return x.seq < y.seq; });
  std::vector<size_t> last(parts->size(), 0);
  for (size_t i = 0; i < stretches.size(); ++i) last[stretches[i].part] = i;

  // The distinct keys in first-seen order, by word ids (long keys by their id in all_longs).
  WordIndex all_longs(16);
  std::vector<uint64_t> keys;
  std::vector<int64_t> counts;
  {
    KeyIndex seen(entries);
    // Keys are found a batch ahead of their lookups, so each slot has a batch's time to load.
    constexpr size_t kBatch = 32;
    struct Found {
      uint64_t key;
      uint64_t hash;
      int64_t count;
    };
    Found batch[2][kBatch];
    size_t filled[2] = {0, 0};
    auto settle_batch = [&](int b) {
      for (size_t k = 0; k < filled[b]; ++k) {
        const Found& f = batch[b][k];
        const auto next = static_cast<uint32_t>(keys.size());
        const uint32_t at = seen.find_or_add(f.key, f.hash, next);
        if (at == next) {
          keys.push_back(f.key);
          counts.push_back(f.count);
        } else {
          counts[at] += f.count;
        }
      }
      filled[b] = 0;
    };
    int cur = 0;
    for (size_t i = 0; i < stretches.size(); ++i) {
      const Stretch& s = stretches[i];
      const PhraseTally& t = *(*parts)[s.part];
      const std::vector<uint32_t>& ids = word_ids[s.part];
      for (size_t j = s.begin; j < s.end; ++j) {
        const uint64_t e = t.log_[j];
        const auto lo = static_cast<uint32_t>(e);
        Found& f = batch[cur][filled[cur]++];
        if ((e & kWordTag) == kWordTag) {
          f.key = kWordTag | ids[lo];
          f.count = t.word_counts_[lo];
        } else if ((e & kWordTag) == kLongTag) {
          f.key = kLongTag | uint32_t(all_longs.insert(t.longs_.word(int32_t(lo))));
          f.count = t.long_counts_[lo];
        } else {
          f.key = uint64_t(ids[e >> 32]) << 32 | ids[lo];
          f.count = t.log_counts_[j];
        }
        f.hash = KeyIndex::hash(f.key);
        seen.prefetch(f.hash);
        if (filled[cur] == kBatch) {
          cur ^= 1;
          settle_batch(cur);  // the batch before this one
        }
      }
      if (last[s.part] == i) (*parts)[s.part].reset();  // batches hold values only
    }
    settle_batch(cur ^ 1);
    settle_batch(cur);
  }
  parts->clear();

  // Spelled out once each, in order, by one thread per part, each a run of the keys.
  const std::string& delim = out->rules().delimiter();
  const size_t n = keys.size();
  std::vector<uint64_t> offsets(n + 1, 0);
  std::vector<uint64_t> hashes(n);
  std::vector<std::string> pieces(std::max<size_t>(threads, 1));
  auto spell = [&](size_t piece) {
    const size_t begin = n * piece / pieces.size();
    const size_t end = n * (piece + 1) / pieces.size();
    std::string& text = pieces[piece];
    for (size_t k = begin; k < end; ++k) {
      const uint64_t key = keys[k];
      const size_t from = text.size();
      const auto lo = static_cast<int32_t>(static_cast<uint32_t>(key));
      if ((key & kWordTag) == kWordTag) {
        text += all_words.word(lo);
      } else if ((key & kWordTag) == kLongTag) {
        text += all_longs.word(lo);
      } else {
        text += all_words.word(static_cast<int32_t>(key >> 32));
        text += delim;
        text += all_words.word(lo);
      }
      offsets[k + 1] = text.size();  // within the piece until joined
      hashes[k] = hash_bytes(std::string_view(text).substr(from));
    }
  };
  std::vector<std::thread> helpers;
  for (size_t piece = 1; piece < pieces.size(); ++piece) helpers.emplace_back(spell, piece);
  spell(0);
  for (auto& th : helpers) th.join();
  std::vector<uint64_t>().swap(keys);
  counts.shrink_to_fit();  // the index below is the peak of memory: no slack in it
  size_t total = 0;
  for (const std::string& piece : pieces) total += piece.size();
  std::string arena;
  arena.reserve(total);
  for (size_t piece = 0; piece < pieces.size(); ++piece) {
    const uint64_t base = arena.size();
    for (size_t k = n * piece / pieces.size(); k < n * (piece + 1) / pieces.size(); ++k)
      offsets[k + 1] += base;
    arena += pieces[piece];
    std::string().swap(pieces[piece]);
  }
  out->adopt(WordIndex::from_distinct(std::move(arena), std::move(offsets), std::move(hashes)),
             std::move(counts), words, sentences);
}

}  // namespace w2v
