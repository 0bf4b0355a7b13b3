// Python bindings: argument conversion only; the work happens in the plain C++ classes.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cmath>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "gzip_reader.h"
#include "huffman.h"
#include "init_weights.h"
#include "noise_sampler.h"
#include "phrase_applier.h"
#include "phrase_counter.h"
#include "phrase_transform.h"
#include "trainer.h"
#include "vocab_counter.h"
#include "word2vec_text.h"
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

std::vector<FileSource> to_sources(const std::vector<std::string>& paths,
                                   const std::vector<uint64_t>& sizes) {
  if (paths.size() != sizes.size()) throw std::invalid_argument("paths and sizes differ in length");
  std::vector<FileSource> out;
  for (size_t i = 0; i < paths.size(); ++i) out.push_back(FileSource{paths[i], sizes[i]});
  return out;
}

nb::str decode(std::string_view w) {
  PyObject* s = PyUnicode_DecodeUTF8(w.data(), static_cast<Py_ssize_t>(w.size()), "replace");
  if (!s) throw nb::python_error();
  return nb::steal<nb::str>(s);
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

// Hands the tokens of each sentence of a Python batch to sink.token() and ends each with
// sink.end_sentence(), checking the types as gensim users would wish it did. The views
// point into the batch's str objects: on an error the sink drops the ones it still holds.
template <class Sink>
void walk_sentences(nb::handle batch, Sink& sink) {
  try {
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
      for (Py_ssize_t i = 0; i < len; ++i) sink.token(token_bytes(toks[i]));
      sink.end_sentence();
    }
  } catch (...) {
    sink.drop_pending();
    throw;
  }
}

// A read-only view of an object's bytes through the buffer protocol (bytes, bytearray, mmap,
// memoryview), held until destruction (with the GIL).
class ByteBuffer {
 public:
  explicit ByteBuffer(nb::handle obj) {
    if (PyObject_GetBuffer(obj.ptr(), &view_, PyBUF_SIMPLE) != 0) throw nb::python_error();
  }
  ~ByteBuffer() { PyBuffer_Release(&view_); }
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;
  const char* data() const { return static_cast<const char*>(view_.buf); }
  size_t size() const { return static_cast<size_t>(view_.len); }

 private:
  Py_buffer view_;
};

// Parses the text rows of data[start, stop) into `out`, as many as it has rows.
template <class T>
TextRowsResult parse_word2vec_text(nb::handle data, size_t start, size_t stop, bool at_end,
                                   nb::ndarray<T, nb::ndim<2>, nb::c_contig, nb::device::cpu> out,
                                   bool stop_at_blank, int threads) {
  ByteBuffer buffer(data);
  if (start > stop || stop > buffer.size()) {
    throw nb::value_error("start and stop must delimit a range of the data");
  }
  TextRowsOptions opt;
  opt.dim = out.shape(1);
  opt.max_rows = out.shape(0);
  opt.at_end = at_end;
  opt.stop_at_blank = stop_at_blank;
  opt.threads = threads;
  nb::gil_scoped_release release;
  return parse_text_rows(buffer.data() + start, stop - start, opt, out.data());
}

