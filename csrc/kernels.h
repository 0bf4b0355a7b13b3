// The per-sentence training kernels and their runtime dispatch by CPU features.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <vector>

#include "huffman.h"
#include "memory.h"
#include "noise_sampler.h"
#include "random.h"

namespace w2v {

enum class UpdateMode {
  // Shared negatives: skip-gram shares one draw per centre word across its window (trained as
  // small matrix products); in CBOW each draw serves kCbowShare centres 2 * window + 1 apart.
  kBatched = 0,
  kClassic = 1,  // word2vec.c / gensim: fresh negatives for every prediction
};

// How many CBOW centres use each set of shared negatives.
constexpr int kCbowShare = 4;

struct KernelParams {
  int dim = 100;
  int window = 5;
  int negative = 5;
  bool hs = false;
  bool sg = false;
  bool cbow_mean = true;
  bool shrink_windows = true;
  bool compute_loss = false;
  UpdateMode mode = UpdateMode::kBatched;
};

// Views of the model's arrays, owned elsewhere (numpy on the Python side).
struct ModelArrays {
  float* syn0 = nullptr;     // input vectors, vocab_size x dim
  float* syn1neg = nullptr;  // output vectors for negative sampling
  float* syn1 = nullptr;     // inner-node vectors for hierarchical softmax
  const uint32_t* sample_int = nullptr;
  size_t vocab_size = 0;
  const NoiseSampler* noise = nullptr;
  const HuffmanTree* tree = nullptr;
};

// Per-thread scratch and tallies; each thread owns one, so nothing here is shared.
struct alignas(64) WorkerState {
  WorkerState(const KernelParams& p, uint64_t seed);
  Rng rng;
  LineVector<float> work, neu1;
  LineVector<float> grad_in;    // batched: one gradient row per context word
  LineVector<float> scores;     // batched: context x output coefficients
  LineVector<float*> in_rows;   // batched: the context words' input rows
  LineVector<float*> out_rows;  // batched: the shared output rows
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

using TrainSentenceFn = void (*)(const KernelParams&, const ModelArrays&, WorkerState&,
                                 const int32_t* ids, size_t n, float alpha);

struct KernelSet {
  TrainSentenceFn train_sentence;
  const char* isa;
};

namespace generic {
extern const KernelSet kKernels;
}
namespace avx2 {
extern const KernelSet kKernels;
}

bool cpu_has_avx2_fma();
// The fastest kernels this CPU runs; W2V_ISA=generic in the environment forces the baseline.
const KernelSet& select_kernels();

}  // namespace w2v
