// Reading gzip files with ISA-L's igzip inflate, several times faster than zlib's. Built only
// when CMake finds ISA-L (W2V_HAVE_ISAL); otherwise constructing a GzipReader throws and the
// Python side reads gzip with its own gzip module.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace w2v {

// Bad gzip data: `truncated` when the data ends inside a member (before its end marker).
struct GzipDataError : std::runtime_error {
  GzipDataError(const std::string& what, bool truncated)
      : std::runtime_error(what), truncated(truncated) {}
  bool truncated;
};

// Decompresses a gzip file read from a duplicate of the descriptor `fd` (which shares its
// file position, so the caller's file object tells how far the reading has got), as
// Python's gzip module reads it: members one after another, zero bytes between or after
// them skipped, anything else after a member an error.
class GzipReader {
 public:
  explicit GzipReader(int fd);
  ~GzipReader();
  GzipReader(const GzipReader&) = delete;
  GzipReader& operator=(const GzipReader&) = delete;

  // Up to `n` decompressed bytes into `out`; 0 only at the end of the data. Throws
  // GzipDataError for bad data and std::runtime_error when the file cannot be read.
  size_t read(char* out, size_t n);

  // "isa-l" when built with it, else an empty string.
  static const char* backend();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace w2v
