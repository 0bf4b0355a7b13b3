// Training kernels, included once per instruction set inside `namespace w2v::<isa>`, after
// that file has defined dot(), axpy() and scale() for its instruction set.
//
// Roles as in word2vec.c: skip-gram predicts the centre word from each context word (input
// rows are the context's syn0, output rows the centre's syn1neg / Huffman path); CBOW predicts
// the centre from the sum or mean of the context's syn0.

constexpr float kMaxExp = 6.0f;
constexpr int kSigmoidTableSize = 2048;

struct SigmoidTable {
  float v[kSigmoidTableSize + 1];
  SigmoidTable() {
    for (int i = 0; i <= kSigmoidTableSize; ++i) {
      const double x = (2.0 * i / kSigmoidTableSize - 1.0) * kMaxExp;
      v[i] = static_cast<float>(1.0 / (1.0 + std::exp(-x)));
    }
  }
};
static const SigmoidTable kSigmoid;

inline float sigmoid(float f) {
  if (f >= kMaxExp) return 1.0f;
  if (f <= -kMaxExp) return 0.0f;
  return kSigmoid.v[static_cast<int>((f + kMaxExp) * (kSigmoidTableSize / (2 * kMaxExp)))];
}

// -log(sigmoid(x)), exact and stable for any x.
inline double neg_log_sigmoid(double x) {
  return x > 0 ? std::log1p(std::exp(-x)) : -x + std::log1p(std::exp(x));
}

inline float* row(float* m, int64_t r, int d) { return m + static_cast<size_t>(r) * d; }

// ---- classic: one update per (centre, context) pair -------------------------------------

inline void pair_neg(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                     const float* hidden, float* work, int32_t target, float alpha) {
  const int d = p.dim;
  for (int k = 0; k <= p.negative; ++k) {
    int64_t word = target;
    float label = 1.0f;
    if (k > 0) {
      word = m.noise->sample_excluding(ws.rng, static_cast<uint32_t>(target));
      if (word < 0) continue;
      label = 0.0f;
    }
    float* out = row(m.syn1neg, word, d);
    const float f = dot(hidden, out, d);
    const float g = (label - sigmoid(f)) * alpha;
    if (p.compute_loss) ws.loss += neg_log_sigmoid(k == 0 ? f : -f);
    axpy(g, out, work, d);
    axpy(g, hidden, out, d);
  }
}

inline void pair_hs(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                    const float* hidden, float* work, int32_t target, float alpha) {
  const int d = p.dim;
  const HuffmanTree& t = *m.tree;
  for (uint64_t n = t.offsets[target]; n < t.offsets[target + 1]; ++n) {
    float* out = row(m.syn1, t.points[n], d);
    const float f = dot(hidden, out, d);
    if (f <= -kMaxExp || f >= kMaxExp) continue;
    const float g = (1.0f - t.codes[n] - sigmoid(f)) * alpha;
    if (p.compute_loss) ws.loss += neg_log_sigmoid(t.codes[n] ? -f : f);
    axpy(g, out, work, d);
    axpy(g, hidden, out, d);
  }
}

inline void sg_classic(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                       const int32_t* ids, size_t i, size_t lo, size_t hi, float alpha) {
  const int d = p.dim;
  float* work = ws.work.data();
  for (size_t j = lo; j < hi; ++j) {
    if (j == i) continue;
    float* in = row(m.syn0, ids[j], d);
    std::fill(work, work + d, 0.0f);
    if (p.hs) pair_hs(p, m, ws, in, work, ids[i], alpha);
    if (p.negative) pair_neg(p, m, ws, in, work, ids[i], alpha);
    axpy(1.0f, work, in, d);
  }
}

inline void cbow(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                 const int32_t* ids, size_t i, size_t lo, size_t hi, float alpha) {
  const int d = p.dim;
  float* neu1 = ws.neu1.data();
  float* work = ws.work.data();
  std::fill(neu1, neu1 + d, 0.0f);
  int count = 0;
  for (size_t j = lo; j < hi; ++j) {
    if (j == i) continue;
    axpy(1.0f, row(m.syn0, ids[j], d), neu1, d);
    ++count;
  }
  if (count == 0) return;
  const float inv = 1.0f / static_cast<float>(count);
  if (p.cbow_mean) scale(inv, neu1, d);
  std::fill(work, work + d, 0.0f);
  if (p.hs) pair_hs(p, m, ws, neu1, work, ids[i], alpha);
  if (p.negative) pair_neg(p, m, ws, neu1, work, ids[i], alpha);
  // With a sum, the error is shared over the summed vectors (gensim's choice).
  if (!p.cbow_mean) scale(inv, work, d);
  for (size_t j = lo; j < hi; ++j) {
    if (j == i) continue;
    axpy(1.0f, work, row(m.syn0, ids[j], d), d);
  }
}

// ---- batched: the window's context rows against one shared set of outputs -------------

