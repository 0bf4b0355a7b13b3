#include "phrase_transform.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace w2v {

namespace {
constexpr uint64_t kPieceBytes = uint64_t(8) << 20;
}

PhraseTransform::PhraseTransform(std::shared_ptr<const PhraseTable> table,
                                 const std::string& target, uint32_t max_sentence_length,
                                 int workers)
    : table_(std::move(table)),
      target_(target),
      max_len_(max_sentence_length),
      workers_(workers < 1 ? 1 : workers),
      judge_(std::make_unique<TableJudge>(*table_)) {
  out_ = std::fopen(target.c_str(), "wb");
  if (!out_) throw std::runtime_error("cannot write " + target + ": " + std::strerror(errno));
}

PhraseTransform::~PhraseTransform() {
  request_stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  if (out_) std::fclose(out_);
}

void PhraseTransform::feed_files(const std::vector<FileSource>& files, SplitMode mode) {
  if (!threads_.empty()) throw std::logic_error("files are already being phrased");
  uint64_t total = 0;
  for (const auto& f : files) total += f.size;
  // Stream-mode sentences are cut by their position in the whole stream: one piece.
  int pieces = 1;
  if (mode == SplitMode::kLines)
    pieces =
        static_cast<int>(std::max<uint64_t>(1, std::min<uint64_t>(1 << 20, total / kPieceBytes)));
  pieces_ = partition_files(files, pieces, mode);
  running_ = std::min(workers_, pieces);
  for (int t = 0; t < running_; ++t) threads_.emplace_back([this, mode] { work(&pieces_, mode); });
}

void PhraseTransform::fail(std::exception_ptr e) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_) error_ = e;
    stop_ = true;
  }
  turn_cv_.notify_all();
}

void PhraseTransform::request_stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  turn_cv_.notify_all();
}

void PhraseTransform::write(const std::string& text) {
  if (text.empty()) return;
  if (std::fwrite(text.data(), 1, text.size(), out_) != text.size())
    throw std::runtime_error("cannot write " + target_ + ": " + std::strerror(errno));
}

void PhraseTransform::work(const std::vector<std::vector<FileSpan>>* pieces, SplitMode mode) {
  try {
    std::string text;
    SpanReader reader;
    while (!stop_.load()) {
      const size_t k = next_piece_.fetch_add(1);
      if (k >= pieces->size()) break;
      text.clear();
      LineWriter writer{&text};
      PhraseSink<TableJudge, LineWriter> sink(*judge_, writer);
      for (const auto& span : (*pieces)[k]) {
        Tokenizer tok(mode, max_len_);
        reader.read(span, tok, sink, &stop_, &bytes_read_);
      }
      std::unique_lock<std::mutex> lock(mutex_);
      turn_cv_.wait(lock, [&] { return written_ == k || stop_.load(); });
      if (stop_.load()) break;
      write(text);  // under the lock: pieces go out in order, one at a time
      words_ += writer.words;
      sentences_ += writer.sentences;
      ++written_;
      lock.unlock();
      turn_cv_.notify_all();
    }
  } catch (...) {
    fail(std::current_exception());
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --running_;
  }
  done_cv_.notify_all();
}

void PhraseTransform::feed_text(const char* data, size_t n, SplitMode mode) {
  if (!threads_.empty()) throw std::logic_error("files are already being phrased");
  if (!tokenizer_) {
    tokenizer_ = std::make_unique<Tokenizer>(mode, max_len_);
    text_sink_ = std::make_unique<PhraseSink<TableJudge, LineWriter>>(*judge_, text_writer_);
  }
  tokenizer_->feed(data, n, *text_sink_);
  bytes_read_ += n;
  write(text_out_);
  text_out_.clear();
}

void PhraseTransform::end_input() {
  if (!tokenizer_) return;
  tokenizer_->finish(*text_sink_);
  write(text_out_);
  text_out_.clear();
  words_ += text_writer_.words;
  sentences_ += text_writer_.sentences;
  tokenizer_.reset();
}

bool PhraseTransform::wait_for(double seconds) {
  std::unique_lock<std::mutex> lock(mutex_);
  return done_cv_.wait_for(lock, std::chrono::duration<double>(seconds),
                           [&] { return running_ == 0; });
}

void PhraseTransform::finish() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  std::FILE* f = out_;
  out_ = nullptr;
  const bool closed = f && std::fclose(f) == 0;
  if (error_) std::rethrow_exception(error_);
  if (f && !closed)
    throw std::runtime_error("cannot write " + target_ + ": " + std::strerror(errno));
}

}  // namespace w2v
