#include "word_index.h"

#include <cstring>

namespace w2v {

uint64_t hash_bytes(std::string_view s) {
  // FNV-1a, then a murmur finaliser so the low bits used for slots are well mixed.
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

WordIndex::WordIndex(size_t expected) {
  size_t slots = 16;
  while (slots < expected * 2) slots <<= 1;
  rehash(slots);
  offsets_.push_back(0);
}

void WordIndex::rehash(size_t slot_count) {
  slots_.assign(slot_count, -1);
  mask_ = slot_count - 1;
  for (size_t id = 0; id < hashes_.size(); ++id) {
    uint64_t pos = hashes_[id] & mask_;
    while (slots_[pos] != -1) pos = (pos + 1) & mask_;
    slots_[pos] = static_cast<int32_t>(id);
  }
}

int32_t WordIndex::find(std::string_view w) const {
  const uint64_t h = hash_bytes(w);
  uint64_t pos = h & mask_;
  while (true) {
    const int32_t id = slots_[pos];
    if (id < 0) return -1;
    if (hashes_[id] == h && word(id) == w) return id;
    pos = (pos + 1) & mask_;
  }
}

int32_t WordIndex::insert(std::string_view w, bool* inserted) {
  const uint64_t h = hash_bytes(w);
  uint64_t pos = h & mask_;
  while (true) {
    const int32_t id = slots_[pos];
    if (id < 0) break;
    if (hashes_[id] == h && word(id) == w) {
      if (inserted) *inserted = false;
      return id;
    }
    pos = (pos + 1) & mask_;
  }
  const auto id = static_cast<int32_t>(hashes_.size());
  hashes_.push_back(h);
  arena_.append(w.data(), w.size());
  offsets_.push_back(arena_.size());
  slots_[pos] = id;
  if (hashes_.size() * 2 > slots_.size()) rehash(slots_.size() * 2);
  if (inserted) *inserted = true;
  return id;
}

size_t WordIndex::memory_bytes() const {
  return slots_.capacity() * sizeof(int32_t) + hashes_.capacity() * sizeof(uint64_t) +
         arena_.capacity() + offsets_.capacity() * sizeof(uint64_t);
}

}  // namespace w2v
