// Python bindings: argument conversion only; the work happens in the plain C++ classes.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <memory>
#include <optional>
#include <stdexcept>

#include "huffman.h"
#include "init_weights.h"
#include "noise_sampler.h"
#include "trainer.h"
#include "vocab_counter.h"
#include "word_index.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace w2v {
namespace {

template <class T>
using Array1 = nb::ndarray<nb::numpy, T, nb::ndim<1>>;
template <class T>
using In1 = nb::ndarray<const T, nb::ndim<1>, nb::c_contig, nb::device::cpu>;
using Matrix = nb::ndarray<float, nb::ndim<2>, nb::c_contig, nb::device::cpu>;

template <class T>
Array1<T> to_numpy(std::vector<T>&& v) {
  auto* heap = new std::vector<T>(std::move(v));
  nb::capsule owner(heap, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return Array1<T>(heap->data(), {heap->size()}, owner);
}

SplitMode to_mode(const std::string& mode) {
  if (mode == "lines") return SplitMode::kLines;
  if (mode == "stream") return SplitMode::kStream;
  throw std::invalid_argument("mode must be 'lines' or 'stream'");
}

std::vector<FileSource> to_sources(const std::vector<std::string>& paths,
                                   const std::vector<uint64_t>& sizes) {
  if (paths.size() != sizes.size()) throw std::invalid_argument("paths and sizes differ in length");
  std::vector<FileSource> out;
  for (size_t i = 0; i < paths.size(); ++i) out.push_back(FileSource{paths[i], sizes[i]});
  return out;
}

std::string_view token_bytes(PyObject* token) {
  if (!PyUnicode_Check(token)) {
    throw nb::type_error(("each token must be a str, got " + std::string(Py_TYPE(token)->tp_name) +
                          " (sentences are lists of str)")
                             .c_str());
  }
  Py_ssize_t size;
  const char* data = PyUnicode_AsUTF8AndSize(token, &size);
  if (!data) {
    // Lone surrogates cannot be encoded; count them as their replacement.
    PyErr_Clear();
    return std::string_view("\xef\xbf\xbd");
  }
  return std::string_view(data, static_cast<size_t>(size));
}

// Calls f(token_view) for each token of each sentence and done(sentence_index) after each,
// checking the types as gensim users would wish it did.
template <class OnToken, class OnSentence>
void walk_sentences(nb::handle batch, OnToken&& on_token, OnSentence&& on_sentence) {
  nb::object seq = nb::steal(PySequence_Fast(batch.ptr(), "a batch must be a sequence"));
  if (!seq.is_valid()) throw nb::python_error();
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.ptr());
  PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
  for (Py_ssize_t s = 0; s < n; ++s) {
    PyObject* sentence = items[s];
    if (PyUnicode_Check(sentence) || PyBytes_Check(sentence)) {
      throw nb::type_error(
          "each sentence must be a list of str tokens, got a plain string; split it first "
          "(e.g. text.split()), or pass a file with corpus_file= / LineSentence");
    }
    nb::object tokens = nb::steal(PySequence_Fast(sentence, ""));
    if (!tokens.is_valid()) {
      PyErr_Clear();
      throw nb::type_error(("each sentence must be a list of str tokens, got " +
                            std::string(Py_TYPE(sentence)->tp_name))
                               .c_str());
    }
    const Py_ssize_t len = PySequence_Fast_GET_SIZE(tokens.ptr());
    PyObject** toks = PySequence_Fast_ITEMS(tokens.ptr());
    for (Py_ssize_t i = 0; i < len; ++i) on_token(token_bytes(toks[i]), i);
    on_sentence(static_cast<size_t>(len));
  }
}

// Counts a Python corpus batch by batch, and text streams chunk by chunk.
class PyVocabCounter {
 public:
  PyVocabCounter(int64_t max_vocab_size, uint32_t max_sentence_length, nb::object keep)
      : keep_(make_rule(keep)), counter_(max_vocab_size, keep_), max_len_(max_sentence_length) {}

