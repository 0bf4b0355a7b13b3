#include "worker_state.h"

#include <algorithm>

#include "kernels.h"

namespace w2v {

WorkerState::WorkerState(const KernelParams& p, uint64_t seed) : rng(seed) {
  dims = static_cast<size_t>(p.vector_size);
  negative = static_cast<size_t>(p.negative);
  outputs = negative + 1 + 64;  // 64 >= any Huffman depth
  max_contexts = 2 * static_cast<size_t>(p.window) + 1;
  work.assign(dims, 0.f);
  neu1.assign(dims, 0.f);
  out_rows.assign(outputs, nullptr);
  labels.assign(outputs, 0.f);
  neg_ring.assign(kLookahead * (negative + 1), 0);
  raw_draws.assign(negative + 1, NoiseSampler::Draw{0, 0});
}

void WorkerState::grow_contexts(size_t n) {
  // Geometric growth: a run of ever longer sentences reallocates O(log n) times.
  const size_t want = std::min(max_contexts, std::max(n, 2 * context_slots));
  grad_in.resize(want * dims, 0.f);
  scores.resize(want * outputs, 0.f);
  in_rows.resize(want, nullptr);
  coef.resize(want, 0.f);
  shared_sets.resize(want * negative, 0);
  shared_uses.resize(want, 0);  // new sets are drawn on first use
  context_slots = want;
}

}  // namespace w2v
