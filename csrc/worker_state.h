// Per-thread scratch buffers and tallies of the training kernels.
#pragma once

#include <cstdint>

#include "memory.h"
#include "noise_sampler.h"
#include "random.h"

namespace w2v {

struct KernelParams;

// Each training thread owns one, so nothing here is shared; sized for `p` once per epoch.
struct alignas(64) WorkerState {
  WorkerState(const KernelParams& p, uint64_t seed);
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
  // Shared-negative CBOW: 2 * window + 1 sets of negatives, the uses each has left, and the
  // running centre count that picks the set.
  LineVector<int32_t> shared_sets;
  LineVector<int32_t> shared_uses;
  uint64_t shared_pos = 0;
  LineVector<NoiseSampler::Draw> raw_draws;  // the draws after that, their bins loading
  bool raw_draws_ready = false;
  LineVector<int32_t> kept;  // the sentence after subsampling
  double loss = 0;
  uint64_t effective_words = 0;
  char pad_[64];  // keeps the next object's first line apart from these tallies
};

}  // namespace w2v