  // Wraps a Python keep(word, count, min_reduce) -> bool; it may run on a scan thread.
  static VocabCounter::KeepRule make_rule(nb::object fn) {
    if (fn.is_none()) return nullptr;
    auto holder = std::make_shared<nb::object>(fn);
    return [holder](std::string_view w, int64_t count, int64_t min_reduce) {
      nb::gil_scoped_acquire gil;
      PyObject* s = PyUnicode_DecodeUTF8(w.data(), static_cast<Py_ssize_t>(w.size()), "replace");
      if (!s) throw nb::python_error();
      nb::object word = nb::steal(s);
      return nb::cast<bool>((*holder)(word, count, min_reduce));
    };
  }

  void count_sentences(nb::handle batch) {
    try {
      walk_sentences(
          batch, [&](std::string_view t, Py_ssize_t) { counter_.token(t); },
          [&](size_t) { counter_.end_sentence(); });
    } catch (...) {
      counter_.drop_pending();  // the half-read sentence's tokens may already be freed
      throw;
    }
  }
  void count_text(nb::bytes data, const std::string& mode) {
    if (!tok_) tok_ = std::make_unique<Tokenizer>(to_mode(mode), max_len_);
    const char* p = data.c_str();
    const size_t n = data.size();
    nb::gil_scoped_release release;
    tok_->feed(p, n, counter_);
  }
  void end_text() {
    if (tok_) tok_->finish(counter_);
    tok_.reset();
  }
  void count_files(const std::vector<std::string>& paths, const std::vector<uint64_t>& sizes,
                   const std::string& mode, int workers, int64_t max_vocab_size) {
    auto sources = to_sources(paths, sizes);
    const SplitMode m = to_mode(mode);
    VocabCounter counted;
    {
      nb::gil_scoped_release release;
      counted = VocabCounter::count_files(sources, m, max_len_, workers, max_vocab_size,
                                          &bytes_read_, keep_);
      if (counter_.size() == 0 && counter_.total_words() == 0 && counter_.sentences() == 0)
        counter_ = std::move(counted);  // the usual case; a merge would copy every word
      else
        counter_.merge(counted);
    }
  }
  Array1<int64_t> counts() const { return to_numpy(std::vector<int64_t>(counter_.counts())); }
  nb::list words(std::optional<In1<int64_t>> ids) const {
    nb::list out;
    auto add = [&](size_t id) {
      if (id >= counter_.size()) throw std::out_of_range("word id out of range");
      const std::string_view w = counter_.word(id);
      PyObject* s = PyUnicode_DecodeUTF8(w.data(), static_cast<Py_ssize_t>(w.size()), "replace");
      if (!s) throw nb::python_error();
      out.append(nb::steal(s));
    };
    if (ids) {
      for (size_t i = 0; i < ids->shape(0); ++i) add(static_cast<size_t>((*ids)(i)));
    } else {
      for (size_t i = 0; i < counter_.size(); ++i) add(i);
    }
    return out;
  }
  int64_t total_words() const { return counter_.total_words(); }
  int64_t sentences() const { return counter_.sentences(); }
  int64_t min_reduce() const { return counter_.min_reduce(); }
  size_t size() const { return counter_.size(); }
  uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> bytes_read_{0};
  VocabCounter::KeepRule keep_;
  VocabCounter counter_;
  uint32_t max_len_;
  std::unique_ptr<Tokenizer> tok_;
};

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
  Array1<double> probabilities() const { return to_numpy(sampler.probabilities()); }
  Array1<int64_t> sample(size_t k, int64_t avoid, uint64_t seed) const {
    std::vector<int64_t> out(k);
    Rng rng(derive_seed(seed, 0x5a17));
    {
      nb::gil_scoped_release release;
      for (size_t i = 0; i < k; ++i) {
        if (avoid < 0) {
          out[i] = sampler.sample(rng);
        } else {
          // Redraw until different; bounded so a distribution concentrated on `avoid` fails
          // instead of hanging (the Python layer checks for that case first).
          int64_t w = avoid;
          for (int tries = 0; w == avoid; ++tries) {
            if (tries == (1 << 28))
              throw std::invalid_argument("cannot draw a noise word other than `avoid`");
            w = sampler.sample(rng);
          }
          out[i] = w;
        }
      }
    }
    return to_numpy(std::move(out));
  }
  size_t size() const { return sampler.size(); }
  NoiseSampler sampler;
};

