#include "trainer.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace w2v {

namespace {
constexpr uint64_t kProgressEvery = 10000;  // raw words between alpha/progress refreshes

// Counts tokens and asks the reader to stop once `limit` are seen.
struct TokenCounter {
  uint64_t limit;
  std::atomic<bool>* stop;
  uint64_t count = 0;
  void token(std::string_view) {
    if (++count >= limit) stop->store(true, std::memory_order_relaxed);
  }
  void end_sentence() {}
  void end_block() {}
};

// Whether `files` hold at most `limit` tokens; reads no further than it takes to tell.
bool at_most_tokens(const std::vector<FileSource>& files, SplitMode mode, uint64_t limit) {
  std::atomic<bool> stop{false};
  TokenCounter counter{limit + 1, &stop};
  SpanReader reader(size_t(1) << 16);
  for (const auto& f : files) {
    Tokenizer tok(mode, 0);
    reader.read(FileSpan{f.path, 0, f.size}, tok, counter, &stop);
    if (stop.load()) return false;
  }
  return true;
}
}  // namespace

struct alignas(64) Trainer::Worker {
  Worker(const KernelParams& p, uint64_t seed) : state(p, seed) {}
  WorkerState state;
  float alpha = 0;
  double reported_loss = 0;
  uint64_t pending_words = 0;
  uint64_t pending_sentences = 0;
  bool seeded = false;  // the stream was seeded by the first job this worker took
  char pad_[64];
};

// Trains on tokens from a reader as they come, one sentence at a time.
struct Trainer::Sink {
  Sink(Trainer& t, Worker& w)
      : trainer(t), worker(w), sentences(*t.vocab_, t.max_sentence_length_) {}
  Trainer& trainer;
  Worker& worker;
  IdSentences sentences;

  void token(std::string_view t) { sentences.token(t); }
  void end_block() { sentences.end_block(); }
  void end_sentence() {
    sentences.end_sentence();
    trainer.train_sentences(worker, sentences);
    sentences.clear();
  }
};

Trainer::Trainer(const KernelParams& params, const ModelArrays& arrays, const WordIndex* vocab,
                 uint32_t max_sentence_length, int workers)
    : params_(params),
      arrays_(arrays),
      vocab_(vocab),
      max_sentence_length_(max_sentence_length),
      workers_(std::max(1, workers)),
      kernel_(select_kernel(params)),
      queue_capacity_(2 * static_cast<size_t>(std::max(1, workers)) + 2) {}

Trainer::~Trainer() {
  request_stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

float Trainer::alpha_at(uint64_t words, uint64_t sentences) const {
  double frac = 0;
  if (plan_.expected_words)
    frac = static_cast<double>(words) / static_cast<double>(plan_.expected_words);
  else if (plan_.expected_sentences)
    frac = static_cast<double>(sentences) / static_cast<double>(plan_.expected_sentences);
  frac = std::min(1.0, frac);
  const double progress = (plan_.epoch + frac) / std::max(1, plan_.epochs);
  const double a = plan_.start_alpha - (plan_.start_alpha - plan_.end_alpha) * progress;
  return static_cast<float>(std::max(plan_.end_alpha, a));
}

double Trainer::current_alpha() const { return alpha_at(words_done(), sentences_done()); }

void Trainer::flush_progress(Worker& w) {
  const uint64_t words = words_done_.fetch_add(w.pending_words) + w.pending_words;
  const uint64_t sentences = sentences_done_.fetch_add(w.pending_sentences) + w.pending_sentences;
  w.pending_words = w.pending_sentences = 0;
  w.alpha = alpha_at(words, sentences);
  if (params_.compute_loss) {
    const double delta = w.state.loss - w.reported_loss;
    w.reported_loss = w.state.loss;
    double seen = loss_so_far_.load(std::memory_order_relaxed);
    while (!loss_so_far_.compare_exchange_weak(seen, seen + delta, std::memory_order_relaxed)) {
    }
  }
}

void Trainer::train_ids(Worker& w, const int32_t* ids, size_t n, uint64_t raw_words) {
  WorkerState& s = w.state;
  s.kept.clear();
  const uint32_t* sample = arrays_.sample_int;
  for (size_t i = 0; i < n; ++i) {
    const int32_t id = ids[i];
    // Keep with probability sample_int / 2^32 (gensim's rule, same integer thresholds).
    const uint32_t keep = sample[id];
    if (keep != UINT32_MAX && keep < s.rng.next32()) continue;
    s.kept.push_back(id);
  }
  s.fit_sentence(s.kept.size());
  if (!s.kept.empty())
    kernel_.train_sentence(params_, arrays_, s, s.kept.data(), s.kept.size(), w.alpha);
  w.pending_words += raw_words;
  w.pending_sentences += 1;
  if (w.pending_words >= kProgressEvery) flush_progress(w);
}

void Trainer::train_sentences(Worker& w, const IdSentences& s) {
  for (size_t k = 0; k < s.size(); ++k) train_ids(w, s.ids(k), s.length(k), s.raw_length(k));
}

void Trainer::fail(const std::string& message) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (error_.empty()) error_ = message;
  }
  request_stop();
}

uint64_t Trainer::job_seed(uint64_t job) const {
  return derive_seed(derive_seed(plan_.seed, static_cast<uint64_t>(plan_.epoch)), job);
}

// A worker's random stream is seeded by the first job it takes, then runs on through its
// later jobs. A corpus of one job thus trains the same whichever thread takes it, and with
// one worker every way of feeding the same sentences draws the same numbers.
void Trainer::begin_job(Worker& w, uint64_t job) const {
  if (w.seeded) return;
  w.state.rng = Rng(job_seed(job));
  w.seeded = true;
}

