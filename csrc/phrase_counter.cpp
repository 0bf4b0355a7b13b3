#include "phrase_counter.h"

#include <chrono>

namespace w2v {

void PhraseCounter::token(std::string_view w) {
  ++total_words_;
  const std::string& delim = rules_->delimiter();
  if (rules_->is_connector(w)) {
    if (has_start_) {
      between_ += delim;
      between_ += w;
    }
    return;
  }
  if (has_start_) {
    queue(w);
    queue(start_, between_, delim, w);
  } else {
    queue(w);
  }
  start_.assign(w);
  has_start_ = true;
  between_.clear();
}

void PhraseCounter::end_sentence() {
  flush();
  has_start_ = false;
  between_.clear();
  ++sentences_;
  if (static_cast<int64_t>(counts_.size()) > max_vocab_size_) {
    if (limit_) {
      limit_->store(true, std::memory_order_relaxed);
    } else {
      prune(min_reduce_);
      ++min_reduce_;
    }
  }
}

void PhraseCounter::drop_pending() {
  pending_.clear();
  queued_.clear();
  has_start_ = false;
  between_.clear();
}

void PhraseCounter::queue(std::string_view piece1, std::string_view piece2, std::string_view piece3,
                          std::string_view piece4) {
  if (queued_.size() == 16) flush();
  const size_t offset = pending_.size();
  pending_ += piece1;
  pending_ += piece2;
  pending_ += piece3;
  pending_ += piece4;
  const std::string_view key(pending_.data() + offset, pending_.size() - offset);
  const uint64_t h = hash_bytes(key);
  index_.prefetch(h);
  queued_.push_back(Pending{offset, key.size(), h});
}

void PhraseCounter::flush() {
  for (const Pending& p : queued_) {
    const std::string_view key(pending_.data() + p.offset, p.size);
    const int32_t id = index_.insert(key, p.hash);  // one probe, found or inserted
    if (static_cast<size_t>(id) == counts_.size()) counts_.push_back(0);
    ++counts_[id];
  }
  queued_.clear();
  pending_.clear();
}

void PhraseCounter::merge(const PhraseCounter& other) {
  const size_t n = other.counts_.size();
  for (size_t id = 0; id < n; ++id) {
    const int32_t mine = index_.insert(other.key(id), other.index_.hash(id));
    if (static_cast<size_t>(mine) == counts_.size()) counts_.push_back(0);
    counts_[mine] += other.counts_[id];
  }
  total_words_ += other.total_words_;
  sentences_ += other.sentences_;
}

void PhraseCounter::add(std::string_view key, int64_t n) {
  const int32_t id = index_.insert(key);
  if (static_cast<size_t>(id) == counts_.size()) counts_.push_back(0);
  counts_[id] += n;
}

void PhraseCounter::prune(int64_t min_reduce) {
  WordIndex kept(counts_.size());
  std::vector<int64_t> kept_counts;
  for (size_t id = 0; id < counts_.size(); ++id) {
    if (counts_[id] >= min_reduce) {
      kept.insert(key(id), index_.hash(id));
      kept_counts.push_back(counts_[id]);
    }
  }
  index_ = std::move(kept);
  counts_ = std::move(kept_counts);
}

void PhraseCounter::export_phrases(const ScoringParams& p, std::vector<int32_t>* ids,
                                   std::vector<double>* scores) const {
  std::string_view first, last;
  for (size_t id = 0; id < counts_.size(); ++id) {
    if (!rules_->ends_of(key(id), &first, &last)) continue;
    const int64_t a = count(first);
    if (a <= 0) continue;
    const int64_t b = count(last);
    if (b <= 0 || counts_[id] <= 0) continue;
    const double score = phrase_score(p, a, b, counts_[id]);
    if (score > p.threshold) {
      ids->push_back(static_cast<int32_t>(id));
      scores->push_back(score);
    }
  }
}

void PhraseCounter::phrase_candidates(std::vector<int32_t>* ids, std::vector<int64_t>* a,
                                      std::vector<int64_t>* b, std::vector<int64_t>* ab) const {
  std::string_view first, last;
  for (size_t id = 0; id < counts_.size(); ++id) {
    if (!rules_->ends_of(key(id), &first, &last)) continue;
    const int64_t ca = count(first);
    if (ca <= 0) continue;
    const int64_t cb = count(last);
    if (cb <= 0 || counts_[id] <= 0) continue;
    ids->push_back(static_cast<int32_t>(id));
    a->push_back(ca);
    b->push_back(cb);
    ab->push_back(counts_[id]);
  }
}

PhraseScan::PhraseScan(std::shared_ptr<const PhraseRules> rules, int64_t max_vocab_size,
                       uint32_t max_sentence_length, int workers)
    : rules_(rules),
      max_vocab_size_(max_vocab_size),
      max_len_(max_sentence_length),
      workers_(workers < 1 ? 1 : workers),
      counter_(std::move(rules), max_vocab_size) {}

PhraseScan::~PhraseScan() {
  request_stop();
  if (driver_.joinable()) driver_.join();
}

void PhraseScan::request_stop() {
  cancelled_.store(true);
  halt();
}

void PhraseScan::halt() {
  stop_.store(true);
  std::lock_guard<std::mutex> lock(queue_mutex_);
  data_cv_.notify_all();
  space_cv_.notify_all();
}

void PhraseScan::start_driver(std::function<void()> work) {
  if (driver_.joinable()) throw std::logic_error("the scan is running: finish() first");
  stop_ = false;
  cancelled_ = false;
  running_ = true;
  driver_ = std::thread([this, work = std::move(work)] {
    try {
      work();
    } catch (...) {
      error_ = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      running_ = false;
    }
    done_cv_.notify_all();
  });
}

void PhraseScan::on_threads(size_t n, const std::function<void(size_t)>& body) {
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < n; ++t) {
    threads.emplace_back([&, t] {
      try {
        body(t);
      } catch (...) {
        errors[t] = std::current_exception();
        halt();  // the other threads stop too
      }
    });
  }
  for (auto& th : threads) th.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
}

