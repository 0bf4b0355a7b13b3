// Open-addressing hash map from a word's UTF-8 bytes to a dense id.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace w2v {

uint64_t hash_bytes(std::string_view s);

// Ids are dense and follow insertion order, so id order doubles as first-seen order.
class WordIndex {
 public:
  explicit WordIndex(size_t expected = 1024);

  int32_t find(std::string_view word) const;
  // Returns the id of `word`, inserting it when new.
  int32_t insert(std::string_view word, bool* inserted = nullptr);
  std::string_view word(int32_t id) const {
    return std::string_view(arena_.data() + offsets_[id], offsets_[id + 1] - offsets_[id]);
  }
  size_t size() const { return offsets_.size() - 1; }
  size_t memory_bytes() const;

 private:
  void rehash(size_t slot_count);

  std::vector<int32_t> slots_;    // -1 = empty
  std::vector<uint64_t> hashes_;  // one per id, kept to rehash without rereading keys
  std::string arena_;             // all keys back to back
  std::vector<uint64_t> offsets_;
  uint64_t mask_ = 0;
};

}  // namespace w2v
