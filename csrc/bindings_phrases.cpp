// Python bindings of phrase detection: the counter (a native scan), the frozen table and the
// transform that joins phrases into a corpus file.
#include "bindings_phrases.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bindings_common.h"
#include "phrase_applier.h"
#include "phrase_counter.h"
#include "phrase_transform.h"

namespace w2v {
namespace {

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

void bind_phrases(nb::module_& m) {
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
}

}  // namespace w2v