void PhraseScan::feed_files(const std::vector<FileSource>& files, SplitMode mode) {
  start_driver([this, files, mode] { count_files(files, mode); });
}

PhraseScan::Outcome PhraseScan::settle(std::vector<std::unique_ptr<PhraseTally>>* tallies) {
  for (auto& t : *tallies)
    if (t->unsafe()) return Outcome::kUnsafe;
  for (auto& t : *tallies)
    if (t->over_limit()) return Outcome::kOverLimit;
  PhraseCounter merged(rules_, max_vocab_size_);
  PhraseTally::export_to(tallies, &merged);
  if (merged.over_limit()) return Outcome::kOverLimit;
  counter_ = std::move(merged);
  return Outcome::kDone;
}

PhraseScan::Outcome PhraseScan::count_by_ids(const std::vector<FileSource>& files, SplitMode mode,
                                             int n) {
  const auto parts = partition_files(files, n, mode);
  std::vector<std::unique_ptr<PhraseTally>> tallies;
  for (size_t t = 0; t < parts.size(); ++t)
    tallies.push_back(std::make_unique<PhraseTally>(rules_, max_vocab_size_, &stop_));
  on_threads(parts.size(), [&](size_t t) {
    SpanReader reader;
    tallies[t]->mark(t);  // a part's place: parts follow each other in the files
    for (const auto& span : parts[t]) {
      Tokenizer tok(mode, max_len_);
      reader.read(span, tok, *tallies[t], &stop_, &bytes_read_);
      if (stop_.load()) break;
    }
    if (!stop_.load()) tallies[t]->seal();
  });
  if (cancelled_.load()) return Outcome::kDone;
  return settle(&tallies);
}

bool PhraseScan::count_parallel(const std::vector<FileSource>& files, SplitMode mode) {
  const auto parts = partition_files(files, workers_, mode);
  // A thread whose table outgrows max_vocab_size stops every reader through stop_.
  std::vector<PhraseCounter> counters(parts.size(), PhraseCounter(rules_, max_vocab_size_, &stop_));
  on_threads(parts.size(), [&](size_t t) {
    SpanReader reader;
    for (const auto& span : parts[t]) {
      Tokenizer tok(mode, max_len_);
      reader.read(span, tok, counters[t], &stop_, &bytes_read_);
      if (stop_.load()) break;
    }
  });
  if (cancelled_.load()) return true;
  for (auto& c : counters)
    if (c.over_limit()) return false;
  // Merging in file order keeps first-seen order equal to a sequential scan's.
  PhraseCounter merged = std::move(counters[0]);
  for (size_t t = 1; t < counters.size(); ++t) {
    merged.merge(counters[t]);
    counters[t] = PhraseCounter(rules_, max_vocab_size_);
    if (merged.over_limit()) return false;
  }
  counter_ = std::move(merged);
  return true;
}

