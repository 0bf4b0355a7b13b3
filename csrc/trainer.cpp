#include "trainer.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "phrase_applier.h"

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

// Whether `spans` hold at most `limit` tokens (after phrasing, if `phrases`); reads no
// further than it takes to tell.
bool at_most_tokens(const std::vector<FileSpan>& spans, SplitMode mode, uint64_t limit,
                    const PhraseTable* phrases) {
  std::atomic<bool> stop{false};
  TokenCounter counter{limit + 1, &stop};
  SpanReader reader(size_t(1) << 16);
  for (const auto& span : spans) {
    Tokenizer tok(mode, 0);
    if (phrases) {
      const TableJudge judge(*phrases);
      PhraseSink<TableJudge, TokenCounter> phrased(judge, counter);
      reader.read(span, tok, phrased, &stop);
    } else {
      reader.read(span, tok, counter, &stop);
    }
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
  // The unit of input at hand (file part, or job `job` when in_job): its raw words read so
  // far, skipped ones included, and those still to skip (resuming an epoch).
  uint64_t unit_words = 0;
  uint64_t skip_words = 0;
  uint64_t job = 0;
  bool in_job = false;
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
  if (plan_.expected_words) {
    double seen = static_cast<double>(words);
    if (plan_.words_scale != 1.0 && words > plan_.words_before)
      seen = static_cast<double>(plan_.words_before) +
             plan_.words_scale * static_cast<double>(words - plan_.words_before);
    frac = seen / static_cast<double>(plan_.expected_words);
  } else if (plan_.expected_sentences)
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
  w.unit_words += raw_words;
  if (w.pending_words >= kProgressEvery) flush_progress(w);
}

void Trainer::train_sentences(Worker& w, const IdSentences& s) {
  for (size_t k = 0; k < s.size(); ++k) {
    if (pause_requested_.load(std::memory_order_relaxed)) park(w);
    if (w.skip_words) {
      // Trained before the interruption, and counted in the plan's words_before already.
      // A sentence that straddles the mark (only if the input changed) is trained whole.
      const uint64_t n = s.raw_length(k);
      if (n <= w.skip_words) {
        w.skip_words -= n;
        continue;
      }
      w.skip_words = 0;
    }
    train_ids(w, s.ids(k), s.length(k), s.raw_length(k));
  }
}

void Trainer::park(Worker& w) {
  flush_progress(w);
  std::unique_lock<std::mutex> lock(mutex_);
  ++parked_;
  finished_cv_.notify_all();
  // Released by the unpause() itself (which also uncounts it), not by pause_requested_
  // going false: a pause that follows at once waits for this worker to park again, and
  // cannot keep it parked, it trains at least one more sentence first.
  const uint64_t seen = unpauses_;
  unpaused_cv_.wait(lock, [&] { return unpauses_ != seen || stop_.load(); });
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

template <class Read>
void Trainer::with_phrases(Sink& sink, Read&& read) {
  if (phrases_) {
    const TableJudge judge(*phrases_);
    PhraseSink<TableJudge, Sink> phrased(judge, sink);
    read(phrased);
  } else {
    read(sink);
  }
}

void Trainer::run(Worker& w, const std::vector<FileSpan>* spans, uint64_t job) {
  try {
    if (spans) {
      begin_job(w, job);
      Sink sink(*this, w);
      SpanReader reader;
      with_phrases(sink, [&](auto& s) {
        for (const auto& span : *spans) {
          Tokenizer tok(file_mode_, max_sentence_length_);
          reader.read(span, tok, s, &stop_);
          if (stop_.load()) break;
        }
      });
    } else {
      Sink sink(*this, w);
      while (true) {
        Job job;
        // Idle workers hold no pending tallies, so a pause can read them complete.
        if (w.pending_words || w.pending_sentences) flush_progress(w);
        {
          std::unique_lock<std::mutex> lock(mutex_);
          w.in_job = false;
          ++idle_;
          if (pause_requested_.load()) finished_cv_.notify_all();
          queue_not_empty_.wait(lock, [&] { return !queue_.empty() || queue_closed_ || stop_; });
          --idle_;
          if (stop_ || queue_.empty()) break;
          job = std::move(queue_.front());
          queue_.pop_front();
          w.in_job = true;
          w.job = job.index;
          w.unit_words = w.skip_words = job.skip;
        }
        queue_not_full_.notify_one();
        begin_job(w, job.index);
        if (job.is_text) {
          Tokenizer tok(job.mode, max_sentence_length_);
          with_phrases(sink, [&](auto& s) {
            tok.feed(job.text.data(), job.text.size(), s);
            tok.finish(s);
          });
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
  const bool resume_parts = !plan_.part_words_before.empty();
  if (resume_parts && input != Input::kFiles)
    throw std::logic_error("part_words_before is for file input only");
  if ((plan_.jobs_before || !plan_.job_words_before.empty()) && input != Input::kQueue)
    throw std::logic_error("jobs_before and job_words_before are for queue input only");
  input_ = input;
  words_done_ = plan_.words_before;
  sentences_done_ = plan_.sentences_before;
  loss_so_far_ = 0.0;
  stop_ = false;
  pause_requested_ = false;
  paused_ = false;
  finished_ = parked_ = idle_ = 0;
  error_.clear();
  queue_.clear();
  queue_closed_ = false;
  const int n = input == Input::kFiles ? static_cast<int>(file_spans_.size()) : workers_;
  states_.clear();
  jobs_queued_ = 0;
  for (int t = 0; t < n; ++t) {
    // The stream is seeded by the worker's first job (begin_job).
    states_.push_back(std::make_unique<Worker>(params_, 0));
    Worker& w = *states_.back();
    w.alpha = alpha_at(plan_.words_before, plan_.sentences_before);
    if (resume_parts) w.unit_words = w.skip_words = plan_.part_words_before[t];
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
  feed_spans(whole_files(files), mode);
}

void Trainer::feed_spans(const std::vector<FileSpan>& spans, SplitMode mode) {
  if (input_ != Input::kNone) throw std::logic_error("this epoch already has its input");
  check_spans(spans);  // before at_most_tokens reads them
  file_mode_ = mode;
  // A corpus of at most one job's words is one job, read by one thread (as gensim gives a
  // corpus smaller than one job to one thread), so it trains the same for any `workers`.
  int parts = workers_;
  if (parts > 1 && at_most_tokens(spans, mode, plan_.batch_words, phrases_.get())) parts = 1;
  // A resumed epoch is cut as the interrupted one was, so each part can skip what it had
  // trained.
  if (!plan_.part_words_before.empty()) parts = static_cast<int>(plan_.part_words_before.size());
  // The spans must outlive the threads: the trainer holds them.
  file_spans_ = partition_spans(spans, parts, mode);
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
  job.index = jobs_queued_++;
  if (job.index < plan_.jobs_before) {
    // Trained before the interruption: whole, or up to the listed number of raw words.
    bool partial = false;
    for (const auto& [index, words] : plan_.job_words_before)
      if (index == job.index) {
        job.skip = words;
        partial = true;
      }
    if (!partial) return !stop_;
  }
  queue_not_full_.wait(lock, [&] { return queue_.size() < queue_capacity_ || stop_; });
  if (stop_) return false;
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
  unpaused_cv_.notify_all();
  finished_cv_.notify_all();
}

bool Trainer::pause() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (paused_) return true;
  pause_requested_ = true;
  const auto n = static_cast<int>(threads_.size());
  finished_cv_.wait(lock, [&] { return stop_.load() || parked_ + idle_ + finished_ >= n; });
  if (stop_.load()) {
    pause_requested_ = false;
    parked_ = 0;
    ++unpauses_;
    lock.unlock();
    unpaused_cv_.notify_all();
    return false;
  }
  paused_ = true;
  return true;
}

void Trainer::unpause() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pause_requested_ = false;
    paused_ = false;
    parked_ = 0;
    ++unpauses_;
  }
  unpaused_cv_.notify_all();
}

EpochStats Trainer::progress() const {
  if (!paused_) throw std::logic_error("progress() is only available while paused");
  return tally();
}

EpochStats Trainer::tally() const {
  std::lock_guard<std::mutex> lock(mutex_);
  EpochStats stats;
  stats.raw_words = words_done();
  stats.sentences = sentences_done();
  for (auto& w : states_) {
    stats.effective_words += w->state.effective_words;
    stats.loss += w->state.loss;
    if (input_ == Input::kFiles) stats.part_words.push_back(w->unit_words);
  }
  if (input_ != Input::kQueue) return stats;
  // Jobs are taken in the order they were fed, so every job before the first one still
  // queued (or before the last fed) was taken; those taken and not at hand were finished.
  stats.jobs = std::max(plan_.jobs_before, queue_.empty() ? jobs_queued_ : queue_.front().index);
  for (auto& w : states_)
    if (w->in_job) stats.job_words.emplace_back(w->job, w->unit_words);
  for (const auto& job : queue_)
    if (job.skip) stats.job_words.emplace_back(job.index, job.skip);
  for (const auto& [index, words] : plan_.job_words_before)
    if (index >= jobs_queued_) stats.job_words.emplace_back(index, words);  // not fed again yet
  return stats;
}

bool Trainer::wait_for(double seconds) {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto n = static_cast<int>(threads_.size());
  return finished_cv_.wait_for(lock, std::chrono::duration<double>(seconds),
                               [&] { return finished_ >= n; });
}

EpochStats Trainer::finish() {
  unpause();
  close_queue();
  for (auto& t : threads_) t.join();
  threads_.clear();
  EpochStats stats = tally();
  planned_ = false;
  input_ = Input::kNone;
  states_.clear();
  if (!error_.empty()) {
    std::string e;
    std::swap(e, error_);
    throw std::runtime_error(e);
  }
  return stats;
}

}  // namespace w2v
