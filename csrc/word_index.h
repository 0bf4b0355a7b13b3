// Open-addressing hash map from a word's UTF-8 bytes to a dense id.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace w2v {

uint64_t hash_bytes(std::string_view s);

// Ids are dense and follow insertion order, so id order doubles as first-seen order.
class WordIndex {
 public:
  explicit WordIndex(size_t expected = 1024);

  int32_t find(std::string_view word) const { return find(word, hash_bytes(word)); }
  int32_t find(std::string_view word, uint64_t hash) const;
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
  // Whether the key of `id` is `w`; inline for short keys (a libc memcmp call costs more
  // than comparing a typical 5-byte word).
  bool key_equals(int32_t id, std::string_view w) const {
    const uint64_t begin = offsets_[id];
    if (offsets_[id + 1] - begin != w.size()) return false;
    const char* k = arena_.data() + begin;
    if (w.size() > 16) return std::memcmp(k, w.data(), w.size()) == 0;
    for (size_t i = 0; i < w.size(); ++i)
      if (k[i] != w[i]) return false;
    return true;
  }
  size_t memory_bytes() const;

 private:
  void rehash(size_t slot_count);

  // A slot holds an id and the top 32 bits of its key's hash, so a probe rejects other keys
  // without touching the key bytes (which are usually a cache miss away).
  struct Slot {
    int32_t id;  // -1 = empty
    uint32_t tag;
  };
  std::vector<Slot> slots_;
  std::vector<uint64_t> hashes_;  // one per id, kept to rehash without rereading keys
  std::string arena_;             // all keys back to back
  std::vector<uint64_t> offsets_;
  uint64_t mask_ = 0;
};

}  // namespace w2v
