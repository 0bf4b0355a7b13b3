// gensim's two bigram scores, computed with the same floating-point operations in the same
// order as gensim.models.phrases, so w2v and gensim agree to the last bit.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace w2v {

enum class PhraseScoring { kDefault, kNpmi };

// What a score depends on besides the three counts.
struct ScoringParams {
  PhraseScoring scoring = PhraseScoring::kDefault;
  double min_count = 5;
  double threshold = 10;
  int64_t len_vocab = 0;          // entries in the vocabulary, unigrams and phrases alike
  int64_t corpus_word_count = 0;  // tokens counted, connector words included
};

// Mikolov et al.: (count(ab) - min_count) / (count(a) * count(b)) * len_vocab.
inline double original_score(int64_t a, int64_t b, int64_t ab, double min_count,
                             int64_t len_vocab) {
  // The product is exact in Python; 128 bits keep it exact here before the one rounding.
  const unsigned __int128 denom =
      static_cast<unsigned __int128>(static_cast<uint64_t>(a)) * static_cast<uint64_t>(b);
  if (denom == 0) return -std::numeric_limits<double>::infinity();
  return (static_cast<double>(ab) - min_count) / static_cast<double>(denom) *
         static_cast<double>(len_vocab);
}

// Bouma's normalised PMI, in [-1, 1]; -inf below min_count or when a count is zero.
inline double npmi_score(int64_t a, int64_t b, int64_t ab, double min_count,
                         int64_t corpus_word_count) {
  if (!(static_cast<double>(ab) >= min_count)) return -std::numeric_limits<double>::infinity();
  const double n = static_cast<double>(corpus_word_count);
  const double pa = static_cast<double>(a) / n;
  const double pb = static_cast<double>(b) / n;
  const double pab = static_cast<double>(ab) / n;
  const double ratio = pab / (pa * pb);
  if (!(ratio > 0) || !(pab > 0)) return -std::numeric_limits<double>::infinity();
  return std::log(ratio) / -std::log(pab);
}

inline double phrase_score(const ScoringParams& p, int64_t a, int64_t b, int64_t ab) {
  return p.scoring == PhraseScoring::kNpmi ? npmi_score(a, b, ab, p.min_count, p.corpus_word_count)
                                           : original_score(a, b, ab, p.min_count, p.len_vocab);
}

}  // namespace w2v