class PyHuffmanTree {
 public:
  explicit PyHuffmanTree(In1<int64_t> counts)
      : tree(build_huffman_tree(counts.data(), counts.shape(0))) {}
  Array1<uint8_t> codes() const { return to_numpy(std::vector<uint8_t>(tree.codes)); }
  Array1<uint32_t> points() const { return to_numpy(std::vector<uint32_t>(tree.points)); }
  Array1<uint64_t> offsets() const { return to_numpy(std::vector<uint64_t>(tree.offsets)); }
  HuffmanTree tree;
};

// Keeps the Python objects whose memory the C++ trainer points into alive.
class PyTrainer {
 public:
  PyTrainer(nb::dict params, Matrix syn0, nb::object syn1neg, nb::object syn1,
            In1<uint32_t> sample_int, nb::object noise, nb::object tree, nb::object vocab,
            uint32_t max_sentence_length, int workers)
      : keep_{nb::cast(syn0), syn1neg, syn1, nb::cast(sample_int), noise, tree, vocab},
        vocab_(&nb::cast<PyWordIndex&>(vocab)),
        max_len_(max_sentence_length) {
    KernelParams p;
    p.dim = nb::cast<int>(params["dim"]);
    p.window = nb::cast<int>(params["window"]);
    p.negative = nb::cast<int>(params["negative"]);
    p.hs = nb::cast<bool>(params["hs"]);
    p.sg = nb::cast<bool>(params["sg"]);
    p.cbow_mean = nb::cast<bool>(params["cbow_mean"]);
    p.shrink_windows = nb::cast<bool>(params["shrink_windows"]);
    p.compute_loss = nb::cast<bool>(params["compute_loss"]);
    p.mode = nb::cast<std::string>(params["update"]) == "classic" ? UpdateMode::kClassic
                                                                  : UpdateMode::kBatched;
    const size_t v = vocab_->index.size();
    if (syn0.shape(0) != v || syn0.shape(1) != static_cast<size_t>(p.dim))
      throw nb::value_error("syn0 has the wrong shape");
    if (sample_int.shape(0) != v) throw nb::value_error("sample_int has the wrong length");
    ModelArrays a;
    a.syn0 = syn0.data();
    a.vocab_size = v;
    a.sample_int = sample_int.data();
    if (p.negative > 0) {
      auto m = nb::cast<Matrix>(syn1neg);
      if (m.shape(0) != v || m.shape(1) != static_cast<size_t>(p.dim))
        throw nb::value_error("syn1neg has the wrong shape");
      a.syn1neg = m.data();
      auto& ns = nb::cast<PyNoiseSampler&>(noise);
      if (ns.size() != v) throw nb::value_error("noise sampler does not match the vocabulary");
      a.noise = &ns.sampler;
    }
    if (p.hs) {
      auto m = nb::cast<Matrix>(syn1);
      if (v > 1 && (m.shape(0) < v - 1 || m.shape(1) != static_cast<size_t>(p.dim)))
        throw nb::value_error("syn1 has the wrong shape");
      a.syn1 = m.data();
      auto& t = nb::cast<PyHuffmanTree&>(tree);
      if (t.tree.offsets.size() != v + 1) throw nb::value_error("Huffman tree does not match");
      a.tree = &t.tree;
    }
    trainer_ = std::make_unique<Trainer>(p, a, &vocab_->index, max_sentence_length, workers);
  }

