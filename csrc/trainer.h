// Hogwild training threads: one epoch at a time, fed by file byte ranges or a job queue.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kernels.h"
#include "text_reader.h"
#include "word_index.h"

namespace w2v {

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
};

struct EpochStats {
  uint64_t raw_words = 0;
  uint64_t effective_words = 0;
  uint64_t sentences = 0;
  double loss = 0;
};

// A batch of work for the queue: either sentences already mapped to ids, or raw text.
struct Job {
  std::vector<int32_t> ids;           // in-vocabulary ids, sentences back to back
  std::vector<uint32_t> ends;         // end of each sentence in `ids`
  std::vector<uint32_t> raw_lengths;  // tokens of each sentence before dropping unknown words
  std::string text;                   // used when is_text
  SplitMode mode = SplitMode::kLines;
  bool is_text = false;
};

class Trainer {
 public:
  Trainer(const KernelParams& params, const ModelArrays& arrays, const WordIndex* vocab,
          uint32_t max_sentence_length, int workers);
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Starts an epoch in which each worker reads its own byte range of `files`.
  void start_files(const std::vector<FileSource>& files, SplitMode mode, const EpochPlan& plan);
  // Starts an epoch fed through push(); end the input with close_queue().
  void start_queue(const EpochPlan& plan);
  // Blocks while the queue is full. Returns false once the epoch is stopping.
  bool push(Job&& job);
  void close_queue();
  // Waits up to `seconds` for the epoch's workers; true when they have all finished.
  bool wait_for(double seconds);
  // Joins the workers and returns the epoch's tallies; rethrows a worker's error.
  EpochStats finish();
  void request_stop();

  uint64_t words_done() const { return words_done_.load(std::memory_order_relaxed); }
  uint64_t sentences_done() const { return sentences_done_.load(std::memory_order_relaxed); }
  double current_alpha() const;
  // Loss of this epoch so far, refreshed as workers report progress (exact after finish()).
  double loss_so_far() const { return loss_so_far_.load(std::memory_order_relaxed); }
  const char* isa() const { return kernels_.isa; }

 private:
  struct Worker;
  struct Sink;
  void launch(const EpochPlan& plan, const std::vector<std::vector<FileSpan>>* spans);
  void run(Worker& w, const std::vector<FileSpan>* spans);
  void train_ids(Worker& w, const int32_t* ids, size_t n, uint64_t raw_words);
  void flush_progress(Worker& w);
  float alpha_at(uint64_t words, uint64_t sentences) const;
  void fail(const std::string& message);

  KernelParams params_;
  ModelArrays arrays_;
  const WordIndex* vocab_;
  uint32_t max_sentence_length_;
  int workers_;
  KernelSet kernels_;
  EpochPlan plan_;
  SplitMode file_mode_ = SplitMode::kLines;

  std::vector<std::vector<FileSpan>> file_spans_;
  std::vector<std::unique_ptr<Worker>> states_;
  std::vector<std::thread> threads_;
  std::atomic<uint64_t> words_done_{0};
  std::atomic<uint64_t> sentences_done_{0};
  std::atomic<bool> stop_{false};
  std::atomic<double> loss_so_far_{0.0};

  std::mutex mutex_;  // guards everything below
  std::condition_variable queue_not_empty_, queue_not_full_, finished_cv_;
  std::deque<Job> queue_;
  size_t queue_capacity_;
  bool queue_closed_ = false;
  int finished_ = 0;
  std::string error_;
};

}  // namespace w2v