// The text rows of `keys` (str) and `rows`, formatted into `out` (grown if too small), in
// pieces to write in order: their (start, stop) offsets in `out`.
template <class T>
std::vector<std::pair<size_t, size_t>> format_word2vec_text(
    nb::typed<nb::sequence, nb::str> keys,
    nb::ndarray<const T, nb::ndim<2>, nb::c_contig, nb::device::cpu> rows, int threads,
    nb::bytearray out) {
  nb::object seq = nb::steal(PySequence_Fast(keys.ptr(), "keys must be a sequence of str"));
  if (!seq.is_valid()) throw nb::python_error();
  const size_t n = static_cast<size_t>(PySequence_Fast_GET_SIZE(seq.ptr()));
  if (n != rows.shape(0)) throw nb::value_error("keys and rows differ in number");
  PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
  std::vector<std::string_view> views(n);
  for (size_t i = 0; i < n; ++i) {
    if (!PyUnicode_Check(items[i])) {
      throw nb::type_error(
          ("each key must be a str, got " + std::string(Py_TYPE(items[i])->tp_name)).c_str());
    }
    Py_ssize_t size;
    const char* utf8 = PyUnicode_AsUTF8AndSize(items[i], &size);
    if (!utf8) throw nb::python_error();  // a lone surrogate: UnicodeEncodeError
    views[i] = std::string_view(utf8, static_cast<size_t>(size));
  }
  // The caller passes the same buffer block after block: fresh memory for each block would
  // cost page faults and zeroing in the kernel (about a sixth of the time of a save).
  std::vector<TextPiece> pieces = plan_text_rows<T>(views, rows.shape(1), threads);
  size_t room = 0;
  for (const TextPiece& piece : pieces) room += piece.room;
  if (static_cast<size_t>(PyByteArray_GET_SIZE(out.ptr())) < room &&
      PyByteArray_Resize(out.ptr(), static_cast<Py_ssize_t>(room)) != 0) {
    throw nb::python_error();  // BufferError while a view of it is alive
  }
  char* base = PyByteArray_AS_STRING(out.ptr());
  size_t offset = 0;
  for (TextPiece& piece : pieces) {
    piece.out = base + offset;
    offset += piece.room;
  }
  {
    nb::gil_scoped_release release;
    format_text_rows(views, rows.data(), rows.shape(1), &pieces);
  }
  std::vector<std::pair<size_t, size_t>> spans;
  for (const TextPiece& piece : pieces) {
    const auto start = static_cast<size_t>(piece.out - base);
    spans.emplace_back(start, start + piece.size);
  }
  return spans;
}

// Wraps a Python keep(word, count, min_reduce) -> bool; it may run on a scan thread.
VocabCounter::KeepRule keep_rule(std::optional<nb::callable> fn) {
  if (!fn) return nullptr;
  auto holder = std::make_shared<nb::callable>(std::move(*fn));
  return [holder](std::string_view w, int64_t count, int64_t min_reduce) {
    nb::gil_scoped_acquire gil;
    return nb::cast<bool>((*holder)(decode(w), count, min_reduce));
  };
}

// A native scan (VocabScan, PhraseScan) as Python feeds it, the way it feeds the Trainer:
// feed_*(), end_input(), wait() until True, finish(). The GIL is released while C++ works.
template <class Scan>
class PyScan {
 public:
  template <class... Args>
  explicit PyScan(Args&&... args) : scan(std::forward<Args>(args)...) {}
  PyScan(const PyScan&) = delete;
  PyScan(PyScan&&) = delete;  // else the constructor above would take a PyScan as a Scan's argument
  PyScan& operator=(const PyScan&) = delete;
  ~PyScan() {
    if (!scan.files_running()) return;
    // The scan threads may be waiting for the GIL (in a keep rule): stop them without it.
    nb::gil_scoped_release release;
    scan.request_stop();
    try {
      scan.finish();
    } catch (...) {  // nobody is left to report it to
    }
  }
  void feed_files(const std::vector<std::string>& paths, const std::vector<uint64_t>& sizes,
                  SplitMode mode) {
    auto sources = to_sources(paths, sizes);
    nb::gil_scoped_release release;
    scan.feed_files(sources, mode);
  }
  bool feed_text(nb::bytes data, SplitMode mode) {
    const char* p = data.c_str();
    const size_t n = data.size();
    nb::gil_scoped_release release;
    if constexpr (std::is_same_v<decltype(scan.feed_text(p, n, mode)), bool>) {
      return scan.feed_text(p, n, mode);
    } else {
      scan.feed_text(p, n, mode);
      return true;
    }
  }
  bool feed_sentences(nb::handle batch) {
    walk_sentences(batch, scan.sentence_sink());
    return true;
  }
  bool wait(double seconds) {
    nb::gil_scoped_release release;
    return scan.wait_for(seconds);
  }
  void finish() {
    nb::gil_scoped_release release;
    scan.finish();
  }
  Scan scan;
};

