#include "phrase_tally.h"

#include <algorithm>

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
  std::vector<PairSlot> old(pairs_.size() * 2, PairSlot{kEmpty, 0, 0});
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

void PhraseTally::export_to(std::vector<std::unique_ptr<PhraseTally>>* parts, PhraseCounter* out) {
  struct Stretch {
    uint64_t seq;
    size_t part;
    size_t begin;
    size_t end;
  };
  std::vector<Stretch> stretches;
  int64_t words = 0;
  int64_t sentences = 0;
  size_t largest = 0;
  for (size_t p = 0; p < parts->size(); ++p) {
    PhraseTally& t = *(*parts)[p];
    t.flush();
    words += t.total_words_;
    sentences += t.sentences_;
    largest = std::max(largest, t.size());
    for (size_t k = 0; k < t.marks_.size(); ++k) {
      const size_t end = k + 1 < t.marks_.size() ? t.marks_[k + 1].begin : t.log_.size();
      if (end > t.marks_[k].begin)
        stretches.push_back(Stretch{t.marks_[k].seq, p, t.marks_[k].begin, end});
    }
  }
  std::stable_sort(stretches.begin(), stretches.end(),
                   [](const Stretch& x, const Stretch& y) { return x.seq < y.seq; });
  std::vector<size_t> last(parts->size(), 0);
  for (size_t i = 0; i < stretches.size(); ++i) last[stretches[i].part] = i;
  out->reserve(largest);
  const std::string delim = out->rules().delimiter();
  for (size_t i = 0; i < stretches.size(); ++i) {
    const Stretch& s = stretches[i];
    const PhraseTally& t = *(*parts)[s.part];
    constexpr size_t kAhead = 8;
    for (size_t j = s.begin; j < s.end; ++j) {
      if (j + kAhead < s.end && (t.log_[j + kAhead] >> 32) < kLongTag >> 32)
        __builtin_prefetch(&t.pairs_[pair_hash(t.log_[j + kAhead]) & t.pair_mask_]);
      const uint64_t e = t.log_[j];
      const auto lo = static_cast<int32_t>(static_cast<uint32_t>(e));
      if ((e & kWordTag) == kWordTag) {
        out->add_later(t.word_counts_[lo], t.words_.word(lo));
      } else if ((e & kWordTag) == kLongTag) {
        out->add_later(t.long_counts_[lo], t.longs_.word(lo));
      } else {
        const auto hi = static_cast<int32_t>(e >> 32);
        out->add_later(t.pair_count(e), t.words_.word(hi), delim, t.words_.word(lo));
      }
    }
    if (last[s.part] == i) (*parts)[s.part].reset();
  }
  out->add_now();
  out->set_totals(words, sentences);
}

}  // namespace w2v
