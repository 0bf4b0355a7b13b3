#include "word_index.h"

#include <cstring>

namespace w2v {

namespace {

inline uint64_t mix(uint64_t x) {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  return x;
}

}  // namespace

uint64_t hash_bytes(std::string_view s) {
  // Eight bytes per step (most words fit in one or two), then a final avalanche so the low
  // bits used for slots and the high bits used as tags are both well mixed.
  const char* p = s.data();
  size_t n = s.size();
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ (n * 0xff51afd7ed558ccdULL);
  while (n >= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ mix(v)) * 0xc4ceb9fe1a85ec53ULL;
    p += 8;
    n -= 8;
  }
  if (n) {
    // Assembled in a register: a byte-wise memcpy into a word stalls store forwarding.
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i)
      v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    h = (h ^ mix(v ^ (0xa0761d6478bd642fULL * n))) * 0xc4ceb9fe1a85ec53ULL;
  }
  return mix(h ^ (h >> 29));
}

WordIndex::WordIndex(size_t expected) {
  size_t slots = 16;
  while (slots < expected * 2) slots <<= 1;
  rehash(slots);
  offsets_.push_back(0);
}

void WordIndex::rehash(size_t slot_count) {
  slots_.assign(slot_count, Slot{-1, 0});
  mask_ = slot_count - 1;
  for (size_t id = 0; id < hashes_.size(); ++id) {
    uint64_t pos = hashes_[id] & mask_;
    while (slots_[pos].id != -1) pos = (pos + 1) & mask_;
    slots_[pos] = Slot{static_cast<int32_t>(id), static_cast<uint32_t>(hashes_[id] >> 32)};
  }
}

int32_t WordIndex::find(std::string_view w, uint64_t h) const {
  const auto tag = static_cast<uint32_t>(h >> 32);
  uint64_t pos = h & mask_;
  while (true) {
    const Slot slot = slots_[pos];
    if (slot.id < 0) return -1;
    if (slot.tag == tag && key_equals(slot.id, w)) return slot.id;
    pos = (pos + 1) & mask_;
  }
}

int32_t WordIndex::insert(std::string_view w, uint64_t h, bool* inserted) {
  const auto tag = static_cast<uint32_t>(h >> 32);
  uint64_t pos = h & mask_;
  while (true) {
    const Slot slot = slots_[pos];
    if (slot.id < 0) break;
    if (slot.tag == tag && key_equals(slot.id, w)) {
      if (inserted) *inserted = false;
      return slot.id;
    }
    pos = (pos + 1) & mask_;
  }
  const auto id = static_cast<int32_t>(hashes_.size());
  hashes_.push_back(h);
  arena_.append(w.data(), w.size());
  offsets_.push_back(arena_.size());
  slots_[pos] = Slot{id, tag};
  if (hashes_.size() * 2 > slots_.size()) rehash(slots_.size() * 2);
  if (inserted) *inserted = true;
  return id;
}

size_t WordIndex::memory_bytes() const {
  return slots_.capacity() * sizeof(Slot) + hashes_.capacity() * sizeof(uint64_t) +
         arena_.capacity() + offsets_.capacity() * sizeof(uint64_t);
}

}  // namespace w2v
