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
  // Also NaN (weights that diverged, e.g. with a huge alpha or negative): never an index.
  if (!(f > -kMaxExp)) return 0.0f;
  return kSigmoid.v[static_cast<int>((f + kMaxExp) * (kSigmoidTableSize / (2 * kMaxExp)))];
}

// -log(sigmoid(x)), exact and stable for any x.
inline double neg_log_sigmoid(double x) {
  return x > 0 ? std::log1p(std::exp(-x)) : -x + std::log1p(std::exp(x));
}

inline float* row(float* m, int64_t r, int d) { return m + static_cast<size_t>(r) * d; }

inline void prefetch_row(const float* r, int d) {
  const char* p = reinterpret_cast<const char*>(r);
  const char* end = reinterpret_cast<const char*>(r + d);
  for (; p < end; p += 64) __builtin_prefetch(p, 1, 3);
}

// The next noise word of draw stream k (k < p.negative). Each stream resolves the draw it
// made one call ago, whose alias bin is in cache by now, then draws again and starts loading
// the new draw's bin.
inline uint32_t next_noise_word(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                                int k) {
  const NoiseSampler& noise = *m.noise;
  if (!ws.raw_draws_ready) {
    for (int j = 0; j < p.negative; ++j) ws.raw_draws[j] = noise.draw(ws.rng);
    ws.raw_draws_ready = true;
  }
  const uint32_t w = noise.resolve(ws.raw_draws[k]);
  ws.raw_draws[k] = noise.draw(ws.rng);
  noise.prefetch(ws.raw_draws[k]);
  return w;
}

// The context of centre i in a sentence of n words: [lo, hi) without i, its reach shrunk by
// a random 0..window-1 when p.shrink_windows (word2vec's reduced windows).
inline void context_bounds(const KernelParams& p, WorkerState& ws, size_t i, size_t n, size_t* lo,
                           size_t* hi) {
  const size_t window = static_cast<size_t>(p.window);
  const size_t shrink = p.shrink_windows ? ws.rng.below(static_cast<uint32_t>(window)) : 0;
  const size_t reach = window - shrink;
  *lo = i >= reach ? i - reach : 0;
  *hi = std::min(n, i + reach + 1);
}

// The noise set in slot `slot` of the ring of sets drawn ahead.
inline int32_t* ring_set(const KernelParams& p, WorkerState& ws, int slot) {
  return ws.neg_ring.data() + static_cast<size_t>(slot) * (p.negative + 1);
}

// Draws p.negative noise words into `set` and starts loading their rows; a draw equal to
// `avoid` (if >= 0) is redrawn, and skipped if no other word comes up. Returns the count.
inline int draw_noise_set(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                          int32_t avoid, int32_t* set) {
  int count = 0;
  for (int k = 0; k < p.negative; ++k) {
    int64_t w = next_noise_word(p, m, ws, k);
    if (w == avoid) w = m.noise->sample_excluding(ws.rng, static_cast<uint32_t>(avoid));
    if (w < 0) continue;
    set[count++] = static_cast<int32_t>(w);
    prefetch_row(row(m.syn1neg, w, p.vector_size), p.vector_size);
  }
  return count;
}

// Draws the negatives for predicting `target` into the next free set of ws.neg_ring and
// starts loading their rows: the rows are random, so usually cache misses, and drawing a few
// predictions ahead hides them. Returns the set's slot.
inline int draw_negatives(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                          int32_t target) {
  const int slot = ws.ring_head;
  ws.ring_head = (slot + 1) % WorkerState::kLookahead;
  prefetch_row(row(m.syn1neg, target, p.vector_size), p.vector_size);
  ws.neg_count[slot] = draw_noise_set(p, m, ws, target, ring_set(p, ws, slot));
  return slot;
}