// The input methods of a PyScan; `what` names its work in the docstrings ("file scan").
template <class Py>
void def_scan_input(nb::class_<Py>& cls, const char* what, const char* files_doc) {
  const std::string wait_doc =
      std::string("Waits up to `seconds` for the ") + what + "; True when it is done.";
  const std::string finish_doc = std::string("Waits for the ") + what + " and raises its error.";
  const std::string stop_doc = std::string("Asks a running ") + what + " to stop early.";
  cls.def(
         "feed_files",
         [](Py& c, const std::vector<std::string>& paths, const std::vector<uint64_t>& sizes,
            SplitMode mode) { c.feed_files(paths, sizes, mode); },
         "paths"_a, "sizes"_a, "mode"_a, files_doc)
      .def(
          "feed_text",
          [](Py& c, nb::bytes data, SplitMode mode) { return c.feed_text(data, mode); }, "data"_a,
          "mode"_a,
          "Counts a piece of text ending at ASCII whitespace (or at the end of the stream).")
      .def(
          "feed_sentences", [](Py& c, nb::handle batch) { return c.feed_sentences(batch); },
          "batch"_a,
          nb::sig("def feed_sentences(self, batch: collections.abc.Sequence[collections.abc."
                  "Sequence[str]]) -> bool"),
          "Counts a batch of sentences (lists of str).")
      .def(
          "end_input", [](Py& c) { c.scan.end_input(); }, "No more input.")
      .def(
          "wait", [](Py& c, double seconds) { return c.wait(seconds); }, "seconds"_a,
          wait_doc.c_str())
      .def(
          "finish", [](Py& c) { c.finish(); }, finish_doc.c_str())
      .def("stop", [](Py& c) { c.scan.request_stop(); }, stop_doc.c_str());
}

