// Writing a phrased copy of a corpus: one sentence per line, tokens joined by single spaces
// (what iterating frozen_phrases[LineSentence(path)] and writing each sentence gives).
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "phrase_applier.h"
#include "text_reader.h"

namespace w2v {

// A growable byte buffer that, unlike std::string, is not zero-filled when it grows, and
// keeps kSlack bytes past its capacity so short tokens can be copied in one 16-byte store.
class TextBuffer {
 public:
  static constexpr size_t kSlack = 16;
  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void clear() { size_ = 0; }
  // Room for `n` more bytes (plus the slack) at end().
  char* reserve_more(size_t n) {
    if (size_ + n > capacity_) grow(size_ + n);
    return data_.get() + size_;
  }
  void advance(size_t n) { size_ += n; }

 private:
  void grow(size_t need) {
    const size_t cap = std::max(need, capacity_ * 2 + 4096);
    std::unique_ptr<char[]> bigger(new char[cap + kSlack]);
    if (size_) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = cap;
  }
  std::unique_ptr<char[]> data_;
  size_t size_ = 0, capacity_ = 0;
};

// Copies the n bytes at src to dst (which has TextBuffer::kSlack bytes to spare). A word of at
// most 16 bytes is copied by one 16-byte load and store when the load stays inside the page
// (so it cannot fault): most words are, and this saves a call to memcpy per word.
W2V_NO_ASAN inline void copy_token(char* dst, const char* src, size_t n) {
#if defined(W2V_SSE2_SCAN)
  if (n <= 16 && (reinterpret_cast<uintptr_t>(src) & 4095) <= 4096 - 16) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(src)));
    return;
  }
#endif
  std::memcpy(dst, src, n);
}

// Appends sentences as text lines to a buffer.
struct LineWriter {
  static constexpr bool kCopiesTokens = true;  // PhraseSink may stream tokens to it
  TextBuffer* out;
  bool first = true;
  uint64_t words = 0;
  uint64_t sentences = 0;
  void token(std::string_view w) {
    char* p = out->reserve_more(w.size() + 1);
    const size_t space = first ? 0 : 1;
    *p = ' ';  // overwritten by the token when this is the sentence's first
    copy_token(p + space, w.data(), w.size());
    out->advance(space + w.size());
    first = false;
    ++words;
  }
  void end_sentence() {
    *out->reserve_more(1) = '\n';
    out->advance(1);
    first = true;
    ++sentences;
  }
  void end_block() {}
};

// Writes a phrased copy of a corpus with `workers` threads. Plain files are cut into pieces
// of about 2 MiB (at line ends, as the vocabulary scan cuts its parts); text fed in pieces
// (compressed input, read by the caller) is queued as it comes. Each thread takes the next
// piece, phrases it into a buffer and hands the buffer over; whichever thread finds the next
// piece due writes it (and any after it that are ready), so the output keeps the input's order
// and no thread waits for another's piece. At most a few pieces are ahead of the writing.
// Text in stream mode (Text8Corpus: sentences cut by their position in the whole stream) is
// phrased in the caller's thread, in order.
class PhraseTransform {
 public:
  PhraseTransform(std::shared_ptr<const PhraseTable> table, const std::string& target,
                  uint32_t max_sentence_length, int workers);
  ~PhraseTransform();
  PhraseTransform(const PhraseTransform&) = delete;
  PhraseTransform& operator=(const PhraseTransform&) = delete;

  void feed_files(const std::vector<FileSource>& files, SplitMode mode);
  // Phrases `n` bytes of text ending at ASCII whitespace (at a newline in lines mode); in
  // lines mode the text is copied and queued, and this waits only while the queue is full.
  // False once the transform has stopped (after an error): feed no more.
  bool feed_text(const char* data, size_t n, SplitMode mode);
  void end_input();
  bool wait_for(double seconds);
  // Waits for the threads, closes the target and rethrows the first error.
  void finish();
  void request_stop();

  uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }
  uint64_t words_written() const { return words_.load(); }
  uint64_t sentences_written() const { return sentences_.load(); }

 private:
  // One piece of input: spans of files, or text.
  struct Piece {
    std::vector<FileSpan> spans;
    std::string text;
  };
  void start_threads(int count);
  void work();
  // The next piece to phrase and its number; false when there is none (or on stop).
  bool next_piece(size_t* k, Piece* piece);
  // Hands over the output of piece k; writes every piece now due.
  void deliver(size_t k, TextBuffer* text, uint64_t words, uint64_t sentences);
  void write(const TextBuffer& text);
  void fail(std::exception_ptr e);

  std::shared_ptr<const PhraseTable> table_;
  std::string target_;
  uint32_t max_len_;
  int workers_;
  SplitMode mode_ = SplitMode::kLines;
  std::FILE* out_ = nullptr;
  std::atomic<uint64_t> bytes_read_{0};
  std::atomic<uint64_t> words_{0};
  std::atomic<uint64_t> sentences_{0};
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;

  std::mutex mutex_;  // guards everything below
  // Signalled when a piece is queued, taken or written, the input ends, a thread ends, or on
  // stop (few threads wait on it, so one condition serves them all).
  std::condition_variable changed_;
  std::vector<std::vector<FileSpan>> file_pieces_;
  std::deque<std::string> text_queue_;
  bool input_ended_ = false;
  size_t taken_ = 0;    // pieces taken by threads
  size_t queued_ = 0;   // pieces given (file pieces, or text pieces fed)
  size_t written_ = 0;  // pieces written
  bool writing_ = false;
  std::map<size_t, TextBuffer> ready_;  // phrased pieces waiting for their turn
  std::vector<TextBuffer> spare_;       // buffers to reuse
  int running_ = 0;
  std::exception_ptr error_;

  // Stream-mode text, phrased in the caller's thread.
  std::unique_ptr<TableJudge> judge_;
  std::unique_ptr<Tokenizer> tokenizer_;
  TextBuffer text_out_;
  LineWriter text_writer_{&text_out_};
  std::unique_ptr<PhraseSink<TableJudge, LineWriter>> text_sink_;
};

}  // namespace w2v
