// Writing a phrased copy of a corpus: one sentence per line, tokens joined by single spaces
// (what iterating frozen_phrases[LineSentence(path)] and writing each sentence gives).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "phrase_applier.h"
#include "text_reader.h"

namespace w2v {

// Appends sentences as text lines to a string.
struct LineWriter {
  std::string* out;
  bool first = true;
  uint64_t words = 0;
  uint64_t sentences = 0;
  void token(std::string_view w) {
    if (!first) out->push_back(' ');
    out->append(w);
    first = false;
    ++words;
  }
  void end_sentence() {
    out->push_back('\n');
    first = true;
    ++sentences;
  }
  void end_block() {}
};

// Plain files are phrased by `workers` threads in the background, each taking the next
// piece of about 8 MiB (cut at a line end, as the vocabulary scan cuts its parts) and
// writing its output once every earlier piece is written, so the output keeps the input's
// order. Text pieces (compressed input) are phrased in the caller's thread.
class PhraseTransform {
 public:
  PhraseTransform(std::shared_ptr<const PhraseTable> table, const std::string& target,
                  uint32_t max_sentence_length, int workers);
  ~PhraseTransform();
  PhraseTransform(const PhraseTransform&) = delete;
  PhraseTransform& operator=(const PhraseTransform&) = delete;

  void feed_files(const std::vector<FileSource>& files, SplitMode mode);
  void feed_text(const char* data, size_t n, SplitMode mode);
  void end_input();
  bool wait_for(double seconds);
  // Waits for the threads, closes the target and rethrows the first error.
  void finish();
  void request_stop();

  uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }
  uint64_t words_written() const { return words_.load(); }
  uint64_t sentences_written() const { return sentences_.load(); }

 private:
  void work(const std::vector<std::vector<FileSpan>>* pieces, SplitMode mode);
  void write(const std::string& text);
  void fail(std::exception_ptr e);

  std::shared_ptr<const PhraseTable> table_;
  std::string target_;
  uint32_t max_len_;
  int workers_;
  std::FILE* out_ = nullptr;
  std::vector<std::vector<FileSpan>> pieces_;
  std::atomic<size_t> next_piece_{0};
  std::atomic<uint64_t> bytes_read_{0};
  std::atomic<uint64_t> words_{0};
  std::atomic<uint64_t> sentences_{0};
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable turn_cv_, done_cv_;
  size_t written_ = 0;  // pieces written so far; guarded by mutex_
  int running_ = 0;     // guarded by mutex_
  std::exception_ptr error_;
  // The text stream being fed, if any.
  std::unique_ptr<Tokenizer> tokenizer_;
  std::string text_out_;
  LineWriter text_writer_{&text_out_};
  std::unique_ptr<PhraseSink<TableJudge, LineWriter>> text_sink_;
  std::unique_ptr<TableJudge> judge_;
};

}  // namespace w2v
