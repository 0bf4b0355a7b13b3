// Python bindings of training: kernel parameters, the epoch plan, the word index, noise
// sampler, Huffman tree, the trainer itself and the initial weights.
#include <cstdint>
#include <optional>
#include <string>

#include "bindings_common.h"
#include "bindings_phrases.h"
#include "huffman.h"
#include "init_weights.h"
#include "noise_sampler.h"
#include "trainer.h"
#include "word_index.h"

namespace w2v {
namespace {

class PyWordIndex {
 public:
  explicit PyWordIndex(nb::handle words) {
    for (nb::handle w : words) {
      bool inserted;
      index.insert(token_bytes(w.ptr()), &inserted);
      if (!inserted) throw nb::value_error("duplicate word in vocabulary");
    }
  }
  int32_t find(nb::handle w) const { return index.find(token_bytes(w.ptr())); }
  WordIndex index{};
};

class PyNoiseSampler {
 public:
  explicit PyNoiseSampler(In1<double> weights) : sampler(weights.data(), weights.shape(0)) {}
  Array1<int64_t> sample(size_t k, int64_t avoid, uint64_t seed) const {
    std::vector<int64_t> out;
    {
      nb::gil_scoped_release release;
      out = sampler.sample_avoiding(k, avoid, seed);
    }
    return to_numpy(std::move(out));
  }
  NoiseSampler sampler;
};

class PyHuffmanTree {
 public:
  explicit PyHuffmanTree(In1<int64_t> counts)
      : tree(build_huffman_tree(counts.data(), counts.shape(0))) {}
  HuffmanTree tree;
};

// Keeps the Python objects whose memory the C++ trainer points into alive.
class PyTrainer {
 public:
  PyTrainer(const KernelParams& p, Matrix syn0, std::optional<Matrix> syn1neg,
            std::optional<Matrix> syn1, In1<uint32_t> sample_int, const PyNoiseSampler* noise,
            const PyHuffmanTree* tree, const PyWordIndex& vocab, uint32_t max_sentence_length,
            int workers)
      : keep_{nb::cast(syn0),  nb::cast(syn1neg), nb::cast(syn1),  nb::cast(sample_int),
              nb::find(noise), nb::find(tree),    nb::find(&vocab)} {
    const WordIndex& index = vocab.index;
    const size_t v = index.size(), d = static_cast<size_t>(p.vector_size);
    if (syn0.shape(0) != v || syn0.shape(1) != d) throw nb::value_error("syn0 has the wrong shape");
    if (sample_int.shape(0) != v) throw nb::value_error("sample_int has the wrong length");
    ModelArrays a;
    a.syn0 = syn0.data();
    a.vocab_size = v;
    a.sample_int = sample_int.data();
    if (p.negative > 0) {
      if (!syn1neg || !noise) throw nb::value_error("negative sampling needs syn1neg and noise");
      if (syn1neg->shape(0) != v || syn1neg->shape(1) != d)
        throw nb::value_error("syn1neg has the wrong shape");
      a.syn1neg = syn1neg->data();
      if (noise->sampler.size() != v)
        throw nb::value_error("noise sampler does not match the vocabulary");
      a.noise = &noise->sampler;
    }
    if (p.hs) {
      if (!syn1 || !tree) throw nb::value_error("hierarchical softmax needs syn1 and tree");
      if (v > 1 && (syn1->shape(0) < v - 1 || syn1->shape(1) != d))
        throw nb::value_error("syn1 has the wrong shape");
      a.syn1 = syn1->data();
      if (tree->tree.offsets.size() != v + 1) throw nb::value_error("Huffman tree does not match");
      a.tree = &tree->tree;
    }
    trainer = std::make_unique<Trainer>(p, a, &index, max_sentence_length, workers);
  }

  void feed_files(const std::vector<std::string>& paths, const std::vector<uint64_t>& sizes,
                  SplitMode mode) {
    auto sources = to_sources(paths, sizes);
    nb::gil_scoped_release release;
    trainer->feed_files(sources, mode);
  }
  void feed_spans(const std::vector<std::string>& paths, const std::vector<uint64_t>& begins,
                  const std::vector<uint64_t>& ends, SplitMode mode) {
    auto spans = to_spans(paths, begins, ends);
    nb::gil_scoped_release release;
    trainer->feed_spans(spans, mode);
  }
  bool feed_text(nb::bytes data, SplitMode mode) {
    std::string text(data.c_str(), data.size());
    nb::gil_scoped_release release;
    return trainer->feed_text(std::move(text), mode);
  }
  // Tokens are looked up with the GIL held (their views point into the batch's str objects),
  // then the batch is queued without it.
  bool feed_sentences(nb::handle batch) {
    IdSentences sentences = trainer->sentence_batch();
    walk_sentences(batch, sentences);
    nb::gil_scoped_release release;
    return trainer->feed_sentences(std::move(sentences));
  }
  bool wait(double seconds) {
    nb::gil_scoped_release release;
    return trainer->wait_for(seconds);
  }
  EpochStats finish() {
    nb::gil_scoped_release release;
    return trainer->finish();
  }
  bool pause() {
    nb::gil_scoped_release release;
    return trainer->pause();
  }

