// Hogwild training threads: one epoch at a time, fed by file byte ranges or a job queue.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "kernels.h"
#include "text_reader.h"
#include "word_index.h"

namespace w2v {

class PhraseTable;

// The learning rate falls linearly from start_alpha to end_alpha over all epochs;
// within an epoch, progress is measured in raw words (or sentences, if words are unknown).
struct EpochPlan {
  double start_alpha = 0.025;
  double end_alpha = 0.0001;
  int epoch = 0;
  int epochs = 1;
  uint64_t expected_words = 0;
  uint64_t expected_sentences = 0;
  uint64_t seed = 1;
  // Words per job. A worker's random stream is seeded by the first job it takes (not by the
  // thread), so a corpus of at most batch_words words (one job) trains the same whatever the
  // number of workers: for files, such a corpus is read by one thread.
  uint64_t batch_words = 10000;
  // Resuming an epoch an earlier run left unfinished (0 and empty for a whole epoch): the
  // raw words and sentences it already trained, where the counters (and alpha) start.
  uint64_t words_before = 0;
  uint64_t sentences_before = 0;
  // File input only: the raw words each byte-range part already trained. The files are then
  // cut into as many parts (not `workers`), and part k skips its first part_words_before[k]
  // raw words (whole sentences) without training them or counting them again.
  std::vector<uint64_t> part_words_before;
  // Queue input only (jobs numbered from 0 in the order they are fed): job j with an entry
  // (j, n) in job_words_before skips its first n raw words; any other job below jobs_before
  // was trained whole and is dropped when fed again.
  uint64_t jobs_before = 0;
  std::vector<std::pair<uint64_t, uint64_t>> job_words_before;
  // Training one share of a round that other machines train at the same time (w2v.distributed):
  // each raw word past words_before counts as this many toward the learning rate, so alpha
  // follows the whole cluster's progress (the round's words over this share's words).
  double words_scale = 1.0;
};

struct EpochStats {
  uint64_t raw_words = 0;
  uint64_t effective_words = 0;
  uint64_t sentences = 0;
  double loss = 0;
  // Where the input stands, in the terms of EpochPlan's *_before fields (for a resume).
  // File input: the raw words each byte-range part has read, those skipped included.
  std::vector<uint64_t> part_words;
  // Queue input: jobs below `jobs` were trained whole unless listed in `job_words` as
  // (job, raw words trained); jobs from `jobs` on, unless listed, were not trained.
  uint64_t jobs = 0;
  std::vector<std::pair<uint64_t, uint64_t>> job_words;
};

// Sentences of vocabulary ids, back to back, built from tokens: a Tokenizer sink, and the
// sink Python sentences are walked into. Tokens are looked up in prefetched batches, so a
// token's view must stay valid until the end_sentence() or end_block() after it. Unknown
// words are dropped but counted as raw words; a sentence reaching max_sentence_length tokens
// is closed there (long sentences are split, never cut).
class IdSentences {
 public:
  IdSentences() = default;
  IdSentences(const WordIndex& vocab, uint32_t max_sentence_length)
      : vocab_(&vocab), max_len_(max_sentence_length) {}

  void token(std::string_view t) {
    batch_.add(*vocab_, t, [this](std::string_view v, uint64_t h) { keep(v, h); });
    if (++raw_ == max_len_) end_sentence();
  }
  // Closes the open sentence, if it has any tokens.
  void end_sentence() {
    end_block();
    if (raw_ == 0) return;
    ends_.push_back(static_cast<uint32_t>(ids_.size()));
    raw_lengths_.push_back(raw_);
    raw_ = 0;
  }
  void end_block() {
    batch_.flush([this](std::string_view v, uint64_t h) { keep(v, h); });
  }
  // Forgets the tokens still batched (their views may be gone after an error).
  void drop_pending() { batch_.clear(); }
  void clear() {
    ids_.clear();
    ends_.clear();
    raw_lengths_.clear();
  }

  // Closed sentences: sentence k is ids [begin(k), ends[k]) with raw_length(k) tokens.
  size_t size() const { return ends_.size(); }
  const int32_t* ids(size_t k) const { return ids_.data() + (k ? ends_[k - 1] : 0); }
  size_t length(size_t k) const { return ends_[k] - (k ? ends_[k - 1] : 0); }
  uint32_t raw_length(size_t k) const { return raw_lengths_[k]; }

 private:
  void keep(std::string_view t, uint64_t h) {
    const int32_t id = vocab_->find(t, h);
    if (id >= 0) ids_.push_back(id);
  }