// Updates inputs in[0..C) and outputs out[0..O) together, both from their old values:
// G = (labels - sigmoid(in . out^T)) * alpha;  in += G out;  out += G^T in.
inline void window_update(const KernelParams& p, WorkerState& ws, float* const* in, int C,
                          float* const* out, const float* labels, int O, float alpha,
                          bool skip_saturated) {
  const int d = p.dim;
  float* G = ws.scores.data();  // C x O, row-major
  for (int c = 0; c < C; ++c) {
    float* g = G + c * O;
    multi_dot(in[c], out, O, d, g);
    for (int o = 0; o < O; ++o) {
      const float f = g[o];
      if (skip_saturated && (f <= -kMaxExp || f >= kMaxExp)) {
        g[o] = 0.0f;
        continue;
      }
      if (p.compute_loss) ws.loss += neg_log_sigmoid(labels[o] > 0.5f ? f : -f);
      g[o] = (labels[o] - sigmoid(f)) * alpha;
    }
  }
  float* grad = ws.grad_in.data();
  for (int c = 0; c < C; ++c) combine(G + c * O, 1, out, O, d, grad + static_cast<size_t>(c) * d, false);
  for (int o = 0; o < O; ++o) combine(G + o, O, in, C, d, out[o], true);
  for (int c = 0; c < C; ++c) axpy(1.0f, grad + static_cast<size_t>(c) * d, in[c], d);
}

inline void prefetch_row(const float* r, int d) {
  const char* p = reinterpret_cast<const char*>(r);
  const char* end = reinterpret_cast<const char*>(r + d);
  for (; p < end; p += 64) __builtin_prefetch(p, 1, 3);
}

// Draws the shared negatives of `centre` into ws.next_neg and starts loading their rows, so
// they are in cache when that centre is trained (the rows are random: usually cache misses).
inline void draw_negatives(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                           int32_t centre) {
  ws.next_neg_count = 0;
  prefetch_row(row(m.syn1neg, centre, p.dim), p.dim);
  for (int k = 0; k < p.negative; ++k) {
    const int64_t w = m.noise->sample_excluding(ws.rng, static_cast<uint32_t>(centre));
    if (w < 0) continue;
    ws.next_neg[ws.next_neg_count++] = static_cast<int32_t>(w);
    prefetch_row(row(m.syn1neg, w, p.dim), p.dim);
  }
}

inline void sg_batched(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                       const int32_t* ids, size_t i, size_t lo, size_t hi, float alpha) {
  const int d = p.dim;
  float** in = ws.in_rows.data();
  int C = 0;
  for (size_t j = lo; j < hi; ++j)
    if (j != i) in[C++] = row(m.syn0, ids[j], d);
  if (C == 0) return;
  float** out = ws.out_rows.data();
  float* labels = ws.labels.data();
  const int32_t centre = ids[i];
  if (p.hs) {
    const HuffmanTree& t = *m.tree;
    int O = 0;
    for (uint64_t n = t.offsets[centre]; n < t.offsets[centre + 1]; ++n) {
      out[O] = row(m.syn1, t.points[n], d);
      labels[O++] = 1.0f - t.codes[n];
    }
    if (O) window_update(p, ws, in, C, out, labels, O, alpha, true);
  }
  if (p.negative) {
    // ws.next_neg holds this centre's negatives, drawn (and prefetched) one centre ahead.
    int O = 0;
    out[O] = row(m.syn1neg, centre, d);
    labels[O++] = 1.0f;
    for (int k = 0; k < ws.next_neg_count; ++k) {
      out[O] = row(m.syn1neg, ws.next_neg[k], d);
      labels[O++] = 0.0f;
    }
    window_update(p, ws, in, C, out, labels, O, alpha, false);
  }
}

// ---- one sentence -----------------------------------------------------------------------

void train_sentence(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                    const int32_t* ids, size_t n, float alpha) {
  const size_t window = static_cast<size_t>(p.window);
  const bool batched_sg = p.sg && p.mode == UpdateMode::kBatched;
  const bool lookahead = batched_sg && p.negative > 0;
  if (lookahead && n) draw_negatives(p, m, ws, ids[0]);
  for (size_t i = 0; i < n; ++i) {
    const size_t b = p.shrink_windows ? ws.rng.below(static_cast<uint32_t>(window)) : 0;
    const size_t reach = window - b;
    const size_t lo = i >= reach ? i - reach : 0;
    const size_t hi = std::min(n, i + reach + 1);
    if (batched_sg) {
      sg_batched(p, m, ws, ids, i, lo, hi, alpha);
      if (lookahead && i + 1 < n) draw_negatives(p, m, ws, ids[i + 1]);
    } else if (p.sg) {
      sg_classic(p, m, ws, ids, i, lo, hi, alpha);
    } else {
      cbow(p, m, ws, ids, i, lo, hi, alpha);
    }
  }
  ws.effective_words += n;
}

const KernelSet kKernels{&train_sentence, W2V_ISA_NAME};