void Trainer::run(Worker& w, const std::vector<FileSpan>* spans, uint64_t job) {
  try {
    if (spans) {
      begin_job(w, job);
      Sink sink(*this, w);
      SpanReader reader;
      for (const auto& span : *spans) {
        Tokenizer tok(file_mode_, max_sentence_length_);
        reader.read(span, tok, sink, &stop_);
        if (stop_.load()) break;
      }
    } else {
      Sink sink(*this, w);
      while (true) {
        Job job;
        {
          std::unique_lock<std::mutex> lock(mutex_);
          queue_not_empty_.wait(lock, [&] { return !queue_.empty() || queue_closed_ || stop_; });
          if (stop_ || queue_.empty()) break;
          job = std::move(queue_.front());
          queue_.pop_front();
        }
        queue_not_full_.notify_one();
        begin_job(w, job.index);
        if (job.is_text) {
          Tokenizer tok(job.mode, max_sentence_length_);
          tok.feed(job.text.data(), job.text.size(), sink);
          tok.finish(sink);
        } else {
          train_sentences(w, job.sentences);
        }
        if (stop_.load(std::memory_order_relaxed)) break;
      }
    }
    flush_progress(w);
  } catch (const std::exception& e) {
    fail(e.what());
  } catch (...) {
    fail("unknown error in a training thread");
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++finished_;
  }
  finished_cv_.notify_all();
}

void Trainer::launch(Input input) {
  if (!planned_) throw std::logic_error("begin_epoch() must come before the epoch's input");
  if (input_ != Input::kNone) throw std::logic_error("this epoch already has its input");
  input_ = input;
  words_done_ = 0;
  sentences_done_ = 0;
  loss_so_far_ = 0.0;
  stop_ = false;
  finished_ = 0;
  error_.clear();
  queue_.clear();
  queue_closed_ = false;
  const int n = input == Input::kFiles ? static_cast<int>(file_spans_.size()) : workers_;
  states_.clear();
  jobs_queued_ = 0;
  for (int t = 0; t < n; ++t) {
    // The stream is seeded by the worker's first job (begin_job).
    states_.push_back(std::make_unique<Worker>(params_, 0));
    states_.back()->alpha = alpha_at(0, 0);
  }
  for (int t = 0; t < n; ++t) {
    // A file range is one job, numbered by its place in the files.
    const std::vector<FileSpan>* mine = input == Input::kFiles ? &file_spans_[t] : nullptr;
    threads_.emplace_back([this, t, mine] { run(*states_[t], mine, static_cast<uint64_t>(t)); });
  }
}

void Trainer::begin_epoch(const EpochPlan& plan) {
  if (planned_) throw std::logic_error("an epoch is already running");
  plan_ = plan;
  planned_ = true;
}

void Trainer::feed_files(const std::vector<FileSource>& files, SplitMode mode) {
  if (input_ != Input::kNone) throw std::logic_error("this epoch already has its input");
  file_mode_ = mode;
  // A corpus of at most one job's words is one job, read by one thread (as gensim gives a
  // corpus smaller than one job to one thread), so it trains the same for any `workers`.
  int parts = workers_;
  if (parts > 1 && at_most_tokens(files, mode, plan_.batch_words)) parts = 1;
  // The spans must outlive the threads: the trainer holds them.
  file_spans_ = partition_files(files, parts, mode);
  launch(Input::kFiles);
}

bool Trainer::feed_text(std::string&& text, SplitMode mode) {
  if (input_ == Input::kNone) launch(Input::kQueue);
  Job job;
  job.is_text = true;
  job.mode = mode;
  job.text = std::move(text);
  return push(std::move(job));
}

bool Trainer::feed_sentences(IdSentences&& sentences) {
  if (input_ == Input::kNone) launch(Input::kQueue);
  Job job;
  job.sentences = std::move(sentences);
  return push(std::move(job));
}

void Trainer::end_input() {
  if (input_ == Input::kNone) launch(Input::kQueue);  // no input: the workers just finish
  close_queue();
}

bool Trainer::push(Job&& job) {
  if (input_ != Input::kQueue) throw std::logic_error("this epoch already has its input: files");
  std::unique_lock<std::mutex> lock(mutex_);
  queue_not_full_.wait(lock, [&] { return queue_.size() < queue_capacity_ || stop_; });
  if (stop_) return false;
  job.index = jobs_queued_++;
  queue_.push_back(std::move(job));
  lock.unlock();
  queue_not_empty_.notify_one();
  return true;
}

void Trainer::close_queue() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_closed_ = true;
  }
  queue_not_empty_.notify_all();
}

void Trainer::request_stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  queue_not_empty_.notify_all();
  queue_not_full_.notify_all();
}

bool Trainer::wait_for(double seconds) {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto n = static_cast<int>(threads_.size());
  return finished_cv_.wait_for(lock, std::chrono::duration<double>(seconds),
                               [&] { return finished_ >= n; });
}

EpochStats Trainer::finish() {
  close_queue();
  for (auto& t : threads_) t.join();
  threads_.clear();
  planned_ = false;
  input_ = Input::kNone;
  EpochStats stats;
  stats.raw_words = words_done();
  stats.sentences = sentences_done();
  for (auto& w : states_) {
    stats.effective_words += w->state.effective_words;
    stats.loss += w->state.loss;
  }
  states_.clear();
  if (!error_.empty()) {
    std::string e;
    std::swap(e, error_);
    throw std::runtime_error(e);
  }
  return stats;
}

}  // namespace w2v
