// Python bindings of the vocabulary counter (a native scan).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "bindings_common.h"
#include "bindings_phrases.h"
#include "vocab_counter.h"

namespace w2v {
namespace {

// Wraps a Python keep(word, count, min_reduce) -> bool; it may run on a scan thread.
VocabCounter::KeepRule keep_rule(std::optional<nb::callable> fn) {
  if (!fn) return nullptr;
  auto holder = std::make_shared<nb::callable>(std::move(*fn));
  return [holder](std::string_view w, int64_t count, int64_t min_reduce) {
    nb::gil_scoped_acquire gil;
    return nb::cast<bool>((*holder)(decode(w), count, min_reduce));
  };
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

}  // namespace

void bind_vocabulary(nb::module_& m) {
  auto vocab_counter =
      nb::class_<PyVocabCounter>(
          m, "VocabCounter",
          "Counts the words of a corpus (first-seen order, gensim's pruning at max_vocab_size).\n\n"
          "Fed like Trainer: feed_files() (counted by `workers` threads in the background), or\n"
          "feed_text() pieces, or feed_sentences() batches; then end_input(), wait() until it\n"
          "returns True, and finish(). Fed again after that, it counts on, as if the inputs were\n"
          "one.")
          .def(nb::init<int64_t, uint32_t, int, std::optional<nb::callable>>(), "max_vocab_size"_a,
               "max_sentence_length"_a, "workers"_a = 1, "keep"_a.none() = nb::none(),
               "keep(word, count, min_reduce) -> bool, if given, decides which words survive "
               "pruning.");
  def_scan_input(vocab_counter, "file scan",
                 "Starts counting the first sizes[i] bytes of each file in the background.");
  vocab_counter
      .def("feed_spans", &PyVocabCounter::feed_spans, "paths"_a, "begins"_a, "ends"_a, "mode"_a,
           "Like feed_files, for bytes [begins[i], ends[i]) of each file, each starting a line.")
      .def(
          "counts",
          [](const PyVocabCounter& c) {
            return to_numpy(std::vector<int64_t>(c.scan.counter().counts()));
          },
          "The count of each word, by id.")
      .def("words", &PyVocabCounter::words, "ids"_a = nb::none(),
           "The words with these ids (all words if None).")
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
}

}  // namespace w2v
