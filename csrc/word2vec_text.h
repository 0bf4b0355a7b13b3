// word2vec.c's text layout: one "key v1 v2 ... vN" row per line, values in decimal.
//
// Rows are read as w2v's Python reader and gensim read each line: the line without its
// trailing ASCII whitespace (`bytes.rstrip()`), the key up to the first space, the values
// split at single spaces, each value read as Python's `float()` reads it (as a double, then
// cast to the output type). Rows are written with each value's shortest decimal that reads
// back to the same number through that path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace w2v {

// Reads [begin, end) as Python's float(bytes) does: surrounding ASCII whitespace, an optional
// sign, digits with single underscores between them, an exponent, inf / infinity / nan in any
// case; too large gives inf, too small 0. Returns false for what float() refuses.
bool parse_python_float(const char* begin, const char* end, double* out);

// Why parse_text_rows stopped.
enum class TextStop {
  kDone,       // max_rows rows were parsed, or the data has no further complete line
  kBadRow,     // the next line has the wrong number of values or a value that is no number
  kBlankLine,  // the next line is blank (only when blank lines end the rows)
};

struct TextRowsOptions {
  size_t dim = 0;              // values per row
  size_t max_rows = 0;         // parse at most this many rows (`out` has room for them)
  bool at_end = false;         // the data ends the file: a last line without '\n' is a row
  bool stop_at_blank = false;  // a blank line ends the rows (files without a header)
  int threads = 1;             // threads for large data
};

struct TextRowsResult {
  size_t rows = 0;      // rows parsed into `out`, all valid
  size_t consumed = 0;  // bytes of the data they take, newlines included; the next line starts here
  TextStop stop = TextStop::kDone;
  std::string keys;  // the rows' keys as they are in the data, each followed by '\n'
};

// Parses rows from the lines of data[0, size) into `out` (row-major, opt.dim values per row).
// Only complete lines are read unless opt.at_end. Rows after a bad line are not reported
// (though `out` may have been written beyond the rows reported). T is float or double.
template <class T>
TextRowsResult parse_text_rows(const char* data, size_t size, const TextRowsOptions& opt, T* out);

// Writes v as std::to_chars(out, out + 16, v) does, in the shortest decimal that reads back
// to v, except for +-7.038531e-26, which reads back to v only with 8 digits when it is read
// as a double first. Returns the end of the text; `out` needs room for 32 characters.
char* write_float(char* out, float v);

// A run of rows that one thread formats into its own buffer.
struct TextPiece {
  size_t begin = 0, end = 0;  // the rows
  size_t room = 0;            // bytes the buffer needs (enough for any values)
  char* out = nullptr;        // the buffer, from the caller
  size_t size = 0;            // bytes written
};

// Splits keys.size() rows into pieces for up to `threads` threads, with the room each needs.
// T is float or double.
template <class T>
std::vector<TextPiece> plan_text_rows(const std::vector<std::string_view>& keys, size_t dim,
                                      int threads);

// Formats each piece's rows of `rows` (row-major, `dim` values each) into its buffer as text
// rows "key v1 ... vN\n", keys[i] before row i, one thread per piece, and sets its size.
template <class T>
void format_text_rows(const std::vector<std::string_view>& keys, const T* rows, size_t dim,
                      std::vector<TextPiece>* pieces);

}  // namespace w2v
