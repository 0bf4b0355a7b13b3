// Tokenising UTF-8 text into sentences, and reading files by byte ranges.
//
// Tokens are what Python's `bytes.decode("utf-8", "replace").split()` gives: separators are
// every character `str.isspace()` accepts, and each maximal invalid UTF-8 subsequence becomes
// U+FFFD. Keeping this identical to the Python readers makes file input and iterable input
// build the same vocabulary.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
#include <emmintrin.h>
#define W2V_SSE2_SCAN 1
#endif

namespace w2v {

enum class SplitMode {
  kLines,   // LineSentence: a sentence ends at '\n'
  kStream,  // Text8Corpus: newlines are ordinary whitespace
};

inline bool is_ascii_space(unsigned char c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

inline bool is_unicode_space(uint32_t cp) {
  return cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
         cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

// First byte in [p, end) that may end a token: an ASCII byte <= 0x20 (every ASCII separator
// is one) or a byte >= 0x80 (a multi-byte character, perhaps a Unicode space). Most words end
// within one 16-byte load, so this replaces a compare-and-branch per byte with one per word.
inline const unsigned char* find_token_break(const unsigned char* p, const unsigned char* end) {
#if defined(W2V_SSE2_SCAN)
  const __m128i limit = _mm_set1_epi8(0x21);
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed compare: bytes >= 0x80 are negative, so one test catches both kinds.
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmplt_epi8(v, limit)));
    if (mask) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p < end && static_cast<signed char>(*p) >= 0x21) ++p;
  return p;
}

// Decodes one UTF-8 sequence starting at p (*p >= 0x80). Returns its length in bytes; on an
// invalid sequence returns the length of its maximal subpart and sets *valid = false.
int decode_utf8(const unsigned char* p, const unsigned char* end, uint32_t* cp, bool* valid);

// Appends `token` to `out` with every invalid subsequence replaced by U+FFFD.
void append_replacing_invalid(std::string_view token, std::string* out);

// Splits a stream of text into sentences. Sink needs `void token(std::string_view)`,
// `void end_sentence()` and `void end_block()`. A token's view stays valid until the
// end_block() that ends each feed() and finish(), so a sink may batch tokens until then.
// Every buffer given to feed() must end at an ASCII whitespace byte or at the end of the
// stream, so no token or UTF-8 sequence straddles two buffers.
class Tokenizer {
 public:
  Tokenizer(SplitMode mode, uint32_t max_sentence_length)
      : mode_(mode), max_len_(max_sentence_length ? max_sentence_length : 1) {}

  template <class Sink>
  void feed(const char* data, size_t n, Sink& sink);

  // Ends the stream: a sentence still open is emitted.
  template <class Sink>
  void finish(Sink& sink) {
    if (in_sentence_) sink.end_sentence();
    in_sentence_ = 0;
    sink.end_block();
  }

 private:
  template <class Sink>
  void emit(std::string_view token, Sink& sink) {
    sink.token(token);
    if (++in_sentence_ == max_len_) {
      sink.end_sentence();
      in_sentence_ = 0;
    }
  }

  SplitMode mode_;
  uint32_t max_len_;
  uint32_t in_sentence_ = 0;
  // Tokens with invalid UTF-8, repaired; a deque so earlier views survive later additions.
  std::deque<std::string> repaired_;
};

