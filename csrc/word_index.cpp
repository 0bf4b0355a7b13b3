#include "word_index.h"

#include <cstring>

namespace w2v {

WordIndex::WordIndex(size_t expected) {
  size_t slots = 16;
  while (slots < expected * 2) slots <<= 1;
  rehash(slots);
  offsets_.push_back(0);
}

void WordIndex::rehash(size_t slot_count) {
  slots_.assign(slot_count, Slot{0, -1, 0});
  mask_ = slot_count - 1;
  for (size_t id = 0; id < hashes_.size(); ++id) {
    const std::string_view w = word(static_cast<int32_t>(id));
    uint64_t pos = hashes_[id] & mask_;
    while (slots_[pos].id != -1) pos = (pos + 1) & mask_;
    slots_[pos] = Slot{head_of(w), static_cast<int32_t>(id), make_tag(hashes_[id], w.size())};
  }
}

int32_t WordIndex::insert(std::string_view w, uint64_t h, bool* inserted) {
  const uint64_t head = head_of(w);
  const uint32_t tag = make_tag(h, w.size());
  uint64_t pos = h & mask_;
  while (true) {
    const Slot& slot = slots_[pos];
    if (slot.id < 0) break;
    if (slot.head == head && slot.tag == tag && rest_equals(slot, w)) {
      if (inserted) *inserted = false;
      return slot.id;
    }
    pos = (pos + 1) & mask_;
  }
  const auto id = static_cast<int32_t>(hashes_.size());
  hashes_.push_back(h);
  arena_.append(w.data(), w.size());
  offsets_.push_back(arena_.size());
  slots_[pos] = Slot{head, id, tag};
  if (hashes_.size() * 2 > slots_.size()) rehash(slots_.size() * 2);
  if (inserted) *inserted = true;
  return id;
}

size_t WordIndex::memory_bytes() const {
  return slots_.capacity() * sizeof(Slot) + hashes_.capacity() * sizeof(uint64_t) +
         arena_.capacity() + offsets_.capacity() * sizeof(uint64_t);
}

}  // namespace w2v
