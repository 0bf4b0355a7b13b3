// What the binding files share: numpy arrays of C++ vectors, str <-> UTF-8 bytes, Python
// batches of sentences, and the native scans as Python feeds them. Each bindings_*.cpp binds
// one concept; bindings.cpp makes the module.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "text_reader.h"

namespace nb = nanobind;
using namespace nb::literals;

namespace w2v {

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

inline std::vector<FileSource> to_sources(const std::vector<std::string>& paths,
                                          const std::vector<uint64_t>& sizes) {
  if (paths.size() != sizes.size()) throw std::invalid_argument("paths and sizes differ in length");
  std::vector<FileSource> out;
  for (size_t i = 0; i < paths.size(); ++i) out.push_back(FileSource{paths[i], sizes[i]});
  return out;
}

inline std::vector<FileSpan> to_spans(const std::vector<std::string>& paths,
                                      const std::vector<uint64_t>& begins,
                                      const std::vector<uint64_t>& ends) {
  if (paths.size() != begins.size() || paths.size() != ends.size())
    throw std::invalid_argument("paths, begins and ends differ in length");
  std::vector<FileSpan> out;
  for (size_t i = 0; i < paths.size(); ++i) out.push_back(FileSpan{paths[i], begins[i], ends[i]});
  return out;
}

inline nb::str decode(std::string_view w) {
  PyObject* s = PyUnicode_DecodeUTF8(w.data(), static_cast<Py_ssize_t>(w.size()), "replace");
  if (!s) throw nb::python_error();
  return nb::steal<nb::str>(s);
}

inline std::string_view token_bytes(PyObject* token) {
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
  // Bound only for the scans that read byte ranges (a member of a template is compiled
  // only where it is used).
  void feed_spans(const std::vector<std::string>& paths, const std::vector<uint64_t>& begins,
                  const std::vector<uint64_t>& ends, SplitMode mode) {
    auto spans = to_spans(paths, begins, ends);
    nb::gil_scoped_release release;
    scan.feed_spans(spans, mode);
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

// Each adds its concept's classes and functions to the module.
void bind_training(nb::module_& m);
void bind_distributed(nb::module_& m);
void bind_vocabulary(nb::module_& m);
void bind_text(nb::module_& m);
void bind_phrases(nb::module_& m);

}  // namespace w2v
