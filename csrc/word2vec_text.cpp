#include "word2vec_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <system_error>
#include <thread>
#include <type_traits>

#include "float_format.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define W2V_BIG_ENDIAN 1
#else
#define W2V_BIG_ENDIAN 0
#endif

namespace w2v {

namespace {

// Below this many bytes per thread, a thread costs more than it saves.
constexpr size_t kMinBytesPerThread = size_t(1) << 20;

// Python's Py_ISSPACE: the bytes `bytes.rstrip()` and `float()` strip.
inline bool is_py_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

// For a decimal that from_chars found out of a double's range: whether it is too large
// (rather than too small). The two cases are 600 orders of magnitude apart, so the position
// of the first significant digit plus the exponent tells them apart.
bool decimal_overflows(const char* p, const char* end) {
  long long magnitude = 0;
  while (p < end && *p == '0') ++p;
  const char* q = p;
  while (q < end && is_digit(*q)) ++q;
  if (q > p) {
    magnitude = q - p;  // digits before the point
  } else if (q < end && *q == '.') {
    const char* zeros = ++q;
    while (q < end && *q == '0') ++q;
    magnitude = -(q - zeros);  // zeros after the point
  }
  while (q < end && *q != 'e' && *q != 'E') ++q;
  long long exponent = 0;
  if (q < end) {
    ++q;
    const bool negative = q < end && *q == '-';
    if (q < end && (*q == '+' || *q == '-')) ++q;
    for (; q < end && is_digit(*q); ++q) {
      if (exponent < 1000000000) exponent = exponent * 10 + (*q - '0');
    }
    if (negative) exponent = -exponent;
  }
  return magnitude + exponent > 0;
}

constexpr uint64_t kPow10Int[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                             1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// The number of ASCII digits the 8 bytes at p start with, and (in *value) their value.
inline int leading_digits(const char* p, uint64_t* value) {
  uint64_t bytes;
  std::memcpy(&bytes, p, sizeof bytes);
  if constexpr (W2V_BIG_ENDIAN) bytes = __builtin_bswap64(bytes);
  const uint64_t x = bytes - 0x3030303030303030ull;  // digits become 0..9
  // A byte's top bit ends up set unless it was a digit (a borrow or carry only moves to
  // later bytes, which are not looked at).
  const uint64_t other = (x | (x + 0x7676767676767676ull)) & 0x8080808080808080ull;
  const int n = other ? __builtin_ctzll(other) >> 3 : 8;
  if (n == 0) {
    *value = 0;
    return 0;
  }
  uint64_t v = x << (64 - 8 * n);  // the digits at the top, zeros in front of them
  v = v * 10 + (v >> 8);           // pairs of digits
  v = (((v & 0x000000FF000000FFull) * (100 + (1000000ull << 32))) +
       (((v >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32)))) >>
      32;
  *value = v;
  return n;
}

// The common case, quickly: [-]digits[.digits] with at most 19 digits, whose digits fit a
// double's mantissa, so that one division by an exact power of ten gives the correctly
// rounded double (as from_chars would). Returns the end of the number, or nullptr to leave
// the value to from_chars. Reads up to 24 bytes past p, which must lie before `limit`.
inline const char* read_simple_decimal(const char* p, const char* limit, double* out) {
  const bool negative = *p == '-';
  p += negative;
  if (limit - p < 24) return nullptr;
  uint64_t m, part;
  const int whole = leading_digits(p, &m);
  if (whole == 8) return nullptr;
  p += whole;
  int scale = 0;
  if (*p == '.') {
    ++p;
    int n = leading_digits(p, &part);
    m = m * kPow10Int[n] + part;
    p += n;
    scale = n;
    if (n == 8) {
      n = leading_digits(p, &part);
      if (n == 8) return nullptr;
      m = m * kPow10Int[n] + part;
      p += n;
      scale += n;
    }
  }
  const int digits = whole + scale;
  if (digits == 0 || digits > 19 || (m >> 53) != 0 || *p == 'e' || *p == 'E') return nullptr;
  const double v = static_cast<double>(m) / kPow10[scale];
  *out = negative ? -v : v;
  return p;
}

// Reads the value at p, which ends at the next ' ' or at `end`; the data goes on to `limit`.
// Returns the end of the field, or nullptr when it is not a number.
inline const char* read_value(const char* p, const char* end, const char* limit, double* v) {
  const char* q = read_simple_decimal(p, limit, v);
  if (q && (q == end || (q < end && *q == ' '))) return q;
  const auto r = std::from_chars(p, end, *v, std::chars_format::general);
  // The common case: what from_chars reads here (but NaN, which it also reads as "nan(...)")
  // float() reads alike.
  if (r.ec == std::errc() && r.ptr != p && (r.ptr == end || *r.ptr == ' ') && !std::isnan(*v)) {
    return r.ptr;
  }
  const char* field_end = static_cast<const char*>(std::memchr(p, ' ', end - p));
  if (!field_end) field_end = end;
  return parse_python_float(p, field_end, v) ? field_end : nullptr;
}

// Parses the values after a key: `p` is the space ending the key (or `end` if there is none)
// and `end` the end of the stripped line.
template <class T>
bool parse_values(const char* p, const char* end, const char* limit, size_t dim, T* row) {
  if (dim == 0) return p == end;
  if (p == end) return false;
  ++p;
  for (size_t j = 0;; ++j) {
    double v;
    const char* q = read_value(p, end, limit, &v);
    if (!q) return false;
    row[j] = static_cast<T>(v);
    if (j + 1 == dim) return q == end;  // more values than dim otherwise
    if (q == end) return false;         // fewer values than dim
    p = q + 1;
  }
}

struct RangeResult {
  size_t rows = 0;
  size_t end = 0;  // offset just after the last row parsed
  TextStop stop = TextStop::kDone;
  std::string keys;
};

// Parses up to `max_rows` rows from the lines of data[begin, end) into out, from `first_row`;
// the data goes on to `limit`.
template <class T>
void parse_range(const char* data, size_t begin, size_t end, const char* limit, size_t max_rows,
                 size_t first_row, const TextRowsOptions& opt, T* out, RangeResult* res) {
  size_t pos = begin;
  res->keys.reserve(std::min<size_t>(max_rows, (end - begin) / 8 + 1) * 12);
  while (res->rows < max_rows && pos < end) {
    const char* line = data + pos;
    const auto* nl = static_cast<const char*>(std::memchr(line, '\n', end - pos));
    const char* line_end = nl ? nl : data + end;
    const char* stripped = line_end;
    while (stripped > line && is_py_space(stripped[-1])) --stripped;
    if (opt.stop_at_blank && stripped == line) {
      res->stop = TextStop::kBlankLine;
      break;
    }
    const auto* key_end = static_cast<const char*>(std::memchr(line, ' ', stripped - line));
    if (!key_end) key_end = stripped;
    if (!parse_values(key_end, stripped, limit, opt.dim, out + (first_row + res->rows) * opt.dim)) {
      res->stop = TextStop::kBadRow;
      break;
    }
    res->keys.append(line, key_end);
    res->keys.push_back('\n');
    ++res->rows;
    pos = nl ? static_cast<size_t>(nl - data) + 1 : end;
  }
  res->end = pos;
}

size_t count_lines(const char* data, size_t begin, size_t end) {
  size_t n = 0;
  for (const char* p = data + begin; p < data + end; ++n) {
    p = static_cast<const char*>(std::memchr(p, '\n', data + end - p));
    if (!p) break;
    ++p;
  }
  return n;
}

// Runs fn(0) .. fn(parts - 1) on as many threads, fn(0) on this one; rethrows the first error.
template <class Fn>
void run_parts(size_t parts, const Fn& fn) {
  std::vector<std::exception_ptr> errors(parts);
  auto guarded = [&](size_t t) {
    try {
      fn(t);
    } catch (...) {
      errors[t] = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  try {
    for (size_t t = 1; t < parts; ++t) pool.emplace_back(guarded, t);
  } catch (...) {
    for (auto& th : pool) th.join();
    throw;
  }
  guarded(0);
  for (auto& th : pool) th.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

size_t thread_count(int threads, size_t bytes) {
  return std::max<size_t>(1, std::min<size_t>(std::max(threads, 1), bytes / kMinBytesPerThread));
}

// The shortest decimal of a float can read back as another float when it is parsed as a
// double first and then rounded (numpy, gensim and this reader all do): the rounding to
// double may land exactly between two floats. Of all 2^32 bit patterns, checked
// exhaustively, only +-7.038531e-26 (0x15ae43fd) do; they are written with 8 digits.
constexpr uint32_t kDoubleRoundingBits = 0x15ae43fdu;

inline char* write_value(char* p, char* end, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  if ((bits & 0x7fffffffu) == kDoubleRoundingBits) {
    return std::to_chars(p, end, v, std::chars_format::general, 8).ptr;
  }
  return write_shortest(p, v);
}

inline char* write_value(char* p, char* end, double v) { return std::to_chars(p, end, v).ptr; }

// The longest value text: "-1.17549435e-38" (15) for float, 24 characters for double.
template <class T>
constexpr size_t kMaxValueChars = sizeof(T) == 4 ? 16 : 25;

template <class T>
size_t format_range(const std::vector<std::string_view>& keys, const T* rows, size_t dim,
                    size_t begin, size_t end, char* out, size_t room) {
  char* p = out;
  char* const stop = out + room;
  // For floats, the digits of a whole row are found first, several values at a time.
  std::vector<uint32_t> digits(std::is_same_v<T, float> ? dim : 0);
  std::vector<int32_t> exponents(digits.size());
  std::vector<uint64_t> low_digits(digits.size());
  for (size_t r = begin; r < end; ++r) {
    std::memcpy(p, keys[r].data(), keys[r].size());
    p += keys[r].size();
    *p++ = ' ';
    const T* row = rows + r * dim;
    if constexpr (std::is_same_v<T, float>) {
      shortest_decimals(row, dim, digits.data(), exponents.data(), low_digits.data());
      for (size_t j = 0; j < dim; ++j) {
        if (j) *p++ = ' ';
        uint32_t bits;
        std::memcpy(&bits, row + j, sizeof bits);
        p = (bits & 0x7fffffffu) == kDoubleRoundingBits
                ? write_value(p, stop, row[j])
                : write_decimal(p, row[j], digits[j], exponents[j], low_digits[j]);
      }
    } else {
      for (size_t j = 0; j < dim; ++j) {
        if (j) *p++ = ' ';
        p = write_value(p, stop, row[j]);
      }
    }
    *p++ = '\n';
  }
  return static_cast<size_t>(p - out);
}

}  // namespace

bool parse_python_float(const char* begin, const char* end, double* out) {
  while (begin < end && is_py_space(*begin)) ++begin;
  while (end > begin && is_py_space(end[-1])) --end;
  std::string cleaned;
  if (std::memchr(begin, '_', end - begin)) {
    // Underscores only between digits, as in Python literals; they are dropped.
    char prev = 0;
    for (const char* s = begin; s < end; ++s) {
      if (*s == '_') {
        if (!is_digit(prev)) return false;
      } else {
        if (prev == '_' && !is_digit(*s)) return false;
        cleaned.push_back(*s);
      }
      prev = *s;
    }
    if (prev == '_') return false;
    begin = cleaned.data();
    end = begin + cleaned.size();
  }
  bool negative = false;
  if (begin < end && (*begin == '+' || *begin == '-')) {
    negative = *begin == '-';
    ++begin;
  }
  if (begin == end || *begin == '+' || *begin == '-') return false;
  if (std::memchr(begin, '(', end - begin)) return false;  // from_chars's "nan(...)"
  double v;
  const auto r = std::from_chars(begin, end, v, std::chars_format::general);
  if (r.ptr != end) return false;
  if (r.ec == std::errc::result_out_of_range) {
    v = decimal_overflows(begin, end) ? std::numeric_limits<double>::infinity() : 0.0;
  } else if (r.ec != std::errc()) {
    return false;
  }
  *out = negative ? -v : v;
  return true;
}

char* write_float(char* out, float v) { return write_value(out, out + 32, v); }

template <class T>
TextRowsResult parse_text_rows(const char* data, size_t size, const TextRowsOptions& opt, T* out) {
  TextRowsResult result;
  size_t region = size;
  if (!opt.at_end) {
    while (region > 0 && data[region - 1] != '\n') --region;  // complete lines only
  }
  if (region == 0 || opt.max_rows == 0) return result;

  const size_t parts = thread_count(opt.threads, region);
  std::vector<size_t> bounds(parts + 1, region);
  bounds[0] = 0;
  for (size_t t = 1; t < parts; ++t) {
    size_t cut = std::max(bounds[t - 1], region / parts * t);
    const void* nl = cut < region ? std::memchr(data + cut, '\n', region - cut) : nullptr;
    bounds[t] = nl ? static_cast<size_t>(static_cast<const char*>(nl) - data) + 1 : region;
  }
  // Each part's first row: count the lines of the parts before it.
  std::vector<size_t> first(parts + 1, 0);
  if (parts > 1) {
    std::vector<size_t> lines(parts);
    run_parts(parts, [&](size_t t) { lines[t] = count_lines(data, bounds[t], bounds[t + 1]); });
    for (size_t t = 0; t < parts; ++t) first[t + 1] = first[t] + lines[t];
  }
  std::vector<RangeResult> parsed(parts);
  run_parts(parts, [&](size_t t) {
    if (first[t] >= opt.max_rows) return;
    parse_range(data, bounds[t], bounds[t + 1], data + size, opt.max_rows - first[t], first[t], opt,
                out, &parsed[t]);
  });

  size_t keys_bytes = 0;
  for (const auto& p : parsed) keys_bytes += p.keys.size();
  result.keys.reserve(keys_bytes);
  for (size_t t = 0; t < parts; ++t) {
    const RangeResult& p = parsed[t];
    result.rows += p.rows;
    result.consumed = p.end;
    result.keys += p.keys;
    result.stop = p.stop;
    // Stop at a bad line, at the row limit, or where this part's rows ran out.
    if (p.stop != TextStop::kDone || result.rows >= opt.max_rows || p.end < bounds[t + 1]) break;
  }
  return result;
}

template <class T>
std::vector<TextPiece> plan_text_rows(const std::vector<std::string_view>& keys, size_t dim,
                                      int threads) {
  const size_t n = keys.size();
  const size_t parts = std::min(n, thread_count(threads, n * dim * 10));
  std::vector<TextPiece> pieces(parts);
  for (size_t t = 0; t < parts; ++t) {
    TextPiece& piece = pieces[t];
    piece.begin = n * t / parts;
    piece.end = n * (t + 1) / parts;
    // (and write_shortest's slack after the last value)
    piece.room = (piece.end - piece.begin) * (2 + dim * kMaxValueChars<T>)+32;
    for (size_t r = piece.begin; r < piece.end; ++r) piece.room += keys[r].size();
  }
  return pieces;
}

template <class T>
void format_text_rows(const std::vector<std::string_view>& keys, const T* rows, size_t dim,
                      std::vector<TextPiece>* pieces) {
  run_parts(pieces->size(), [&](size_t t) {
    TextPiece& piece = (*pieces)[t];
    piece.size = format_range(keys, rows, dim, piece.begin, piece.end, piece.out, piece.room);
  });
}

template TextRowsResult parse_text_rows<float>(const char*, size_t, const TextRowsOptions&, float*);
template TextRowsResult parse_text_rows<double>(const char*, size_t, const TextRowsOptions&,
                                                double*);
template std::vector<TextPiece> plan_text_rows<float>(const std::vector<std::string_view>&, size_t,
                                                      int);
template std::vector<TextPiece> plan_text_rows<double>(const std::vector<std::string_view>&, size_t,
                                                       int);
template void format_text_rows<float>(const std::vector<std::string_view>&, const float*, size_t,
                                      std::vector<TextPiece>*);
template void format_text_rows<double>(const std::vector<std::string_view>&, const double*, size_t,
                                       std::vector<TextPiece>*);

}  // namespace w2v