class PyVocabCounter : public PyScan<VocabScan> {
 public:
  PyVocabCounter(int64_t max_vocab_size, uint32_t max_sentence_length, int workers,
                 std::optional<nb::callable> keep)
      : PyScan(max_vocab_size, max_sentence_length, workers, keep_rule(std::move(keep))) {}
  nb::typed<nb::list, nb::str> words(std::optional<In1<int64_t>> ids) const {
    const VocabCounter& c = scan.counter();
    nb::typed<nb::list, nb::str> out;
    auto add = [&](size_t id) {
      if (id >= c.size()) throw std::out_of_range("word id out of range");
      out.append(decode(c.word(id)));
    };
    if (ids) {
      for (size_t i = 0; i < ids->shape(0); ++i) add(static_cast<size_t>((*ids)(i)));
    } else {
      for (size_t i = 0; i < c.size(); ++i) add(i);
    }
    return out;
  }
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

// ---- phrases ----

std::shared_ptr<const PhraseRules> phrase_rules(const std::string& delimiter,
                                                nb::handle connectors) {
  std::vector<std::string> words;
  for (nb::handle w : connectors) words.emplace_back(token_bytes(w.ptr()));
  return std::make_shared<const PhraseRules>(delimiter, words);
}

nb::typed<nb::list, nb::str> decode_all(size_t n,
                                        const std::function<std::string_view(size_t)>& at) {
  nb::typed<nb::list, nb::str> out;
  for (size_t i = 0; i < n; ++i) out.append(decode(at(i)));
  return out;
}

// Phrased sentences as lists of str, or of (token, score or None) with scores.
struct PyCollector {
  nb::list out;
  nb::list current;
  std::vector<double>* scores = nullptr;  // the PhraseSink's score log, if asked for
  void token(std::string_view w) { current.append(decode(w)); }
  void end_sentence() {
    if (scores) {
      const size_t n = nb::len(current), base = scores->size() - n;
      nb::list pairs;
      for (size_t i = 0; i < n; ++i) {
        const double s = (*scores)[base + i];
        pairs.append(nb::make_tuple(
            current[i], std::isnan(s) ? nb::object(nb::none()) : nb::object(nb::float_(s))));
      }
      scores->clear();
      out.append(pairs);
    } else {
      out.append(current);
    }
    current = nb::list();
  }
  void end_block() {}
};

template <class Judge>
nb::list apply_phrases(const Judge& judge, nb::handle batch, bool with_scores) {
  PyCollector collect;
  PhraseSink<Judge, PyCollector> sink(judge, collect);
  std::vector<double> scores;
  if (with_scores) {
    sink.log_scores(&scores);
    collect.scores = &scores;
  }
  walk_sentences(batch, sink);
  return collect.out;
}

class PyPhraseCounter : public PyScan<PhraseScan> {
 public:
  PyPhraseCounter(const std::string& delimiter, nb::handle connectors, int64_t max_vocab_size,
                  uint32_t max_sentence_length, int workers)
      : PyScan(phrase_rules(delimiter, connectors), max_vocab_size, max_sentence_length, workers) {}
  void add(nb::handle keys, In1<int64_t> counts) {
    nb::object seq = nb::steal(PySequence_Fast(keys.ptr(), "keys must be a sequence of str"));
    if (!seq.is_valid()) throw nb::python_error();
    const size_t n = static_cast<size_t>(PySequence_Fast_GET_SIZE(seq.ptr()));
    if (n != counts.shape(0)) throw nb::value_error("keys and counts differ in length");
    PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
    for (size_t i = 0; i < n; ++i) scan.counter().add(token_bytes(items[i]), counts(i));
  }
  static ScoringParams params(PhraseScoring scoring, double min_count, double threshold,
                              int64_t len_vocab, int64_t corpus_word_count) {
    ScoringParams p;
    p.scoring = scoring;
    p.min_count = min_count;
    p.threshold = threshold;
    p.len_vocab = len_vocab;
    p.corpus_word_count = corpus_word_count;
    return p;
  }
  nb::tuple export_phrases(PhraseScoring scoring, double min_count, double threshold,
                           int64_t corpus_word_count) const {
    const PhraseCounter& c = scan.counter();
    std::vector<int32_t> ids;
    std::vector<double> scores;
    {
      nb::gil_scoped_release release;
      c.export_phrases(
          params(scoring, min_count, threshold, static_cast<int64_t>(c.size()), corpus_word_count),
          &ids, &scores);
    }
    auto keys = decode_all(ids.size(), [&](size_t i) { return c.key(ids[i]); });
    return nb::make_tuple(keys, to_numpy(std::move(scores)));
  }
  nb::tuple phrase_candidates() const {
    const PhraseCounter& c = scan.counter();
    std::vector<int32_t> ids;
    std::vector<int64_t> a, b, ab;
    c.phrase_candidates(&ids, &a, &b, &ab);
    auto keys = decode_all(ids.size(), [&](size_t i) { return c.key(ids[i]); });
    return nb::make_tuple(keys, to_numpy(std::move(a)), to_numpy(std::move(b)),
                          to_numpy(std::move(ab)));
  }
  nb::list apply(nb::handle batch, PhraseScoring scoring, double min_count, double threshold,
                 int64_t corpus_word_count, bool with_scores) const {
    const PhraseCounter& c = scan.counter();
    const CountJudge judge(c, params(scoring, min_count, threshold, static_cast<int64_t>(c.size()),
                                     corpus_word_count));
    return apply_phrases(judge, batch, with_scores);
  }
};

class PyPhraseTable {
 public:
  PyPhraseTable(const std::string& delimiter, nb::handle connectors, double threshold,
                nb::handle keys, In1<double> scores) {
    auto t = std::make_shared<PhraseTable>(phrase_rules(delimiter, connectors), threshold);
    nb::object seq = nb::steal(PySequence_Fast(keys.ptr(), "keys must be a sequence of str"));
    if (!seq.is_valid()) throw nb::python_error();
    const size_t n = static_cast<size_t>(PySequence_Fast_GET_SIZE(seq.ptr()));
    if (n != scores.shape(0)) throw nb::value_error("keys and scores differ in length");
    PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
    for (size_t i = 0; i < n; ++i) t->add(token_bytes(items[i]), scores(i));
    table = std::move(t);
  }
  std::shared_ptr<const PhraseTable> table;
};

// Fills a writable buffer from a GzipReader with the GIL released; bad data raises what
// Python's gzip module raises: EOFError when truncated, OSError (without errno) when corrupt.
size_t gzip_readinto(GzipReader& reader, nb::handle buffer) {
  Py_buffer view;
  if (PyObject_GetBuffer(buffer.ptr(), &view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) != 0)
    throw nb::python_error();
  struct Release {
    Py_buffer* v;
    ~Release() { PyBuffer_Release(v); }
  } release_view{&view};
  std::optional<GzipDataError> bad;
  size_t n = 0;
  {
    nb::gil_scoped_release release;
    try {
      n = reader.read(static_cast<char*>(view.buf), static_cast<size_t>(view.len));
    } catch (const GzipDataError& e) {
      bad.emplace(e);
    }
  }
  if (bad) {
    PyErr_SetString(bad->truncated ? PyExc_EOFError : PyExc_OSError, bad->what());
    throw nb::python_error();
  }
  return n;
}

class PyPhraseTransform {
 public:
  PyPhraseTransform(const PyPhraseTable& t, const std::string& target, uint32_t max_sentence_length,
                    int workers)
      : transform(t.table, target, max_sentence_length, workers) {}
  ~PyPhraseTransform() {
    nb::gil_scoped_release release;
    transform.request_stop();
    try {
      transform.finish();
    } catch (...) {  // nobody is left to report it to
    }
  }
  void feed_files(const std::vector<std::string>& paths, const std::vector<uint64_t>& sizes,
                  SplitMode mode) {
    auto sources = to_sources(paths, sizes);
    nb::gil_scoped_release release;
    transform.feed_files(sources, mode);
  }
  bool feed_text(nb::bytes data, SplitMode mode) {
    const char* p = data.c_str();
    const size_t n = data.size();
    nb::gil_scoped_release release;
    return transform.feed_text(p, n, mode);
  }
  bool wait(double seconds) {
    nb::gil_scoped_release release;
    return transform.wait_for(seconds);
  }
  void finish() {
    nb::gil_scoped_release release;
    transform.finish();
  }
  PhraseTransform transform;
};

}  // namespace
}  // namespace w2v