  const WordIndex* vocab_ = nullptr;
  uint32_t max_len_ = 0;
  uint32_t raw_ = 0;  // tokens of the open sentence
  PrefetchedBatch batch_;
  std::vector<int32_t> ids_;
  std::vector<uint32_t> ends_;
  std::vector<uint32_t> raw_lengths_;
};

// A batch of work for the queue: sentences already mapped to ids, or raw text.
struct Job {
  uint64_t index = 0;  // order of arrival in the epoch: seeds a worker whose first job it is
  IdSentences sentences;
  std::string text;  // used when is_text
  SplitMode mode = SplitMode::kLines;
  bool is_text = false;
  uint64_t skip = 0;  // raw words already trained (a resumed epoch)
};

// An epoch is begun with its plan, fed one way (files, or text and sentence batches through
// the queue), ended with end_input(), waited for and finished:
//   begin_epoch(plan); feed_files/spans(...) | feed_text(...)* feed_sentences(...)*;
//   end_input();
//   while (!wait_for(s)) ...; stats = finish();
// The feeding thread may pause() the workers at any time after the input began (between two
// feeds, or while waiting), read progress(), and unpause() them.
class Trainer {
 public:
  Trainer(const KernelParams& params, const ModelArrays& arrays, const WordIndex* vocab,
          uint32_t max_sentence_length, int workers);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  void begin_epoch(const EpochPlan& plan);
  // Starts one reader thread per byte range of `files` (one thread in all when they hold at
  // most plan.batch_words words); nothing else feeds this epoch.
  void feed_files(const std::vector<FileSource>& files, SplitMode mode);
  // The same for byte ranges of files, each starting a sentence (a distributed shard).
  void feed_spans(const std::vector<FileSpan>& spans, SplitMode mode);
  // Queue raw text (each piece tokenised on its own) or sentences made by sentence_batch();
  // block while the queue is full. Return false once the epoch is stopping.
  bool feed_text(std::string&& text, SplitMode mode);
  bool feed_sentences(IdSentences&& sentences);
  IdSentences sentence_batch() const { return IdSentences(*vocab_, max_sentence_length_); }
  // No more input this epoch.
  void end_input();
  // Waits up to `seconds` for the epoch's workers; true when they have all finished.
  bool wait_for(double seconds);
  // Joins the workers and returns the epoch's tallies; rethrows a worker's error.
  EpochStats finish();
  void request_stop();
  // Parks every worker at a sentence boundary (or waiting for input, or finished), so the
  // weights and the tallies hold still; returns false if the epoch is stopping instead.
  // Checked once per sentence, so a pause costs nothing until it is asked for.
  bool pause();
  // The epoch's tallies so far (as finish() would give them); only while paused.
  EpochStats progress() const;
  void unpause();

  uint64_t words_done() const { return words_done_.load(std::memory_order_relaxed); }
  uint64_t sentences_done() const { return sentences_done_.load(std::memory_order_relaxed); }
  double current_alpha() const;
  // Loss of this epoch so far, refreshed as workers report progress (exact after finish()).
  double loss_so_far() const { return loss_so_far_.load(std::memory_order_relaxed); }
  const char* isa() const { return kernel_.isa; }
  KernelVariant variant() const { return kernel_.variant; }
  std::string describe() const { return w2v::describe(params_); }
  // Text and files are phrased by `phrases` as they are read (not Python sentence batches).
  void set_phrases(std::shared_ptr<const PhraseTable> phrases) { phrases_ = std::move(phrases); }

 private:
  struct Worker;
  struct Sink;
  enum class Input { kNone, kFiles, kQueue };
  void launch(Input input);
  void run(Worker& w, const std::vector<FileSpan>* spans, uint64_t job);
  void train_ids(Worker& w, const int32_t* ids, size_t n, uint64_t raw_words);
  void train_sentences(Worker& w, const IdSentences& s);
  // Runs `read(sink)` with the sink tokens go to: `sink` itself, or phrases_ before it.
  template <class Read>
  void with_phrases(Sink& sink, Read&& read);
  void park(Worker& w);
  EpochStats tally() const;
  bool push(Job&& job);
  void close_queue();
  void flush_progress(Worker& w);
  float alpha_at(uint64_t words, uint64_t sentences) const;
  void fail(const std::string& message);
  uint64_t job_seed(uint64_t job) const;
  void begin_job(Worker& w, uint64_t job) const;

  KernelParams params_;
  ModelArrays arrays_;
  const WordIndex* vocab_;
  uint32_t max_sentence_length_;
  int workers_;
  Kernel kernel_;
  std::shared_ptr<const PhraseTable> phrases_;
  EpochPlan plan_;
  bool planned_ = false;  // begin_epoch() was called and the epoch not finished yet
  Input input_ = Input::kNone;
  SplitMode file_mode_ = SplitMode::kLines;

  std::vector<std::vector<FileSpan>> file_spans_;
  std::vector<std::unique_ptr<Worker>> states_;
  std::vector<std::thread> threads_;
  std::atomic<uint64_t> words_done_{0};
  std::atomic<uint64_t> sentences_done_{0};
  std::atomic<bool> stop_{false};
  std::atomic<double> loss_so_far_{0.0};
  std::atomic<bool> pause_requested_{false};

  mutable std::mutex mutex_;  // guards everything below
  // finished_cv_ also wakes pause() when a worker parks or waits for input.
  std::condition_variable queue_not_empty_, queue_not_full_, finished_cv_, unpaused_cv_;
  std::deque<Job> queue_;
  size_t queue_capacity_;
  bool queue_closed_ = false;
  uint64_t jobs_queued_ = 0;
  int finished_ = 0;
  int parked_ = 0;  // workers parked by the current pause (unpause() releases them all)
  int idle_ = 0;    // workers waiting for a job (queue input)
  bool paused_ = false;
  uint64_t unpauses_ = 0;  // parked workers wait for this to change
  std::string error_;
};

}  // namespace w2v
