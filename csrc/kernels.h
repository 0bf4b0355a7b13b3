// The per-sentence training kernels, and the one place that picks which of them a model runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "huffman.h"
#include "noise_sampler.h"
#include "worker_state.h"

namespace w2v {

// How many CBOW centres use each set of shared negatives.
constexpr int kCbowShare = 4;

// What the kernels train; each field is named like the Word2Vec parameter it comes from.
struct KernelParams {
  int vector_size = 100;
  int window = 5;
  int negative = 5;
  bool hs = false;
  bool sg = false;
  bool cbow_mean = true;
  bool shrink_windows = true;
  bool compute_loss = false;
  // Skip-gram trains each centre's outputs against its whole window at once (one draw of
  // negatives per centre); CBOW with negative sampling alone shares each draw between
  // kCbowShare centres 2 * window + 1 apart. False: word2vec.c / gensim's update, fresh
  // negatives for every prediction.
  bool shared_negatives = true;
};

// The per-sentence routine a model trains with, resolved once from its KernelParams.
enum class KernelVariant {
  kSkipGramShared,   // a centre's outputs trained against its whole window at once
  kSkipGramClassic,  // one update per (centre, context) pair
  kCbowShared,       // negatives shared by centres 2 * window + 1 apart (negative only)
  kCbowClassic,      // one update per centre, fresh negatives
};
constexpr int kVariantCount = 4;

KernelVariant resolve_variant(const KernelParams& p);
// How the model trains, for the log: "skip-gram with negative=5, shared negatives".
std::string describe(const KernelParams& p);

// Views of the model's arrays, owned elsewhere (numpy on the Python side).
struct ModelArrays {
  float* syn0 = nullptr;     // input vectors, vocab_size x vector_size
  float* syn1neg = nullptr;  // output vectors for negative sampling
  float* syn1 = nullptr;     // inner-node vectors for hierarchical softmax
  const uint32_t* sample_int = nullptr;
  size_t vocab_size = 0;
  const NoiseSampler* noise = nullptr;
  const HuffmanTree* tree = nullptr;
};

using TrainSentenceFn = void (*)(const KernelParams&, const ModelArrays&, WorkerState&,
                                 const int32_t* ids, size_t n, float alpha);

// The kernels compiled for one instruction set, one per variant.
struct KernelSet {
  TrainSentenceFn train_sentence[kVariantCount];
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

// The routine a model trains with: its variant, compiled for the fastest instruction set.
struct Kernel {
  TrainSentenceFn train_sentence;
  KernelVariant variant;
  const char* isa;
};
Kernel select_kernel(const KernelParams& p);

}  // namespace w2v
