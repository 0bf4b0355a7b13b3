// Python bindings of the word2vec text format's rows (parsed and formatted in C++) and of
// the gzip reader.
#include <string>
#include <utility>
#include <vector>

#include "bindings_common.h"
#include "gzip_reader.h"
#include "word2vec_text.h"

namespace w2v {
namespace {

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

}  // namespace

void bind_text(nb::module_& m) {
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
}

}  // namespace w2v
