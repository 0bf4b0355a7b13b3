#include "text_reader.h"

#include <cerrno>
#include <stdexcept>

namespace w2v {

int decode_utf8(const unsigned char* p, const unsigned char* end, uint32_t* cp, bool* valid) {
  const unsigned char c = p[0];
  int need;
  unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte
  uint32_t value;
  if (c >= 0xc2 && c <= 0xdf) {
    need = 1;
    value = c & 0x1f;
  } else if (c >= 0xe0 && c <= 0xef) {
    need = 2;
    value = c & 0x0f;
    if (c == 0xe0) lo = 0xa0;  // overlong
    if (c == 0xed) hi = 0x9f;  // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    need = 3;
    value = c & 0x07;
    if (c == 0xf0) lo = 0x90;  // overlong
    if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
  } else {
    *valid = false;
    *cp = 0xfffd;
    return 1;
  }
  int len = 1;
  for (int i = 0; i < need; ++i) {
    if (p + len >= end) break;
    const unsigned char b = p[len];
    const unsigned char blo = i == 0 ? lo : 0x80, bhi = i == 0 ? hi : 0xbf;
    if (b < blo || b > bhi) break;
    value = (value << 6) | (b & 0x3f);
    ++len;
  }
  if (len == need + 1) {
    *valid = true;
    *cp = value;
  } else {
    *valid = false;
    *cp = 0xfffd;
  }
  return len;
}

void append_replacing_invalid(std::string_view token, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(token.data());
  const unsigned char* end = p + token.size();
  while (p < end) {
    if (*p < 0x80) {
      out->push_back(static_cast<char>(*p++));
      continue;
    }
    uint32_t cp;
    bool valid;
    const int len = decode_utf8(p, end, &cp, &valid);
    if (valid) {
      out->append(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
    } else {
      out->append("\xef\xbf\xbd");
    }
    p += len;
  }
}

std::FILE* open_for_reading(const std::string& path, uint64_t offset) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
#if defined(_WIN32)
  const int rc = _fseeki64(f, static_cast<long long>(offset), SEEK_SET);
#else
  const int rc = fseeko(f, static_cast<off_t>(offset), SEEK_SET);
#endif
  if (rc != 0) {
    std::fclose(f);
    throw std::runtime_error("cannot seek in " + path);
  }
  return f;
}

namespace {

// First offset >= `from` that starts a new unit: just after the first separator at or after
// from - 1, or `size` if there is none.
uint64_t next_unit_start(const FileSource& file, uint64_t from, SplitMode mode) {
  if (from == 0 || from >= file.size) return std::min(from, file.size);
  std::FILE* f = open_for_reading(file.path, from - 1);
  std::vector<char> buf(1 << 16);
  uint64_t pos = from - 1;
  uint64_t result = file.size;
  while (pos < file.size) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), file.size - pos));
    const size_t got = std::fread(buf.data(), 1, want, f);
    if (got == 0) break;
    bool found = false;
    for (size_t i = 0; i < got; ++i) {
      const auto c = static_cast<unsigned char>(buf[i]);
      if (mode == SplitMode::kLines ? c == '\n' : is_ascii_space(c)) {
        result = pos + i + 1;
        found = true;
        break;
      }
    }
    if (found) break;
    pos += got;
  }
  std::fclose(f);
  return result;
}

}  // namespace

std::vector<FileSpan> whole_files(const std::vector<FileSource>& files) {
  std::vector<FileSpan> spans;
  spans.reserve(files.size());
  for (const auto& f : files) spans.push_back(FileSpan{f.path, 0, f.size});
  return spans;
}

void check_spans(const std::vector<FileSpan>& spans) {
  for (const auto& s : spans)
    if (s.end < s.begin)
      throw std::invalid_argument("a span of " + s.path + " ends before it begins");
}

std::vector<std::vector<FileSpan>> partition_spans(const std::vector<FileSpan>& spans, int parts,
                                                   SplitMode mode) {
  if (parts < 1) parts = 1;
  check_spans(spans);
  uint64_t total = 0;
  for (const auto& s : spans) total += s.end - s.begin;
  // Global cut points, each moved to a unit start inside its span.
  std::vector<std::pair<size_t, uint64_t>> cuts;  // (span index, file offset)
  cuts.emplace_back(0, spans.empty() ? 0 : spans[0].begin);
  for (int k = 1; k < parts; ++k) {
    uint64_t target = total * static_cast<uint64_t>(k) / static_cast<uint64_t>(parts);
    size_t si = 0;
    while (si < spans.size() && target >= spans[si].end - spans[si].begin) {
      target -= spans[si].end - spans[si].begin;
      ++si;
    }
    if (si == spans.size()) {
      cuts.emplace_back(spans.size(), 0);
      continue;
    }
    const FileSpan& s = spans[si];
    // The span starts a unit, so the search may look at the byte before its start.
    uint64_t off = s.begin + target;
    if (target > 0) off = next_unit_start(FileSource{s.path, s.end}, off, mode);
    if (off >= s.end) {
      ++si;
      off = si < spans.size() ? spans[si].begin : 0;
    }
    cuts.emplace_back(si, off);
  }
  cuts.emplace_back(spans.size(), 0);
  std::vector<std::vector<FileSpan>> out(static_cast<size_t>(parts));
  for (int k = 0; k < parts; ++k) {
    auto [fa, oa] = cuts[k];
    auto [fb, ob] = cuts[k + 1];
    if (fb < fa || (fb == fa && ob <= oa)) continue;  // empty part (a cut moved past the next)
    for (size_t si = fa; si <= fb && si < spans.size(); ++si) {
      const uint64_t begin = si == fa ? oa : spans[si].begin;
      const uint64_t end = si == fb ? ob : spans[si].end;
      if (end > begin) out[k].push_back(FileSpan{spans[si].path, begin, end});
    }
  }
  return out;
}

}  // namespace w2v