  static EpochPlan plan(nb::dict d) {
    EpochPlan p;
    p.start_alpha = nb::cast<double>(d["start_alpha"]);
    p.end_alpha = nb::cast<double>(d["end_alpha"]);
    p.epoch = nb::cast<int>(d["epoch"]);
    p.epochs = nb::cast<int>(d["epochs"]);
    p.expected_words = nb::cast<uint64_t>(d["expected_words"]);
    p.expected_sentences = nb::cast<uint64_t>(d["expected_sentences"]);
    p.seed = nb::cast<uint64_t>(d["seed"]);
    return p;
  }

  void start_files(const std::vector<std::string>& paths, const std::vector<uint64_t>& sizes,
                   const std::string& mode, nb::dict plan_dict) {
    auto sources = to_sources(paths, sizes);
    const SplitMode m = to_mode(mode);
    EpochPlan p = plan(plan_dict);
    nb::gil_scoped_release release;
    trainer_->start_files(sources, m, p);
  }
  void start_queue(nb::dict plan_dict) { trainer_->start_queue(plan(plan_dict)); }

  // Converts a batch of Python sentences to ids (GIL held), then queues it (GIL released).
  // Returns the number of raw tokens, or -1 if training is stopping.
  int64_t push_sentences(nb::handle batch) {
    Job job;
    int64_t raw_total = 0;
    uint32_t raw = 0;
    auto close_chunk = [&] {
      job.ends.push_back(static_cast<uint32_t>(job.ids.size()));
      job.raw_lengths.push_back(raw);
      raw_total += raw;
      raw = 0;
    };
    const WordIndex& index = vocab_->index;
    PrefetchedBatch pending;  // tokens whose vocabulary slots are loading
    auto keep = [&](std::string_view t, uint64_t h) {
      const int32_t id = index.find(t, h);
      if (id >= 0) job.ids.push_back(id);
    };
    try {
      walk_sentences(
          batch,
          [&](std::string_view t, Py_ssize_t) {
            pending.add(index, t, keep);
            if (++raw == max_len_) {  // long sentences are split, never cut
              pending.flush(keep);
              close_chunk();
            }
          },
          [&](size_t) {
            pending.flush(keep);
            if (raw) close_chunk();
          });
    } catch (...) {
      pending.clear();  // the half-read sentence's tokens may already be freed
      throw;
    }
    nb::gil_scoped_release release;
    if (!trainer_->push(std::move(job))) return -1;
    return raw_total;
  }
  bool push_text(nb::bytes data, const std::string& mode) {
    Job job;
    job.is_text = true;
    job.mode = to_mode(mode);
    job.text.assign(data.c_str(), data.size());
    nb::gil_scoped_release release;
    return trainer_->push(std::move(job));
  }
  void close_queue() { trainer_->close_queue(); }
  bool wait(double seconds) {
    nb::gil_scoped_release release;
    return trainer_->wait_for(seconds);
  }
  nb::dict finish() {
    EpochStats s;
    {
      nb::gil_scoped_release release;
      s = trainer_->finish();
    }
    nb::dict d;
    d["raw_words"] = s.raw_words;
    d["effective_words"] = s.effective_words;
    d["sentences"] = s.sentences;
    d["loss"] = s.loss;
    return d;
  }
  void stop() { trainer_->request_stop(); }
  uint64_t words_done() const { return trainer_->words_done(); }
  uint64_t sentences_done() const { return trainer_->sentences_done(); }
  double alpha() const { return trainer_->current_alpha(); }
  double loss_so_far() const { return trainer_->loss_so_far(); }
  std::string isa() const { return trainer_->isa(); }

 private:
  std::vector<nb::object> keep_;
  PyWordIndex* vocab_;
  uint32_t max_len_;
  std::unique_ptr<Trainer> trainer_;
};

}  // namespace
}  // namespace w2v

