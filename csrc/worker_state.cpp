#include "worker_state.h"

#include "kernels.h"

namespace w2v {

WorkerState::WorkerState(const KernelParams& p, uint64_t seed) : rng(seed) {
  const size_t d = static_cast<size_t>(p.vector_size);
  const size_t contexts = 2 * static_cast<size_t>(p.window) + 1;
  const size_t outputs = static_cast<size_t>(p.negative) + 1 + 64;  // 64 >= any Huffman depth
  work.assign(d, 0.f);
  neu1.assign(d, 0.f);
  grad_in.assign(contexts * d, 0.f);
  scores.assign(contexts * outputs, 0.f);
  in_rows.assign(contexts, nullptr);
  out_rows.assign(outputs, nullptr);
  labels.assign(outputs, 0.f);
  coef.assign(contexts, 0.f);
  shared_sets.assign(contexts * static_cast<size_t>(p.negative), 0);
  shared_uses.assign(contexts, 0);
  neg_ring.assign(kLookahead * (static_cast<size_t>(p.negative) + 1), 0);
  raw_draws.assign(static_cast<size_t>(p.negative) + 1, NoiseSampler::Draw{0, 0});
}

}  // namespace w2v
