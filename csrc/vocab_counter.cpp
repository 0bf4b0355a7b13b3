#include "vocab_counter.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <thread>

#include "phrase_applier.h"

namespace w2v {

void VocabCounter::prune() {
  WordIndex kept;
  std::vector<int64_t> kept_counts;
  for (size_t id = 0; id < counts_.size(); ++id) {
    const std::string_view w = index_.word(static_cast<int32_t>(id));
    if (keep_ ? keep_(w, counts_[id], min_reduce_) : counts_[id] >= min_reduce_) {
      kept.insert(w);
      kept_counts.push_back(counts_[id]);
    }
  }
  index_ = std::move(kept);
  counts_ = std::move(kept_counts);
  ++min_reduce_;
}

void VocabCounter::merge(const VocabCounter& other) {
  constexpr size_t kAhead = 16;  // slots are prefetched this many words ahead
  const size_t n = other.counts_.size();
  for (size_t id = 0; id < std::min(n, kAhead); ++id) index_.prefetch(other.index_.hash(id));
  for (size_t id = 0; id < n; ++id) {
    if (id + kAhead < n) index_.prefetch(other.index_.hash(id + kAhead));
    const int32_t mine = index_.insert(other.word(id), other.index_.hash(id));
    if (static_cast<size_t>(mine) == counts_.size()) counts_.push_back(0);
    counts_[mine] += other.counts_[id];
  }
  total_words_ += other.total_words_;
  sentences_ += other.sentences_;
  if (other.min_reduce_ > min_reduce_) min_reduce_ = other.min_reduce_;
  if (max_vocab_size_ > 0 && static_cast<int64_t>(counts_.size()) > max_vocab_size_) prune();
}

void VocabCounter::merge(VocabCounter&& other) {
  if (empty())
    *this = std::move(other);
  else
    merge(static_cast<const VocabCounter&>(other));
}

FileCount::FileCount(const std::vector<FileSpan>& spans, SplitMode mode,
                     uint32_t max_sentence_length, int workers, int64_t max_vocab_size,
                     const VocabCounter::KeepRule& keep, std::atomic<uint64_t>* bytes_read,
                     const std::atomic<bool>* stop, std::shared_ptr<const PhraseTable> phrases)
    : parts_(partition_spans(spans, workers, mode)),
      counters_(parts_.size(), VocabCounter(max_vocab_size, keep)),
      errors_(parts_.size()),
      phrases_(std::move(phrases)),
      running_(parts_.size()) {
  for (size_t t = 0; t < parts_.size(); ++t) {
    threads_.emplace_back([this, t, mode, max_sentence_length, bytes_read, stop] {
      try {
        SpanReader reader;
        for (const auto& span : parts_[t]) {
          Tokenizer tok(mode, max_sentence_length);
          if (phrases_) {
            const TableJudge judge(*phrases_);
            PhraseSink<TableJudge, VocabCounter> phrased(judge, counters_[t]);
            reader.read(span, tok, phrased, stop, bytes_read);
          } else {
            reader.read(span, tok, counters_[t], stop, bytes_read);
          }
        }
      } catch (...) {
        errors_[t] = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lock(mutex_);
        --running_;
      }
      done_cv_.notify_all();
    });
  }
}

FileCount::~FileCount() {
  for (auto& th : threads_)
    if (th.joinable()) th.join();
}

bool FileCount::wait_for(double seconds) {
  std::unique_lock<std::mutex> lock(mutex_);
  return done_cv_.wait_for(lock, std::chrono::duration<double>(seconds),
                           [&] { return running_ == 0; });
}

VocabCounter FileCount::join() {
  for (auto& th : threads_) th.join();
  threads_.clear();
  for (auto& e : errors_)
    if (e) std::rethrow_exception(e);
  // Merging in file order keeps first-seen order equal to a sequential scan's.
  VocabCounter result = std::move(counters_[0]);
  for (size_t t = 1; t < counters_.size(); ++t) result.merge(counters_[t]);
  return result;
}

VocabCounter VocabCounter::count_files(const std::vector<FileSource>& files, SplitMode mode,
                                       uint32_t max_sentence_length, int workers,
                                       int64_t max_vocab_size, std::atomic<uint64_t>* bytes_read,
                                       const KeepRule& keep, const std::atomic<bool>* stop) {
  return FileCount(whole_files(files), mode, max_sentence_length, workers, max_vocab_size, keep,
                   bytes_read, stop)
      .join();
}

VocabScan::~VocabScan() {
  request_stop();
  files_.reset();  // waits for the threads
}

void VocabScan::require_idle() const {
  if (files_) throw std::logic_error("files are being counted: finish() first");
}

void VocabScan::feed_files(const std::vector<FileSource>& files, SplitMode mode) {
  feed_spans(whole_files(files), mode);
}

void VocabScan::feed_spans(const std::vector<FileSpan>& spans, SplitMode mode) {
  require_idle();
  stop_ = false;
  files_ = std::make_unique<FileCount>(spans, mode, max_len_, workers_, max_vocab_size_, keep_,
                                       &bytes_read_, &stop_, phrases_);
}

void VocabScan::feed_text(const char* data, size_t n, SplitMode mode) {
  require_idle();
  if (!tokenizer_) tokenizer_ = std::make_unique<Tokenizer>(mode, max_len_);
  if (phrases_) {
    if (!phrased_) {
      judge_ = std::make_unique<TableJudge>(*phrases_);
      phrased_ = std::make_unique<PhraseSink<TableJudge, VocabCounter>>(*judge_, counter_);
    }
    tokenizer_->feed(data, n, *phrased_);
  } else {
    tokenizer_->feed(data, n, counter_);
  }
}

VocabCounter& VocabScan::sentence_sink() {
  require_idle();
  return counter_;
}

void VocabScan::end_input() {
  if (tokenizer_ && phrased_)
    tokenizer_->finish(*phrased_);
  else if (tokenizer_)
    tokenizer_->finish(counter_);
  tokenizer_.reset();
  phrased_.reset();
}

bool VocabScan::wait_for(double seconds) { return !files_ || files_->wait_for(seconds); }

void VocabScan::finish() {
  if (!files_) return;
  const std::unique_ptr<FileCount> files = std::move(files_);
  VocabCounter counted = files->join();
  if (!stop_.load()) counter_.merge(std::move(counted));
}

}  // namespace w2v