NB_MODULE(_core, m) {
  using namespace w2v;
  m.doc() = "w2v's native core: file reading, vocabulary counting, sampling and training.";

  nb::class_<PyVocabCounter>(m, "VocabCounter")
      .def(nb::init<int64_t, uint32_t, nb::object>(), "max_vocab_size"_a, "max_sentence_length"_a,
           "keep"_a.none() = nb::none())
      .def("count_sentences", &PyVocabCounter::count_sentences, "batch"_a)
      .def("count_text", &PyVocabCounter::count_text, "data"_a, "mode"_a)
      .def("end_text", &PyVocabCounter::end_text)
      .def("count_files", &PyVocabCounter::count_files, "paths"_a, "sizes"_a, "mode"_a, "workers"_a,
           "max_vocab_size"_a)
      .def("counts", &PyVocabCounter::counts)
      .def("words", &PyVocabCounter::words, "ids"_a = nb::none())
      .def_prop_ro("total_words", &PyVocabCounter::total_words)
      .def_prop_ro("sentences", &PyVocabCounter::sentences)
      .def_prop_ro("min_reduce", &PyVocabCounter::min_reduce)
      .def_prop_ro("bytes_read", &PyVocabCounter::bytes_read)
      .def("__len__", &PyVocabCounter::size);

  nb::class_<PyWordIndex>(m, "WordIndex")
      .def(nb::init<nb::handle>(), "words"_a)
      .def("find", &PyWordIndex::find, "word"_a)
      .def("__len__", [](const PyWordIndex& w) { return w.index.size(); });

  nb::class_<PyNoiseSampler>(m, "NoiseSampler")
      .def(nb::init<In1<double>>(), "weights"_a)
      .def("probabilities", &PyNoiseSampler::probabilities)
      .def("sample", &PyNoiseSampler::sample, "k"_a, "avoid"_a, "seed"_a)
      .def("__len__", &PyNoiseSampler::size);

  nb::class_<PyHuffmanTree>(m, "HuffmanTree")
      .def(nb::init<In1<int64_t>>(), "counts"_a)
      .def("codes", &PyHuffmanTree::codes)
      .def("points", &PyHuffmanTree::points)
      .def("offsets", &PyHuffmanTree::offsets);

  nb::class_<PyTrainer>(m, "Trainer")
      .def(nb::init<nb::dict, Matrix, nb::object, nb::object, In1<uint32_t>, nb::object, nb::object,
                    nb::object, uint32_t, int>(),
           "params"_a, "syn0"_a, "syn1neg"_a.none(), "syn1"_a.none(), "sample_int"_a,
           "noise"_a.none(), "tree"_a.none(), "vocab"_a, "max_sentence_length"_a, "workers"_a)
      .def("start_files", &PyTrainer::start_files, "paths"_a, "sizes"_a, "mode"_a, "plan"_a)
      .def("start_queue", &PyTrainer::start_queue, "plan"_a)
      .def("push_sentences", &PyTrainer::push_sentences, "batch"_a)
      .def("push_text", &PyTrainer::push_text, "data"_a, "mode"_a)
      .def("close_queue", &PyTrainer::close_queue)
      .def("wait", &PyTrainer::wait, "seconds"_a)
      .def("finish", &PyTrainer::finish)
      .def("stop", &PyTrainer::stop)
      .def_prop_ro("words_done", &PyTrainer::words_done)
      .def_prop_ro("sentences_done", &PyTrainer::sentences_done)
      .def_prop_ro("alpha", &PyTrainer::alpha)
      .def_prop_ro("loss_so_far", &PyTrainer::loss_so_far)
      .def_prop_ro("isa", &PyTrainer::isa);

  m.def("cpu_isa", [] { return std::string(select_kernels().isa); });
  m.def(
      "fill_uniform_rows",
      [](Matrix out, uint64_t seed, uint64_t first_row, float scale, int threads) {
        nb::gil_scoped_release release;
        fill_uniform_rows(out.data(), out.shape(0), out.shape(1), seed, first_row, scale, threads);
      },
      "out"_a, "seed"_a, "first_row"_a, "scale"_a, "threads"_a = 1);
}
