// Per-thread scratch buffers and tallies of the training kernels.
#pragma once

#include <cstdint>

#include "memory.h"
#include "noise_sampler.h"
#include "random.h"

namespace w2v {

struct KernelParams;

// Each training thread owns one, so nothing here is shared. The buffers that hold one row per
// context word grow with the longest sentence trained (never with `window` alone, which may
// be far longer than any sentence).
struct alignas(64) WorkerState {
  WorkerState(const KernelParams& p, uint64_t seed);
  // Makes the per-context buffers hold a sentence of n (kept) words: contexts of up to
  // min(2 * window, n - 1) words, and min(2 * window + 1, n) shared-negative CBOW sets.
  void fit_sentence(size_t n) {
    if (n > context_slots && context_slots < max_contexts) grow_contexts(n);
  }
  void grow_contexts(size_t n);
  Rng rng;
  LineVector<float> work, neu1;
  LineVector<float> grad_in;    // batched: one gradient row per context word
  LineVector<float> scores;     // batched: context x output coefficients
  LineVector<float*> in_rows;   // the context words' input rows
  LineVector<float*> out_rows;  // the output rows of the prediction being trained
  LineVector<float> labels;
  LineVector<float> coef;  // CBOW: weight of each context row in the hidden vector
  // Negatives drawn ahead: kLookahead sets of up to negative + 1 ids in a ring, so a
  // centre's noise rows have a few centres' time to arrive from memory.
  static constexpr int kLookahead = 3;
  LineVector<int32_t> neg_ring;
  int neg_count[kLookahead] = {};
  int ring_head = 0, ring_tail = 0;
  int cur_slot = 0;  // the set the centre being trained uses
  // Shared-negative CBOW: one set of negatives per centre position modulo 2 * window + 1
  // (as many as the longest sentence needs), and the uses each has left.
  LineVector<int32_t> shared_sets;
  LineVector<int32_t> shared_uses;
  size_t context_slots = 0;  // rows of the per-context buffers: min(max_contexts, n) suffice
  size_t max_contexts = 0;   // 2 * window + 1: no sentence needs more
  size_t dims = 0, outputs = 0, negative = 0;
  LineVector<NoiseSampler::Draw> raw_draws;  // the draws after that, their bins loading
  bool raw_draws_ready = false;
  LineVector<int32_t> kept;  // the sentence after subsampling
  double loss = 0;
  uint64_t effective_words = 0;
  char pad_[64];  // keeps the next object's first line apart from these tallies
};

}  // namespace w2v