NB_MODULE(_core, m) {
  using namespace w2v;
  m.doc() = "w2v's native core: file reading, vocabulary counting, sampling and training.";

  nb::enum_<SplitMode>(m, "SplitMode", "Where a file corpus's sentences end.")
      .value("lines", SplitMode::kLines, "At each newline (LineSentence).")
      .value("stream", SplitMode::kStream,
             "Newlines are ordinary whitespace; sentences are runs of max_sentence_length "
             "tokens (Text8Corpus).");

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

  auto vocab_counter =
      nb::class_<PyVocabCounter>(
          m, "VocabCounter",
          "Counts the words of a corpus (first-seen order, gensim's pruning at max_vocab_size).\n\n"
          "Fed like Trainer: feed_files() (counted by `workers` threads in the background), or\n"
          "feed_text() pieces, or feed_sentences() batches; then end_input(), wait() until it\n"
          "returns True, and finish().")
          .def(nb::init<int64_t, uint32_t, int, std::optional<nb::callable>>(), "max_vocab_size"_a,
               "max_sentence_length"_a, "workers"_a = 1, "keep"_a.none() = nb::none(),
               "keep(word, count, min_reduce) -> bool, if given, decides which words survive "
               "pruning.");
  def_scan_input(vocab_counter, "file scan",
                 "Starts counting the first sizes[i] bytes of each file in the background.");
  vocab_counter
      .def(
          "counts",
          [](const PyVocabCounter& c) {
            return to_numpy(std::vector<int64_t>(c.scan.counter().counts()));
          },
          "The count of each word, by id.")
      .def("words", &PyVocabCounter::words, "ids"_a = nb::none(),
           "The words with these ids (all words if None).")
      .def(
          "absorb",
          [](PyVocabCounter& c, const PyVocabCounter& later) { c.scan.absorb(later.scan); },
          "later"_a,
          "Adds the counts of `later` (both finished) as if its input had followed this one's: "
          "its new words come after these, in its order.")
      .def_prop_ro("total_words",
                   [](const PyVocabCounter& c) { return c.scan.counter().total_words(); })
      .def_prop_ro("sentences",
                   [](const PyVocabCounter& c) { return c.scan.counter().sentences(); })
      .def_prop_ro("min_reduce",
                   [](const PyVocabCounter& c) { return c.scan.counter().min_reduce(); })
      .def_prop_ro(
          "bytes_read", [](const PyVocabCounter& c) { return c.scan.bytes_read(); },
          "File bytes read so far by feed_files().")
      .def(
          "set_phrases",
          [](PyVocabCounter& c, const PyPhraseTable& p) { c.scan.set_phrases(p.table); },
          "phrases"_a, "Counts text and files with these phrases joined.")
      .def("__len__", [](const PyVocabCounter& c) { return c.scan.counter().size(); });

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

  nb::enum_<TextStop>(m, "TextStop", "Why parse_word2vec_text stopped.")
      .value("done", TextStop::kDone,
             "The rows ran out: `out` is full or the data has no further line.")
      .value("bad_row", TextStop::kBadRow,
             "The next line has the wrong number of values or a value that float() refuses.")
      .value("blank_line", TextStop::kBlankLine, "The next line is blank (stop_at_blank).");

  nb::class_<TextRowsResult>(m, "TextRows", "What parse_word2vec_text read.")
      .def_ro("rows", &TextRowsResult::rows, "Rows parsed into `out`.")
      .def_ro("consumed", &TextRowsResult::consumed,
              "Bytes those rows take (newlines included): the next line starts there.")
      .def_ro("stop", &TextRowsResult::stop)
      .def_prop_ro(
          "keys", [](const TextRowsResult& r) { return nb::bytes(r.keys.data(), r.keys.size()); },
          "The rows' keys as bytes, each followed by a newline.");

  const char* parse_doc =
      "Parses the word2vec text rows ('key v1 ... vN' lines) of data[start:stop] into `out`\n"
      "(rows x N), at most `out`'s number of rows, on up to `threads` threads. Only complete\n"
      "lines are read unless at_end (the data ends the file). Values are read as float() reads\n"
      "them, then cast. It stops before a line it cannot read, or before a blank line if\n"
      "stop_at_blank.";
  auto parse_sig = [](const char* dtype) {
    return std::string(
               "def parse_word2vec_text(data: bytes | bytearray | memoryview | mmap.mmap, "
               "start: int, stop: int, at_end: bool, out: Annotated[NDArray[numpy.") +
           dtype +
           "], dict(shape=(None, None), order='C', device='cpu')], stop_at_blank: bool, "
           "threads: int) -> TextRows";
  };
  const std::string parse_sig32 = parse_sig("float32"), parse_sig64 = parse_sig("float64");
  m.def("parse_word2vec_text", &parse_word2vec_text<float>, "data"_a, "start"_a, "stop"_a,
        "at_end"_a, "out"_a.noconvert(), "stop_at_blank"_a, "threads"_a,
        nb::sig(parse_sig32.c_str()), parse_doc);
  m.def("parse_word2vec_text", &parse_word2vec_text<double>, "data"_a, "start"_a, "stop"_a,
        "at_end"_a, "out"_a.noconvert(), "stop_at_blank"_a, "threads"_a,
        nb::sig(parse_sig64.c_str()), parse_doc);
  const char* format_doc =
      "Formats the word2vec text rows 'key v1 ... vN\\n' of `keys` and `rows` into `out`\n"
      "(grown when too small), each value in the shortest decimal that reads back to it, on\n"
      "up to `threads` threads. Returns the (start, stop) offsets in `out` of the pieces of\n"
      "text, to be written in order.";
  m.def("format_word2vec_text", &format_word2vec_text<float>, "keys"_a, "rows"_a.noconvert(),
        "threads"_a, "out"_a, format_doc);
  m.def("format_word2vec_text", &format_word2vec_text<double>, "keys"_a, "rows"_a.noconvert(),
        "threads"_a, "out"_a, format_doc);

  nb::enum_<PhraseScoring>(m, "PhraseScoring", "gensim's built-in phrase scores.")
      .value("default", PhraseScoring::kDefault, "original_scorer (Mikolov et al.)")
      .value("npmi", PhraseScoring::kNpmi, "npmi_scorer (normalised pointwise mutual information)");

  auto phrase_counter =
      nb::class_<PyPhraseCounter>(
          m, "PhraseCounter",
          "Counts words and phrase candidates as gensim's Phrases does (pruning included).\n\n"
          "Fed like VocabCounter: feed_files(), feed_text() pieces or feed_sentences() batches;\n"
          "then end_input(), wait() until it returns True, and finish().")
          .def(nb::init<const std::string&, nb::handle, int64_t, uint32_t, int>(), "delimiter"_a,
               "connectors"_a, "max_vocab_size"_a, "max_sentence_length"_a, "workers"_a = 1,
               nb::sig(
                   "def __init__(self, delimiter: str, connectors: collections.abc.Iterable[str], "
                   "max_vocab_size: int, max_sentence_length: int, workers: int = 1) -> None"));
  def_scan_input(phrase_counter, "file count", "Starts counting the files in the background.");
  phrase_counter
      .def(
          "keys",
          [](const PyPhraseCounter& c) {
            const PhraseCounter& k = c.scan.counter();
            return decode_all(k.size(), [&](size_t i) { return k.key(i); });
          },
          "Every key, in first-seen order.")
      .def(
          "counts",
          [](const PyPhraseCounter& c) {
            return to_numpy(std::vector<int64_t>(c.scan.counter().counts()));
          },
          "The count of each key, in the order of keys().")
      .def(
          "count",
          [](const PyPhraseCounter& c, nb::handle key) {
            return c.scan.counter().count(token_bytes(key.ptr()));
          },
          "key"_a, nb::sig("def count(self, key: str) -> int"), "The count of `key` (0 if absent).")
      .def("add", &PyPhraseCounter::add, "keys"_a, "counts"_a,
           nb::sig("def add(self, keys: collections.abc.Sequence[str], counts: numpy.typing."
                   "ArrayLike) -> None"),
           "Adds counts to keys (inserted when new).")
      .def(
          "merge",
          [](PyPhraseCounter& c, const PyPhraseCounter& other) {
            c.scan.counter().merge(other.scan.counter());
          },
          "other"_a, "Adds `other`'s counts; its new keys go last. No pruning.")
      .def(
          "prune", [](PyPhraseCounter& c, int64_t m) { c.scan.counter().prune(m); }, "min_reduce"_a,
          "Drops the keys counted fewer than min_reduce times.")
      .def("export_phrases", &PyPhraseCounter::export_phrases, "scoring"_a, "min_count"_a,
           "threshold"_a, "corpus_word_count"_a,
           "(keys, scores) of the phrases scoring above the threshold, as gensim's "
           "export_phrases.")
      .def("phrase_candidates", &PyPhraseCounter::phrase_candidates,
           "(keys, first-word counts, last-word counts, counts) of every phrase key whose "
           "counts are all positive.")
      .def("apply", &PyPhraseCounter::apply, "batch"_a, "scoring"_a, "min_count"_a, "threshold"_a,
           "corpus_word_count"_a, "with_scores"_a = false,
           nb::sig("def apply(self, batch: collections.abc.Sequence[collections.abc.Sequence[str]]"
                   ", scoring: PhraseScoring, min_count: float, threshold: float, "
                   "corpus_word_count: int, with_scores: bool = False) -> list"),
           "The sentences with their phrases joined, judged by these counts.")
      .def_prop_ro("total_words",
                   [](const PyPhraseCounter& c) { return c.scan.counter().total_words(); })
      .def_prop_ro("sentences",
                   [](const PyPhraseCounter& c) { return c.scan.counter().sentences(); })
      .def_prop_ro("min_reduce",
                   [](const PyPhraseCounter& c) { return c.scan.counter().min_reduce(); })
      .def_prop_ro(
          "bytes_read", [](const PyPhraseCounter& c) { return c.scan.bytes_read(); },
          "File bytes read so far by feed_files().")
      .def_prop_ro(
          "sequential_recount",
          [](const PyPhraseCounter& c) { return c.scan.sequential_recount(); },
          "Whether the files were counted again in one pass because pruning was due.")
      .def_prop_rw(
          "parallel_text", [](const PyPhraseCounter& c) { return c.scan.parallel_text(); },
          [](PyPhraseCounter& c, bool on) { c.scan.set_parallel_text(on); },
          "Whether text pieces (lines mode) are counted by all threads as they come (else by "
          "text in one pass, pruning as gensim does).")
      .def_prop_ro(
          "needs_second_pass", [](const PyPhraseCounter& c) { return c.scan.needs_second_pass(); },
          "Whether the text fed must be fed again to a counter with parallel_text off (pruning "
          "was due, or a token holds the delimiter).")
      .def("__len__", [](const PyPhraseCounter& c) { return c.scan.counter().size(); });

  nb::class_<PyPhraseTable>(m, "PhraseTable", "A frozen model's phrases: joined key -> score.")
      .def(nb::init<const std::string&, nb::handle, double, nb::handle, In1<double>>(),
           "delimiter"_a, "connectors"_a, "threshold"_a, "keys"_a, "scores"_a,
           nb::sig("def __init__(self, delimiter: str, connectors: collections.abc.Iterable[str], "
                   "threshold: float, keys: collections.abc.Sequence[str], scores: numpy.typing."
                   "ArrayLike) -> None"))
      .def(
          "apply",
          [](const PyPhraseTable& t, nb::handle batch, bool with_scores) {
            return apply_phrases(TableJudge(*t.table), batch, with_scores);
          },
          "batch"_a, "with_scores"_a = false,
          nb::sig("def apply(self, batch: collections.abc.Sequence[collections.abc.Sequence[str]]"
                  ", with_scores: bool = False) -> list"),
          "The sentences with their phrases joined.")
      .def("__len__", [](const PyPhraseTable& t) { return t.table->size(); });

  nb::class_<PyPhraseTransform>(
      m, "PhraseTransform",
      "Writes a phrased copy of a corpus, one sentence per line. Fed like VocabCounter\n"
      "(feed_files() or feed_text() pieces); then end_input(), wait() and finish().")
      .def(nb::init<const PyPhraseTable&, const std::string&, uint32_t, int>(), "table"_a,
           "target"_a, "max_sentence_length"_a, "workers"_a)
      .def("feed_files", &PyPhraseTransform::feed_files, "paths"_a, "sizes"_a, "mode"_a,
           "Starts phrasing the files in the background, in pieces written in order.")
      .def("feed_text", &PyPhraseTransform::feed_text, "data"_a, "mode"_a,
           "Phrases and writes a piece of text ending at ASCII whitespace (at a newline in lines\n"
           "mode, where it is queued for the threads); False once stopped.")
      .def(
          "end_input", [](PyPhraseTransform& t) { t.transform.end_input(); }, "No more input.")
      .def("wait", &PyPhraseTransform::wait, "seconds"_a,
           "Waits up to `seconds`; True when the files are done.")
      .def("finish", &PyPhraseTransform::finish, "Closes the target and raises any error.")
      .def(
          "stop", [](PyPhraseTransform& t) { t.transform.request_stop(); }, "Stops early.")
      .def_prop_ro("bytes_read",
                   [](const PyPhraseTransform& t) { return t.transform.bytes_read(); })
      .def_prop_ro("words_written",
                   [](const PyPhraseTransform& t) { return t.transform.words_written(); })
      .def_prop_ro("sentences_written",
                   [](const PyPhraseTransform& t) { return t.transform.sentences_written(); });

  nb::class_<GzipReader>(m, "GzipReader",
                         "Decompresses a gzip file with ISA-L from a duplicate of a file\n"
                         "descriptor (sharing its position); only when gzip_backend() is set.")
      .def(nb::init<int>(), "fd"_a)
      .def("readinto", &gzip_readinto, "buffer"_a,
           nb::sig("def readinto(self, buffer: bytearray | memoryview) -> int"),
           "Decompressed bytes into `buffer`; 0 at the end. EOFError when the data is\n"
           "truncated, OSError when it is corrupt.");
  m.def(
      "gzip_backend", [] { return std::string(GzipReader::backend()); },
      "'isa-l' when gzip is read in C++ with ISA-L, '' when w2v was built without it.");
  m.def(
      "cpu_isa", [] { return std::string(select_kernels().isa); },
      "The instruction set the training kernels use on this CPU.");
  m.def(
      "fill_uniform_rows",
      [](Matrix out, uint64_t seed, uint64_t first_row, float scale, int threads) {
        nb::gil_scoped_release release;
        fill_uniform_rows(out.data(), out.shape(0), out.shape(1), seed, first_row, scale, threads);
      },
      "out"_a, "seed"_a, "first_row"_a, "scale"_a, "threads"_a = 1,
      "Fills the rows of `out` uniformly in [-scale, scale); row r from its own stream seeded "
      "by (seed, first_row + r).");
}