// Makes the oldest set drawn ahead the current centre's.
inline void take_negatives(WorkerState& ws) {
  ws.cur_slot = ws.ring_tail;
  ws.ring_tail = (ws.ring_tail + 1) % WorkerState::kLookahead;
}

// Output rows and labels for predicting `target`: its Huffman path first (hs), then itself
// and the noise words of `set` other than itself (negative sampling). Returns the count;
// *n_hs is how many come from the path (those skip saturated scores, as in word2vec.c and
// gensim).
inline int gather_outputs(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                          int32_t target, const int32_t* set, int set_size, int* n_hs) {
  const int d = p.vector_size;
  float** out = ws.out_rows.data();
  float* labels = ws.labels.data();
  int O = 0;
  if (p.hs) {
    const HuffmanTree& t = *m.tree;
    for (uint64_t n = t.offsets[target]; n < t.offsets[target + 1]; ++n) {
      out[O] = row(m.syn1, t.points[n], d);
      labels[O++] = 1.0f - t.codes[n];
    }
  }
  *n_hs = O;
  if (p.negative) {
    out[O] = row(m.syn1neg, target, d);
    labels[O++] = 1.0f;
    for (int k = 0; k < set_size; ++k) {
      if (set[k] == target) continue;
      out[O] = row(m.syn1neg, set[k], d);
      labels[O++] = 0.0f;
    }
  }
  return O;
}

// gather_outputs() with the current centre's set of negatives drawn ahead.
inline int gather_outputs(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                          int32_t target, int* n_hs) {
  return gather_outputs(p, m, ws, target, ring_set(p, ws, ws.cur_slot), ws.neg_count[ws.cur_slot],
                        n_hs);
}

// The input rows of centre i's context [lo, hi) (without i) into ws.in_rows; returns how many.
inline int gather_context(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                          const int32_t* ids, size_t i, size_t lo, size_t hi) {
  float** in = ws.in_rows.data();
  int C = 0;
  for (size_t j = lo; j < hi; ++j)
    if (j != i) in[C++] = row(m.syn0, ids[j], p.vector_size);
  return C;
}

// Turns scores g[0..O) into gradient coefficients (label - sigmoid(score)) * alpha, adding
// the loss if asked. Saturated scores of the first n_hs outputs get 0 (skipped).
inline void score_to_gradient(const KernelParams& p, WorkerState& ws, float* g, const float* labels,
                              int O, int n_hs, float alpha) {
  for (int o = 0; o < O; ++o) {
    const float f = g[o];
    if (o < n_hs && (f <= -kMaxExp || f >= kMaxExp)) {
      g[o] = 0.0f;
      continue;
    }
    if (p.compute_loss) ws.loss += neg_log_sigmoid(labels[o] > 0.5f ? f : -f);
    g[o] = (labels[o] - sigmoid(f)) * alpha;
  }
}

// One hidden vector against O outputs: work = G out; out += G hidden (one pass per row).
inline void hidden_update(const KernelParams& p, WorkerState& ws, const float* hidden, int O,
                          int n_hs, float alpha, float* work) {
  const int d = p.vector_size;
  float* const* out = ws.out_rows.data();
  float* g = ws.scores.data();
  multi_dot(hidden, out, O, d, g);
  score_to_gradient(p, ws, g, ws.labels.data(), O, n_hs, alpha);
  combine_and_update(g, out, O, d, hidden, work);
}

// Inputs in[0..C) against the same O outputs, all from their old values:
// G = (labels - sigmoid(in . out^T)) * alpha;  in += G out;  out += G^T in.
inline void window_update(const KernelParams& p, WorkerState& ws, float* const* in, int C, int O,
                          int n_hs, float alpha) {
  const int d = p.vector_size;
  float* const* out = ws.out_rows.data();
  float* G = ws.scores.data();  // C x O, row-major
  for (int c = 0; c < C; ++c) {
    float* Gc = G + static_cast<size_t>(c) * O;
    multi_dot(in[c], out, O, d, Gc);
    score_to_gradient(p, ws, Gc, ws.labels.data(), O, n_hs, alpha);
  }
  float* grad = ws.grad_in.data();
  for (int c = 0; c < C; ++c)
    combine(G + static_cast<size_t>(c) * O, 1, out, O, d, grad + static_cast<size_t>(c) * d, false);
  for (int o = 0; o < O; ++o) combine(G + o, O, in, C, d, out[o], true);
  for (int c = 0; c < C; ++c) axpy(1.0f, grad + static_cast<size_t>(c) * d, in[c], d);
}

