// What phrase detection and phrase application share: the delimiter that joins the words of
// a phrase and the connector words (gensim's connector_words), which may sit inside a phrase
// but never start or end one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "word_index.h"

namespace w2v {

class PhraseRules {
 public:
  PhraseRules(std::string delimiter, const std::vector<std::string>& connectors)
      : delimiter_(std::move(delimiter)), connectors_(connectors.size() * 2 + 16) {
    for (const auto& c : connectors) connectors_.insert(c);
  }

  const std::string& delimiter() const { return delimiter_; }
  bool is_connector(std::string_view w) const {
    return connectors_.size() != 0 && connectors_.find(w) >= 0;
  }
  bool is_connector(std::string_view w, uint64_t hash) const {
    return connectors_.size() != 0 && connectors_.find(w, hash) >= 0;
  }
  size_t connector_count() const { return connectors_.size(); }
  std::string_view connector(size_t i) const { return connectors_.word(static_cast<int32_t>(i)); }

  // The first and last pieces of `key` split by the delimiter the way Python's str.split
  // does (left to right, matches never overlapping). False when the delimiter is absent.
  bool ends_of(std::string_view key, std::string_view* first, std::string_view* last) const {
    const size_t d = delimiter_.size();
    size_t pos = key.find(delimiter_);
    if (d == 0 || pos == std::string_view::npos) return false;
    *first = key.substr(0, pos);
    size_t after = pos + d;
    while ((pos = key.find(delimiter_, after)) != std::string_view::npos) after = pos + d;
    *last = key.substr(after);
    return true;
  }

 private:
  std::string delimiter_;
  WordIndex connectors_;
};

}  // namespace w2v
