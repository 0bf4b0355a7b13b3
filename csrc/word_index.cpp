#include "word_index.h"

#include <algorithm>
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

WordIndex WordIndex::from_distinct(std::string arena, std::vector<uint64_t> offsets,
                                   std::vector<uint64_t> hashes) {
  WordIndex index(1);
  index.arena_ = std::move(arena);
  index.offsets_ = std::move(offsets);
  index.hashes_ = std::move(hashes);
  size_t slots = 16;
  while (slots < index.hashes_.size() * 2) slots <<= 1;
  index.place_sorted(slots);
  return index;
}

namespace {

// Sorts `v` by bits [shift, shift + bits) of its values (least significant digit first).
void radix_sort(std::vector<uint64_t>* v, int shift, int bits) {
  constexpr int kDigit = 11;
  std::vector<uint64_t> tmp(v->size());
  for (int done = 0; done < bits; done += kDigit) {
    const int s = shift + done;
    const uint64_t mask = (uint64_t{1} << std::min(kDigit, bits - done)) - 1;
    std::vector<size_t> start(mask + 2, 0);
    for (uint64_t x : *v) ++start[((x >> s) & mask) + 1];
    for (size_t d = 1; d < start.size(); ++d) start[d] += start[d - 1];
    for (uint64_t x : *v) tmp[start[(x >> s) & mask]++] = x;
    v->swap(tmp);
  }
}

}  // namespace

void WordIndex::place_sorted(size_t slot_count) {
  mask_ = slot_count - 1;
  int bits = 0;
  while ((size_t{1} << bits) < slot_count) ++bits;
  // (home slot, id) pairs sorted by home slot; linear probing then places each key at its
  // home or just after the key placed before it.
  std::vector<uint64_t> order(hashes_.size());
  for (size_t id = 0; id < order.size(); ++id) order[id] = (hashes_[id] & mask_) << 32 | id;
  radix_sort(&order, 32, bits);
  slots_.assign(slot_count, Slot{0, -1, 0});
  auto slot_of = [&](uint32_t id) {
    const std::string_view w = word(static_cast<int32_t>(id));
    return Slot{head_of(w), static_cast<int32_t>(id), make_tag(hashes_[id], w.size())};
  };
  std::vector<uint32_t> wrapped;  // keys whose run passes the last slot go on from slot 0
  uint64_t next = 0;
  // The ids come in slot order, at random: their offsets are loaded two steps ahead, their
  // first bytes one step ahead.
  constexpr size_t kAhead = 16;
  const size_t n = order.size();
  for (size_t i = 0; i < n; ++i) {
    if (i + 2 * kAhead < n) {
      const auto far = static_cast<uint32_t>(order[i + 2 * kAhead]);
      __builtin_prefetch(&offsets_[far]);
      __builtin_prefetch(&hashes_[far]);
    }
    if (i + kAhead < n)
      __builtin_prefetch(arena_.data() + offsets_[static_cast<uint32_t>(order[i + kAhead])]);
    const uint64_t e = order[i];
    const auto id = static_cast<uint32_t>(e);
    const uint64_t pos = std::max(e >> 32, next);
    if (pos > mask_) {
      wrapped.push_back(id);
      continue;
    }
    slots_[pos] = slot_of(id);
    next = pos + 1;
  }
  for (uint32_t id : wrapped) {
    uint64_t pos = 0;
    while (slots_[pos].id != -1) ++pos;
    slots_[pos] = slot_of(id);
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
