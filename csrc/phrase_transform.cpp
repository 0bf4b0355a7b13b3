#include "phrase_transform.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace w2v {

namespace {
// Small enough that the threads end together (the last piece is a small part of the whole),
// large enough that handing pieces over costs nothing.
constexpr uint64_t kPieceBytes = uint64_t(2) << 20;
// Pieces taken or queued but not yet written, per thread and beyond: bounds the memory held.
size_t pieces_ahead(int workers) { return static_cast<size_t>(workers) + 2; }
}  // namespace

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

void PhraseTransform::start_threads(int count) {
  running_ = count;
  for (int t = 0; t < count; ++t) threads_.emplace_back([this] { work(); });
}

void PhraseTransform::feed_files(const std::vector<FileSource>& files, SplitMode mode) {
  if (!threads_.empty() || tokenizer_) throw std::logic_error("input is already being phrased");
  uint64_t total = 0;
  for (const auto& f : files) total += f.size;
  // Stream-mode sentences are cut by their position in the whole stream: one piece.
  int pieces = 1;
  if (mode == SplitMode::kLines)
    pieces =
        static_cast<int>(std::max<uint64_t>(1, std::min<uint64_t>(1 << 20, total / kPieceBytes)));
  mode_ = mode;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    file_pieces_ = partition_files(files, pieces, mode);
    queued_ = file_pieces_.size();
    input_ended_ = true;
  }
  start_threads(std::min(workers_, pieces));
}

bool PhraseTransform::feed_text(const char* data, size_t n, SplitMode mode) {
  if (mode == SplitMode::kStream || tokenizer_) {
    if (!threads_.empty()) throw std::logic_error("input is already being phrased");
    if (!tokenizer_) {
      mode_ = mode;
      tokenizer_ = std::make_unique<Tokenizer>(mode, max_len_);
      text_sink_ = std::make_unique<PhraseSink<TableJudge, LineWriter>>(*judge_, text_writer_);
    }
    tokenizer_->feed(data, n, *text_sink_);
    bytes_read_ += n;
    write(text_out_);
    text_out_.clear();
    return true;
  }
  if (threads_.empty()) {
    mode_ = mode;
    start_threads(workers_);
  } else if (!file_pieces_.empty()) {
    throw std::logic_error("input is already being phrased");
  }
  std::string text(data, n);  // copied before waiting: the caller's buffer may go
  std::unique_lock<std::mutex> lock(mutex_);
  const size_t ahead = pieces_ahead(workers_);
  changed_.wait(lock, [&] { return stop_.load() || queued_ - written_ < ahead; });
  if (stop_.load()) return false;
  text_queue_.push_back(std::move(text));
  ++queued_;
  bytes_read_ += n;
  lock.unlock();
  changed_.notify_all();
  return true;
}

void PhraseTransform::end_input() {
  if (tokenizer_) {
    tokenizer_->finish(*text_sink_);
    write(text_out_);
    text_out_.clear();
    words_ += text_writer_.words;
    sentences_ += text_writer_.sentences;
    tokenizer_.reset();
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    input_ended_ = true;
  }
  changed_.notify_all();
}

bool PhraseTransform::next_piece(size_t* k, Piece* piece) {
  std::unique_lock<std::mutex> lock(mutex_);
  const size_t ahead = pieces_ahead(workers_);
  changed_.wait(lock, [&] {
    return stop_.load() || (taken_ < queued_ && taken_ < written_ + ahead) ||
           (input_ended_ && taken_ == queued_);
  });
  if (stop_.load() || taken_ == queued_) return false;
  *k = taken_++;
  if (*k < file_pieces_.size()) {
    piece->spans = file_pieces_[*k];
    piece->text.clear();
  } else {
    piece->spans.clear();
    piece->text = std::move(text_queue_.front());
    text_queue_.pop_front();
  }
  return true;
}

void PhraseTransform::deliver(size_t k, TextBuffer* text, uint64_t words, uint64_t sentences) {
  words_ += words;
  sentences_ += sentences;
  std::unique_lock<std::mutex> lock(mutex_);
  ready_[k] = std::move(*text);
  *text = TextBuffer();
  if (!spare_.empty()) {
    *text = std::move(spare_.back());
    spare_.pop_back();
  }
  if (writing_) return;  // the thread writing will write this too when its turn comes
  writing_ = true;
  try {
    for (auto it = ready_.find(written_); it != ready_.end() && !stop_.load();
         it = ready_.find(written_)) {
      TextBuffer due = std::move(it->second);
      ready_.erase(it);
      lock.unlock();
      write(due);  // outside the lock: the other threads go on handing over their pieces
      due.clear();
      lock.lock();
      spare_.push_back(std::move(due));
      ++written_;
      changed_.notify_all();
    }
  } catch (...) {
    if (!lock.owns_lock()) lock.lock();
    writing_ = false;
    throw;
  }
  writing_ = false;
}

void PhraseTransform::work() {
  try {
    TextBuffer out;
    SpanReader reader;
    Piece piece;
    size_t k;
    while (next_piece(&k, &piece)) {
      out.clear();
      LineWriter writer{&out};
      PhraseSink<TableJudge, LineWriter> sink(*judge_, writer);
      for (const auto& span : piece.spans) {
        Tokenizer tok(mode_, max_len_);
        reader.read(span, tok, sink, &stop_, &bytes_read_);
      }
      if (!piece.text.empty()) {
        Tokenizer tok(mode_, max_len_);
        tok.feed(piece.text.data(), piece.text.size(), sink);
        tok.finish(sink);
      }
      if (stop_.load()) break;
      deliver(k, &out, writer.words, writer.sentences);
    }
  } catch (...) {
    fail(std::current_exception());
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --running_;
  }
  changed_.notify_all();
}

void PhraseTransform::fail(std::exception_ptr e) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!error_) error_ = e;
    stop_ = true;
  }
  changed_.notify_all();
}

void PhraseTransform::request_stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
}

void PhraseTransform::write(const TextBuffer& text) {
  if (text.empty()) return;
  if (std::fwrite(text.data(), 1, text.size(), out_) != text.size())
    throw std::runtime_error("cannot write " + target_ + ": " + std::strerror(errno));
}

bool PhraseTransform::wait_for(double seconds) {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, std::chrono::duration<double>(seconds),
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
