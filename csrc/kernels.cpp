// Kernel selection: the instruction set this CPU runs and the variant a model trains with.
#include "kernels.h"

#include <cstdlib>
#include <cstring>

namespace w2v {

KernelVariant resolve_variant(const KernelParams& p) {
  if (p.sg)
    return p.shared_negatives ? KernelVariant::kSkipGramShared : KernelVariant::kSkipGramClassic;
  // CBOW shares negatives only without hierarchical softmax (whose path is per centre).
  if (p.shared_negatives && p.negative > 0 && !p.hs) return KernelVariant::kCbowShared;
  return KernelVariant::kCbowClassic;
}

std::string describe(const KernelParams& p) {
  std::string s = p.sg ? "skip-gram" : (p.cbow_mean ? "CBOW-mean" : "CBOW-sum");
  s += " with ";
  if (p.hs) s += "hierarchical softmax";
  if (p.hs && p.negative) s += "+";
  if (p.negative) s += "negative=" + std::to_string(p.negative);
  const KernelVariant v = resolve_variant(p);
  if (p.negative && (v == KernelVariant::kSkipGramShared || v == KernelVariant::kCbowShared))
    s += ", shared negatives";
  return s;
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

Kernel select_kernel(const KernelParams& p) {
  const KernelSet& set = select_kernels();
  const KernelVariant v = resolve_variant(p);
  return Kernel{set.train_sentence[static_cast<int>(v)], v, set.isa};
}

}  // namespace w2v
