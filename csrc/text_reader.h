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
#include <string>
#include <string_view>
#include <vector>

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

// Decodes one UTF-8 sequence starting at p (*p >= 0x80). Returns its length in bytes; on an
// invalid sequence returns the length of its maximal subpart and sets *valid = false.
int decode_utf8(const unsigned char* p, const unsigned char* end, uint32_t* cp, bool* valid);

// Appends `token` to `out` with every invalid subsequence replaced by U+FFFD.
void append_replacing_invalid(std::string_view token, std::string* out);

// Splits a stream of text into sentences. Sink needs `void token(std::string_view)` and
// `void end_sentence()`. Every buffer given to feed() must end at an ASCII whitespace byte
// or at the end of the stream, so no token or UTF-8 sequence straddles two buffers.
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
  std::string scratch_;
};

template <class Sink>
void Tokenizer::feed(const char* data, size_t n, Sink& sink) {
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
    while (p < end) {
      c = *p;
      if (c < 0x80) {
        if (is_ascii_space(c)) break;
        ++p;
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
      scratch_.clear();
      append_replacing_invalid(token, &scratch_);
      emit(std::string_view(scratch_), sink);
    }
  }
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

// Splits the concatenation of `files` into `parts` runs of spans of about equal size. Each
// cut is moved forward to just after a separator ('\n' for kLines, ASCII whitespace for
// kStream), so every sentence is read by exactly one part.
std::vector<std::vector<FileSpan>> partition_files(const std::vector<FileSource>& files, int parts,
                                                   SplitMode mode);

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
