#include "gzip_reader.h"

#if defined(W2V_HAVE_ISAL)

#include <isa-l/igzip_lib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

namespace w2v {

namespace {
constexpr size_t kInput = size_t(1) << 18;
// Bytes kept before the unread input when it is refilled: inflate may hold up to 8 bytes in
// its bit buffer that belong after the end of a member, and gives them back from there.
constexpr size_t kKeep = 8;
}  // namespace

struct GzipReader::State {
  int fd = -1;
  std::vector<uint8_t> buf = std::vector<uint8_t>(kKeep + kInput);
  uint8_t* begin = nullptr;  // unread input is [begin, end)
  uint8_t* end = nullptr;
  bool eof = false;        // the file has no more bytes
  bool in_member = false;  // inflating a member (else between members)
  inflate_state z;
  size_t made = 0;                     // bytes made by the current inflate() call
  std::optional<GzipDataError> error;  // raised by the next read()

  size_t inflate(char* out, size_t n);

  // Whether the input inflate holds but has not decoded, at the end of the file inside a
  // member's deflate data, is invalid already (zlib would have said so; inflate waits for
  // more bytes first). Told by decoding it, on a copy of the state, followed by zero bytes.
  bool corrupt_at_end() const {
    if (z.block_state > ISAL_BLOCK_CODED) return false;  // past the deflate data, or a header
    auto probe = std::make_unique<inflate_state>(z);
    uint8_t zeros[16] = {};
    std::vector<uint8_t> scratch(size_t(1) << 16);
    probe->next_in = zeros;
    probe->avail_in = sizeof(zeros);
    probe->next_out = scratch.data();
    probe->avail_out = static_cast<uint32_t>(scratch.size());
    return isal_inflate(probe.get()) < 0;
  }

  // Reads more input after the unread part; false at the end of the file.
  bool refill() {
    if (eof) return false;
    const size_t keep = std::min<size_t>(kKeep, static_cast<size_t>(begin - buf.data()));
    const size_t unread = static_cast<size_t>(end - begin);
    std::memmove(buf.data() + kKeep - keep, begin - keep, keep + unread);
    begin = buf.data() + kKeep;
    end = begin + unread;
    const size_t room = buf.size() - kKeep - unread;
    ssize_t got;
    do {
      got = ::read(fd, end, room);
    } while (got < 0 && errno == EINTR);
    if (got < 0) throw std::runtime_error(std::string("cannot read: ") + std::strerror(errno));
    if (got == 0) {
      eof = true;
      return false;
    }
    end += got;
    return true;
  }
};

GzipReader::GzipReader(int fd) : state_(std::make_unique<State>()) {
  state_->fd = ::dup(fd);
  if (state_->fd < 0) throw std::runtime_error(std::string("cannot read: ") + std::strerror(errno));
  state_->begin = state_->end = state_->buf.data() + kKeep;
}

GzipReader::~GzipReader() {
  if (state_->fd >= 0) ::close(state_->fd);
}

const char* GzipReader::backend() { return "isa-l"; }

size_t GzipReader::read(char* out, size_t n) {
  State& s = *state_;
  if (s.error) throw *s.error;
  try {
    return s.inflate(out, n);
  } catch (const GzipDataError& e) {
    // What was decompressed before the error is handed out first, as Python's gzip does.
    if (s.made == 0) throw;
    s.error = e;
    return s.made;
  }
}

size_t GzipReader::State::inflate(char* out, size_t n) {
  State& s = *this;
  made = 0;
  size_t& done = made;
  while (done < n) {
    if (!s.in_member) {
      // Between members: zero bytes are padding; the end of the file ends the data.
      while (true) {
        while (s.begin < s.end && *s.begin == 0) ++s.begin;
        if (s.begin < s.end || !s.refill()) break;
      }
      if (s.begin == s.end) return done;
      while (s.end - s.begin < 2 && s.refill()) {
      }
      if (s.end - s.begin < 2 || s.begin[0] != 0x1f || s.begin[1] != 0x8b)
        throw GzipDataError("Not a gzipped file", false);
      isal_inflate_init(&s.z);
      s.z.crc_flag = ISAL_GZIP;
      s.in_member = true;
    }
    if (s.begin == s.end && !s.refill()) {
      if (s.corrupt_at_end())
        throw GzipDataError("invalid deflate data before the end of the file", false);
      throw GzipDataError("Compressed file ended before the end-of-stream marker was reached",
                          true);
    }
    const size_t want = std::min<size_t>(n - done, UINT32_MAX);
    s.z.next_in = s.begin;
    s.z.avail_in = static_cast<uint32_t>(s.end - s.begin);
    s.z.next_out = reinterpret_cast<uint8_t*>(out + done);
    s.z.avail_out = static_cast<uint32_t>(want);
    const int rc = isal_inflate(&s.z);
    const size_t made = want - s.z.avail_out;
    const bool consumed = s.z.next_in != s.begin;
    done += made;
    s.begin = s.z.next_in;
    if (rc == ISAL_INCORRECT_CHECKSUM) throw GzipDataError("CRC check failed", false);
    if (rc < 0)
      throw GzipDataError("invalid gzip data (igzip error " + std::to_string(rc) + ")", false);
    if (!made && !consumed && s.z.block_state != ISAL_BLOCK_FINISH && s.begin < s.end)
      throw GzipDataError("invalid gzip data (igzip made no progress)", false);
    if (s.z.block_state == ISAL_BLOCK_FINISH) {
      // Bytes inflate read ahead into its bit buffer belong to what follows the member.
      s.begin -= s.z.read_in_length / 8;
      s.in_member = false;
    }
  }
  return done;
}

}  // namespace w2v

#else

namespace w2v {

struct GzipReader::State {};

GzipReader::GzipReader(int) { throw std::runtime_error("w2v was built without ISA-L"); }
GzipReader::~GzipReader() = default;
const char* GzipReader::backend() { return ""; }
size_t GzipReader::read(char*, size_t) { return 0; }

}  // namespace w2v

#endif