void PhraseScan::count_files(std::vector<FileSource> files, SplitMode mode) {
  const int parts = mode == SplitMode::kLines ? workers_ : 1;
  const Outcome first = count_by_ids(files, mode, parts);
  if (first == Outcome::kDone) return;
  bytes_read_ = 0;
  stop_ = cancelled_.load();
  if (first == Outcome::kUnsafe && parts > 1) {
    if (count_parallel(files, mode)) return;
    bytes_read_ = 0;
    stop_ = cancelled_.load();
  }
  // Here only because pruning is due (or the ids could not count, with one part).
  if (first == Outcome::kOverLimit || parts > 1) recounted_ = true;
  PhraseCounter counter(rules_, max_vocab_size_);
  SpanReader reader;
  const auto whole = partition_files(files, 1, mode);
  for (const auto& span : whole[0]) {
    Tokenizer tok(mode, max_len_);
    reader.read(span, tok, counter, &stop_, &bytes_read_);
    if (stop_.load()) return;
  }
  counter_ = std::move(counter);
}

bool PhraseScan::feed_text(const char* data, size_t n, SplitMode mode) {
  const bool fresh = counter_.size() == 0 && counter_.total_words() == 0 && !tokenizer_;
  if (mode == SplitMode::kLines && parallel_text_ && (text_started_ || fresh)) {
    if (!text_started_) {
      text_started_ = true;
      start_driver([this] { count_text(); });
    }
    std::unique_lock<std::mutex> lock(queue_mutex_);
    const size_t room = 2 * static_cast<size_t>(workers_) + 2;
    space_cv_.wait(lock, [&] { return blocks_.size() < room || stop_.load(); });
    if (stop_.load()) return false;
    blocks_.push_back(Block{next_seq_++, std::string(data, n)});
    lock.unlock();
    data_cv_.notify_one();
    return true;
  }
  if (!tokenizer_) tokenizer_ = std::make_unique<Tokenizer>(mode, max_len_);
  tokenizer_->feed(data, n, counter_);
  return true;
}

void PhraseScan::count_blocks(PhraseTally* tally) {
  // Every piece ends a line, so each is tokenised on its own.
  Tokenizer tok(SplitMode::kLines, max_len_);
  while (true) {
    Block block;
    {
      std::unique_lock<std::mutex> lock(queue_mutex_);
      data_cv_.wait(lock, [&] { return !blocks_.empty() || closed_ || stop_.load(); });
      if (stop_.load()) {
        blocks_.clear();
        space_cv_.notify_all();
        return;
      }
      if (blocks_.empty()) return;
      block = std::move(blocks_.front());
      blocks_.pop_front();
    }
    space_cv_.notify_one();
    tally->mark(block.seq);
    tok.feed(block.text.data(), block.text.size(), *tally);
    tok.finish(*tally);
  }
}

void PhraseScan::count_text() {
  std::vector<std::unique_ptr<PhraseTally>> tallies;
  for (int t = 0; t < workers_; ++t)
    tallies.push_back(std::make_unique<PhraseTally>(rules_, max_vocab_size_, &stop_));
  on_threads(tallies.size(), [&](size_t t) {
    count_blocks(tallies[t].get());
    if (!stop_.load()) tallies[t]->seal();
  });
  if (cancelled_.load()) return;
  if (settle(&tallies) != Outcome::kDone) second_pass_ = true;
}

void PhraseScan::end_input() {
  if (text_started_) {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    closed_ = true;
    data_cv_.notify_all();
    space_cv_.notify_all();
  }
  if (tokenizer_) tokenizer_->finish(counter_);
  tokenizer_.reset();
}

bool PhraseScan::wait_for(double seconds) {
  std::unique_lock<std::mutex> lock(mutex_);
  return done_cv_.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return !running_; });
}

void PhraseScan::finish() {
  if (driver_.joinable()) driver_.join();
  if (error_) {
    std::exception_ptr e = error_;
    error_ = nullptr;
    std::rethrow_exception(e);
  }
}

}  // namespace w2v