// ---- one centre --------------------------------------------------------------------------

// Skip-gram, shared outputs: the centre's outputs are trained against its whole window at once.
inline void sg_shared(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                      const int32_t* ids, size_t i, size_t lo, size_t hi, float alpha) {
  const int C = gather_context(p, m, ws, ids, i, lo, hi);
  if (C == 0) return;
  int n_hs;
  const int O = gather_outputs(p, m, ws, ids[i], &n_hs);
  if (O) window_update(p, ws, ws.in_rows.data(), C, O, n_hs, alpha);
}

// Skip-gram, classic: each (centre, context) pair gets its own negatives and update.
inline void sg_classic(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                       const int32_t* ids, size_t i, size_t lo, size_t hi, float alpha) {
  const int d = p.vector_size;
  float* work = ws.work.data();
  for (size_t j = lo; j < hi; ++j) {
    if (j == i) continue;
    if (p.negative) ws.cur_slot = draw_negatives(p, m, ws, ids[i]);
    int n_hs;
    const int O = gather_outputs(p, m, ws, ids[i], &n_hs);
    float* in = row(m.syn0, ids[j], d);
    hidden_update(p, ws, in, O, n_hs, alpha, work);
    axpy(1.0f, work, in, d);
  }
}

// The hidden vector of centre i (mean or sum of its context's input rows) into ws.neu1, the
// context rows into ws.in_rows; returns the context size.
inline int cbow_hidden(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                       const int32_t* ids, size_t i, size_t lo, size_t hi) {
  const int C = gather_context(p, m, ws, ids, i, lo, hi);
  if (C == 0) return 0;
  const float c = p.cbow_mean ? 1.0f / static_cast<float>(C) : 1.0f;
  float* coef = ws.coef.data();
  for (int k = 0; k < C; ++k) coef[k] = c;
  combine(coef, 1, ws.in_rows.data(), C, p.vector_size, ws.neu1.data(), false);
  return C;
}

// Trains ws.neu1 against the O outputs in ws.out_rows / ws.labels, then the C context rows.
inline void cbow_update(const KernelParams& p, WorkerState& ws, int C, int O, int n_hs,
                        float alpha) {
  const int d = p.vector_size;
  float* work = ws.work.data();
  hidden_update(p, ws, ws.neu1.data(), O, n_hs, alpha, work);
  // With a sum, the error is shared over the summed vectors (gensim's choice).
  if (!p.cbow_mean) scale(1.0f / static_cast<float>(C), work, d);
  float* const* in = ws.in_rows.data();
  for (int c = 0; c < C; ++c) axpy(1.0f, work, in[c], d);
}

// CBOW: the centre predicted from its context, against `set` (set_size noise words).
inline void cbow(const KernelParams& p, const ModelArrays& m, WorkerState& ws, const int32_t* ids,
                 size_t i, size_t lo, size_t hi, float alpha, const int32_t* set, int set_size) {
  const int C = cbow_hidden(p, m, ws, ids, i, lo, hi);
  if (C == 0) return;
  int n_hs;
  const int O = gather_outputs(p, m, ws, ids[i], set, set_size, &n_hs);
  cbow_update(p, ws, C, O, n_hs, alpha);
}

// ---- one sentence ------------------------------------------------------------------------

