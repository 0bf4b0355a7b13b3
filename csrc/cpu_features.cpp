#include <cstdlib>
#include <cstring>

#include "kernels.h"

namespace w2v {

WorkerState::WorkerState(const KernelParams& p, uint64_t seed) : rng(seed) {
  const size_t d = static_cast<size_t>(p.dim);
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

bool cpu_has_avx2_fma() {
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

const KernelSet& select_kernels() {
  const char* forced = std::getenv("W2V_ISA");
  if (forced && std::strcmp(forced, "generic") == 0) return generic::kKernels;
  return cpu_has_avx2_fma() ? avx2::kKernels : generic::kKernels;
}

}  // namespace w2v