  std::vector<nb::object> keep_;
  std::unique_ptr<Trainer> trainer;
};

}  // namespace

void bind_training(nb::module_& m) {
  nb::class_<KernelParams>(m, "KernelParams",
                           "What the training kernels train; each field is named like the "
                           "Word2Vec parameter it comes from.")
      .def(nb::init<>())
      .def_rw("vector_size", &KernelParams::vector_size)
      .def_rw("window", &KernelParams::window)
      .def_rw("negative", &KernelParams::negative)
      .def_rw("hs", &KernelParams::hs)
      .def_rw("sg", &KernelParams::sg)
      .def_rw("cbow_mean", &KernelParams::cbow_mean)
      .def_rw("shrink_windows", &KernelParams::shrink_windows)
      .def_rw("compute_loss", &KernelParams::compute_loss)
      .def_rw("shared_negatives", &KernelParams::shared_negatives);

  nb::class_<EpochPlan>(m, "EpochPlan",
                        "One epoch's learning-rate plan: alpha falls linearly from start_alpha "
                        "to end_alpha over all epochs, measured in words (or sentences when "
                        "expected_words is 0).")
      .def(nb::init<>())
      .def_rw("start_alpha", &EpochPlan::start_alpha)
      .def_rw("end_alpha", &EpochPlan::end_alpha)
      .def_rw("epoch", &EpochPlan::epoch)
      .def_rw("epochs", &EpochPlan::epochs)
      .def_rw("expected_words", &EpochPlan::expected_words)
      .def_rw("expected_sentences", &EpochPlan::expected_sentences)
      .def_rw("seed", &EpochPlan::seed)
      .def_rw("batch_words", &EpochPlan::batch_words,
              "Words per job; files holding at most this many words are read by one thread.")
      .def_rw("words_before", &EpochPlan::words_before,
              "Resuming an unfinished epoch: the raw words it already trained.")
      .def_rw("sentences_before", &EpochPlan::sentences_before,
              "Resuming an unfinished epoch: the sentences it already trained.")
      .def_rw("part_words_before", &EpochPlan::part_words_before,
              "Resuming an unfinished epoch of file input: the raw words each byte-range part "
              "already trained (EpochStats.part_words); the files are cut into as many parts.")
      .def_rw("jobs_before", &EpochPlan::jobs_before,
              "Resuming an unfinished epoch of queue input: jobs (numbered in feeding order) "
              "below this were trained whole, unless listed in job_words_before.")
      .def_rw("job_words_before", &EpochPlan::job_words_before,
              "Resuming an unfinished epoch of queue input: (job, raw words already trained) "
              "for the jobs trained in part.")
      .def_rw("words_scale", &EpochPlan::words_scale,
              "Each raw word past words_before counts this many toward the learning rate (one "
              "machine's share of a distributed round).");

  nb::class_<EpochStats>(m, "EpochStats", "What one epoch trained.")
      .def_ro("raw_words", &EpochStats::raw_words, "Tokens read, in or out of the vocabulary.")
      .def_ro("effective_words", &EpochStats::effective_words,
              "Tokens trained on (in the vocabulary and kept by subsampling).")
      .def_ro("sentences", &EpochStats::sentences)
      .def_ro("loss", &EpochStats::loss, "Summed loss (when compute_loss).")
      .def_ro("part_words", &EpochStats::part_words,
              "File input: the raw words each byte-range part has read (skipped ones included).")
      .def_ro("jobs", &EpochStats::jobs,
              "Queue input: jobs below this were trained whole, unless listed in job_words.")
      .def_ro("job_words", &EpochStats::job_words,
              "Queue input: (job, raw words trained) for the jobs trained in part.");

  nb::class_<PyWordIndex>(m, "WordIndex", "The vocabulary's words to their ids.")
      .def(nb::init<nb::handle>(), "words"_a,
           nb::sig("def __init__(self, words: collections.abc.Iterable[str]) -> None"))
      .def("find", &PyWordIndex::find, "word"_a, nb::sig("def find(self, word: str) -> int"),
           "The id of `word`, or -1.")
      .def("__len__", [](const PyWordIndex& w) { return w.index.size(); });

  nb::class_<PyNoiseSampler>(m, "NoiseSampler", "Draws noise words (alias method).")
      .def(nb::init<In1<double>>(), "weights"_a)
      .def(
          "probabilities",
          [](const PyNoiseSampler& s) { return to_numpy(s.sampler.probabilities()); },
          "The exact distribution the draws follow.")
      .def("sample", &PyNoiseSampler::sample, "k"_a, "avoid"_a, "seed"_a,
           "k draws seeded by `seed`, each redrawn until it differs from `avoid` (if >= 0).")
      .def("__len__", [](const PyNoiseSampler& s) { return s.sampler.size(); });

  nb::class_<PyHuffmanTree>(m, "HuffmanTree", "The hierarchical-softmax tree over the counts.")
      .def(nb::init<In1<int64_t>>(), "counts"_a)
      .def("codes",
           [](const PyHuffmanTree& t) { return to_numpy(std::vector<uint8_t>(t.tree.codes)); })
      .def("points",
           [](const PyHuffmanTree& t) { return to_numpy(std::vector<uint32_t>(t.tree.points)); })
      .def("offsets",
           [](const PyHuffmanTree& t) { return to_numpy(std::vector<uint64_t>(t.tree.offsets)); });

  nb::class_<PyTrainer>(
      m, "Trainer",
      "Hogwild training threads over the model's arrays, updated in place.\n\n"
      "Each epoch: begin_epoch(plan); feed_files() or feed_text()/feed_sentences() batches;\n"
      "end_input(); wait() until it returns True; finish() returns the EpochStats.")
      .def(nb::init<const KernelParams&, Matrix, std::optional<Matrix>, std::optional<Matrix>,
                    In1<uint32_t>, const PyNoiseSampler*, const PyHuffmanTree*, const PyWordIndex&,
                    uint32_t, int>(),
           "params"_a, "syn0"_a, "syn1neg"_a.none(), "syn1"_a.none(), "sample_int"_a,
           "noise"_a.none(), "tree"_a.none(), "vocab"_a, "max_sentence_length"_a, "workers"_a)
      .def(
          "begin_epoch", [](PyTrainer& t, const EpochPlan& plan) { t.trainer->begin_epoch(plan); },
          "plan"_a)
      .def("feed_files", &PyTrainer::feed_files, "paths"_a, "sizes"_a, "mode"_a,
           "Starts one reader thread per byte range of the files.")
      .def("feed_spans", &PyTrainer::feed_spans, "paths"_a, "begins"_a, "ends"_a, "mode"_a,
           "Like feed_files, for bytes [begins[i], ends[i]) of each file, each starting a line.")
      .def("feed_text", &PyTrainer::feed_text, "data"_a, "mode"_a,
           "Queues a piece of text (tokenised on its own); False once the epoch is stopping.")
      .def("feed_sentences", &PyTrainer::feed_sentences, "batch"_a,
           nb::sig("def feed_sentences(self, batch: collections.abc.Sequence[collections.abc."
                   "Sequence[str]]) -> bool"),
           "Queues a batch of sentences (lists of str); False once the epoch is stopping.")
      .def(
          "end_input", [](PyTrainer& t) { t.trainer->end_input(); }, "No more input this epoch.")
      .def("wait", &PyTrainer::wait, "seconds"_a,
           "Waits up to `seconds` for the epoch's threads; True when they have finished.")
      .def("finish", &PyTrainer::finish,
           "Joins the threads and returns the epoch's tallies; raises a thread's error.")
      .def(
          "stop", [](PyTrainer& t) { t.trainer->request_stop(); }, "Asks the epoch to stop.")
      .def("pause", &PyTrainer::pause,
           "Parks the threads at sentence boundaries so the weights hold still; False if the "
           "epoch is stopping instead.")
      .def(
          "progress", [](const PyTrainer& t) { return t.trainer->progress(); },
          "The epoch's tallies so far; only while paused.")
      .def(
          "unpause", [](PyTrainer& t) { t.trainer->unpause(); }, "Lets paused threads go on.")
      .def(
          "set_phrases",
          [](PyTrainer& t, const PyPhraseTable& p) { t.trainer->set_phrases(p.table); },
          "phrases"_a, "Joins these phrases in text and files as they are read.")
      .def_prop_ro("words_done", [](const PyTrainer& t) { return t.trainer->words_done(); })
      .def_prop_ro("sentences_done", [](const PyTrainer& t) { return t.trainer->sentences_done(); })
      .def_prop_ro(
          "alpha", [](const PyTrainer& t) { return t.trainer->current_alpha(); },
          "The learning rate now.")
      .def_prop_ro("loss_so_far", [](const PyTrainer& t) { return t.trainer->loss_so_far(); })
      .def_prop_ro(
          "isa", [](const PyTrainer& t) { return std::string(t.trainer->isa()); },
          "The instruction set the kernels were compiled for.")
      .def_prop_ro(
          "variant", [](const PyTrainer& t) { return t.trainer->describe(); },
          "How the model trains, e.g. 'skip-gram with negative=5, shared negatives'.");

  m.def(
      "cpu_isa", [] { return std::string(select_kernels().isa); },
      "The instruction set the training kernels use on this CPU.");
  m.def(
      "fill_uniform_rows",
      [](Matrix out, uint64_t seed, uint64_t first_row, float scale, int threads) {
        nb::gil_scoped_release release;
        fill_uniform_rows(out.data(), out.shape(0), out.shape(1), seed, first_row, scale, threads);
      },
      "out"_a.noconvert(), "seed"_a, "first_row"_a, "scale"_a, "threads"_a = 1,
      "Fills the rows of `out` uniformly in [-scale, scale); row r from its own stream seeded "
      "by (seed, first_row + r).");
}

}  // namespace w2v
