// Open-addressing hash map from a word's UTF-8 bytes to a dense id.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "huge_pages.h"

#if defined(__GNUC__) || defined(__clang__)
#define W2V_NO_ASAN __attribute__((no_sanitize("address")))
#else
#define W2V_NO_ASAN
#endif

namespace w2v {

namespace detail {

inline uint64_t mix(uint64_t x) {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  return x;
}

// The 1..8 bytes at p as a little-endian number. When the 8 bytes from p stay inside one
// 4 KiB page they are read in one load (which cannot fault) and the excess masked off; only
// near a page end is the tail assembled byte by byte.
W2V_NO_ASAN inline uint64_t load_tail(const char* p, size_t n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  if ((reinterpret_cast<uintptr_t>(p) & 4095) <= 4096 - 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v & (~uint64_t{0} >> (64 - 8 * n));
  }
#endif
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i)
    v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

}  // namespace detail

// Eight bytes per step (most words fit in one or two), then a final avalanche so the low bits
// used for slots and the high bits used as tags are both well mixed.
inline uint64_t hash_bytes(std::string_view s) {
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL);
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ detail::mix(v)) * 0xc4ceb9fe1a85ec53ULL;
    p += 8;
    n -= 8;
  }
  if (n) {
    const uint64_t v = detail::load_tail(p, n);
    h = (h ^ detail::mix(v ^ (0xa0761d6478bd642fULL * n))) * 0xc4ceb9fe1a85ec53ULL;
  }
  return detail::mix(h ^ (h >> 29));
}

// Ids are dense and follow insertion order, so id order doubles as first-seen order.
class WordIndex {
 public:
  explicit WordIndex(size_t expected = 1024);
  // The index of keys laid out already, in id order: `arena` holds them back to back,
  // `offsets` their starts and the end (size + 1 entries), `hashes` their hash_bytes. The
  // keys must be distinct. The slots are filled in the order of their positions, front to
  // back, which costs far less than inserting keys at random places one by one.
  static WordIndex from_distinct(std::string arena, std::vector<uint64_t> offsets,
                                 std::vector<uint64_t> hashes);

  int32_t find(std::string_view word) const { return find(word, hash_bytes(word)); }
  // Inline: nearly every lookup of a scan or a training epoch finds its word at once.
  int32_t find(std::string_view word, uint64_t hash) const {
    const uint64_t head = head_of(word);
    const uint32_t tag = make_tag(hash, word.size());
    uint64_t pos = hash & mask_;
    while (true) {
      const Slot& slot = slots_[pos];
      if (slot.id < 0) return -1;
      if (slot.head == head && slot.tag == tag && rest_equals(slot, word)) return slot.id;
      pos = (pos + 1) & mask_;
    }
  }
  // Returns the id of `word`, inserting it when new.
  int32_t insert(std::string_view word, bool* inserted = nullptr) {
    return insert(word, hash_bytes(word), inserted);
  }
  int32_t insert(std::string_view word, uint64_t hash, bool* inserted = nullptr);
  // Starts loading the slot a key with this hash probes first (to overlap cache misses).
  void prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[hash & mask_]); }
  std::string_view word(int32_t id) const {
    return std::string_view(arena_.data() + offsets_[id], offsets_[id + 1] - offsets_[id]);
  }
  size_t size() const { return offsets_.size() - 1; }
  uint64_t hash(size_t id) const { return hashes_[id]; }
  size_t memory_bytes() const;

 private:
  void rehash(size_t slot_count);
  void place_sorted(size_t slot_count);

  // A slot holds a key's first 8 bytes, its id, and a tag (24 hash bits and the length).
  // Most words are at most 8 bytes long: they are matched inside the slot, without the two
  // dependent (and often cache-missing) reads of offsets_ and arena_ that longer keys need.
  struct Slot {
    uint64_t head;
    int32_t id;  // -1 = empty
    uint32_t tag;
  };
  static uint32_t make_tag(uint64_t hash, size_t len) {
    return static_cast<uint32_t>(hash >> 40) << 8 |
           static_cast<uint32_t>(std::min<size_t>(len, 255));
  }
  static uint64_t head_of(std::string_view w) {
    if (w.size() >= 8) {
      uint64_t v;
      std::memcpy(&v, w.data(), 8);
      return v;
    }
    return w.empty() ? 0 : detail::load_tail(w.data(), w.size());
  }
  // Whether slot `s` (whose head and tag already match) holds `w`.
  bool rest_equals(const Slot& s, std::string_view w) const {
    if (w.size() <= 8) return true;
    const uint64_t begin = offsets_[s.id];
    if (offsets_[s.id + 1] - begin != w.size()) return false;
    const char* k = arena_.data() + begin + 8;
    const size_t rest = w.size() - 8;
    if (rest <= 8) return detail::load_tail(k, rest) == detail::load_tail(w.data() + 8, rest);
    return std::memcmp(k, w.data() + 8, rest) == 0;
  }

  HugeVector<Slot> slots_;
  std::vector<uint64_t> hashes_;  // one per id, kept to rehash without rereading keys
  std::string arena_;             // all keys back to back
  std::vector<uint64_t> offsets_;
  uint64_t mask_ = 0;
};

// Words queued up to kBatch at a time with their hashes. Queuing a word starts loading its
// first slot in `index`, so the probes made when the batch is flushed (lookups or inserts)
// overlap their cache misses. Queued views must stay valid until flush().
class PrefetchedBatch {
 public:
  static constexpr int kBatch = 16;
  // Queues `w`; a full batch is first flushed to f(word, hash).
  template <class F>
  void add(const WordIndex& index, std::string_view w, F&& f) {
    if (size_ == kBatch) flush(f);
    const uint64_t h = hash_bytes(w);
    index.prefetch(h);
    words_[size_] = w;
    hashes_[size_++] = h;
  }
  template <class F>
  void flush(F&& f) {
    for (int i = 0; i < size_; ++i) f(words_[i], hashes_[i]);
    size_ = 0;
  }
  // Forgets the queued words (their views may be gone after an error).
  void clear() { size_ = 0; }

 private:
  int size_ = 0;
  std::string_view words_[kBatch];
  uint64_t hashes_[kBatch];
};

}  // namespace w2v