template <class Sink>
void Tokenizer::feed(const char* data, size_t n, Sink& sink) {
  repaired_.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  const unsigned char* end = p + n;
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      if (is_ascii_space(c)) {
        if (c == '\n' && mode_ == SplitMode::kLines && in_sentence_) {
          sink.end_sentence();
          in_sentence_ = 0;
        }
        ++p;
        continue;
      }
    } else {
      uint32_t cp;
      bool valid;
      int len = decode_utf8(p, end, &cp, &valid);
      if (valid && is_unicode_space(cp)) {
        p += len;
        continue;
      }
    }
    const unsigned char* start = p;
    bool clean = true;
    while ((p = find_token_break(p, end)) < end) {
      c = *p;
      if (c < 0x80) {
        if (is_ascii_space(c)) break;
        ++p;  // a control character that is not a separator
        continue;
      }
      uint32_t cp;
      bool valid;
      int len = decode_utf8(p, end, &cp, &valid);
      if (valid && is_unicode_space(cp)) break;
      clean &= valid;
      p += len;
    }
    std::string_view token(reinterpret_cast<const char*>(start), static_cast<size_t>(p - start));
    if (clean) {
      emit(token, sink);
    } else {
      repaired_.emplace_back();
      append_replacing_invalid(token, &repaired_.back());
      emit(std::string_view(repaired_.back()), sink);
    }
  }
  sink.end_block();
}

// A file, or its first `size` bytes.
struct FileSource {
  std::string path;
  uint64_t size;
};

// A byte range of one file.
struct FileSpan {
  std::string path;
  uint64_t begin;
  uint64_t end;
};

// The whole of each file, as spans.
std::vector<FileSpan> whole_files(const std::vector<FileSource>& files);
// Throws std::invalid_argument if a span ends before it begins.
void check_spans(const std::vector<FileSpan>& spans);

// Splits the concatenation of `spans` (each starting a sentence, as whole files do) into
// `parts` runs of spans of about equal size. Each cut is moved forward to just after a
// separator ('\n' for kLines, ASCII whitespace for kStream), so every sentence is read by
// exactly one part.
std::vector<std::vector<FileSpan>> partition_spans(const std::vector<FileSpan>& spans, int parts,
                                                   SplitMode mode);
inline std::vector<std::vector<FileSpan>> partition_files(const std::vector<FileSource>& files,
                                                          int parts, SplitMode mode) {
  return partition_spans(whole_files(files), parts, mode);
}

// Streams a span through `tok` into `sink` in blocks. Stops early when *stop becomes true.
class SpanReader {
 public:
  explicit SpanReader(size_t block_size = size_t(1) << 22) : block_size_(block_size) {}

  // `bytes_read`, if given, is advanced as the span is read (for progress bars).
  template <class Sink>
  void read(const FileSpan& span, Tokenizer& tok, Sink& sink, const std::atomic<bool>* stop,
            std::atomic<uint64_t>* bytes_read = nullptr);

 private:
  size_t block_size_;
  std::string buf_;
};

// Opens `path` for binary reading positioned at `offset`; throws std::runtime_error.
std::FILE* open_for_reading(const std::string& path, uint64_t offset);

template <class Sink>
void SpanReader::read(const FileSpan& span, Tokenizer& tok, Sink& sink,
                      const std::atomic<bool>* stop, std::atomic<uint64_t>* bytes_read) {
  std::FILE* f = open_for_reading(span.path, span.begin);
  struct Closer {
    std::FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{f};
  uint64_t pos = span.begin;
  size_t carry = 0;  // bytes at the start of buf_ not yet tokenised
  while (pos < span.end) {
    if (stop && stop->load(std::memory_order_relaxed)) return;
    const size_t want = static_cast<size_t>(std::min<uint64_t>(block_size_, span.end - pos));
    buf_.resize(carry + want);
    const size_t got = std::fread(&buf_[carry], 1, want, f);
    if (got == 0) break;  // the file shrank under us: stop where its data stops
    pos += got;
    if (bytes_read) bytes_read->fetch_add(got, std::memory_order_relaxed);
    size_t filled = carry + got;
    size_t cut = filled;
    if (pos < span.end) {
      // Tokenise up to the last ASCII whitespace; keep the tail for the next block.
      while (cut > 0 && !is_ascii_space(static_cast<unsigned char>(buf_[cut - 1]))) --cut;
    }
    tok.feed(buf_.data(), cut, sink);
    carry = filled - cut;
    if (carry) std::memmove(&buf_[0], &buf_[cut], carry);
  }
  if (carry) tok.feed(buf_.data(), carry, sink);
  tok.finish(sink);
}

}  // namespace w2v