// CBOW with shared negatives. Each set of noise words serves kCbowShare centres spaced
// S = 2 * window + 1 apart (the centre at position t of its sentence uses set t mod S; centres
// of different sentences share no context anyway), so centres that share noise words never
// share a context word: sharing between neighbours, whose contexts overlap, would push
// the same context rows along the same noise rows several times in a row, and measurably
// hurts quality. Each centre is trained in turn exactly as classic CBOW, against its own
// target and its set (a noise word equal to the target is skipped). A set's rows are fetched
// from memory once and stay in cache for its later uses; a used-up set is redrawn at once, S
// centres before it is needed, so its rows have time to arrive.
void cbow_shared_sentence(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                          const int32_t* ids, size_t n, float alpha) {
  const size_t window = static_cast<size_t>(p.window), S = 2 * window + 1;
  const int d = p.vector_size, K = p.negative;
  for (size_t i = 0; i < n; ++i) {
    const size_t slot = i % S;
    int32_t* set = ws.shared_sets.data() + slot * K;
    if (ws.shared_uses[slot] == 0) {  // only until every set has been drawn once
      draw_noise_set(p, m, ws, -1, set);
      ws.shared_uses[slot] = kCbowShare;
    }
    if (i + window + 1 < n) prefetch_row(row(m.syn0, ids[i + window + 1], d), d);
    if (i + WorkerState::kLookahead < n)
      prefetch_row(row(m.syn1neg, ids[i + WorkerState::kLookahead], d), d);
    size_t lo, hi;
    context_bounds(p, ws, i, n, &lo, &hi);
    cbow(p, m, ws, ids, i, lo, hi, alpha, set, K);
    if (--ws.shared_uses[slot] == 0) {
      draw_noise_set(p, m, ws, -1, set);
      ws.shared_uses[slot] = kCbowShare;
    }
  }
  ws.effective_words += n;
}

// Every other variant: centre by centre, with negatives drawn kLookahead centres ahead
// (classic skip-gram draws them per pair instead).
template <KernelVariant V>
void centre_sentence(const KernelParams& p, const ModelArrays& m, WorkerState& ws,
                     const int32_t* ids, size_t n, float alpha) {
  const size_t window = static_cast<size_t>(p.window);
  const bool lookahead = p.negative > 0 && V != KernelVariant::kSkipGramClassic;
  const size_t ahead = WorkerState::kLookahead;
  if (lookahead)
    for (size_t j = 0; j < std::min(n, ahead); ++j) draw_negatives(p, m, ws, ids[j]);
  for (size_t i = 0; i < n; ++i) {
    if (lookahead) take_negatives(ws);
    size_t lo, hi;
    context_bounds(p, ws, i, n, &lo, &hi);
    // The input row of the word that may join the window next: it is used for up to
    // 2 * window centres from then on, but its first use would otherwise wait for memory.
    if (i + window + 1 < n)
      prefetch_row(row(m.syn0, ids[i + window + 1], p.vector_size), p.vector_size);
    if constexpr (V == KernelVariant::kSkipGramShared) {
      sg_shared(p, m, ws, ids, i, lo, hi, alpha);
    } else if constexpr (V == KernelVariant::kSkipGramClassic) {
      sg_classic(p, m, ws, ids, i, lo, hi, alpha);
    } else {
      cbow(p, m, ws, ids, i, lo, hi, alpha, ring_set(p, ws, ws.cur_slot),
           ws.neg_count[ws.cur_slot]);
    }
    if (lookahead && i + ahead < n) draw_negatives(p, m, ws, ids[i + ahead]);
  }
  ws.effective_words += n;
}

const KernelSet kKernels{{&centre_sentence<KernelVariant::kSkipGramShared>,
                          &centre_sentence<KernelVariant::kSkipGramClassic>, &cbow_shared_sentence,
                          &centre_sentence<KernelVariant::kCbowClassic>},
                         W2V_ISA_NAME};
