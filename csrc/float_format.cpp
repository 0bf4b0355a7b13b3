#include "float_format.h"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace w2v {

namespace float_format_detail {

// g(e) = ceil(10^e * 2^(63 - floor(log2(10^e)))) for e in [kMinPow10, kMaxPow10]: 10^e
// scaled to 64 bits, rounded up (exact for 0 <= e <= 27); every float needs one of them.
const uint64_t kPow10Scaled[kMaxPow10 - kMinPow10 + 1] = {
    0x81CEB32C4B43FCF5u, 0xA2425FF75E14FC32u, 0xCAD2F7F5359A3B3Fu, 0xFD87B5F28300CA0Eu,
    0x9E74D1B791E07E49u, 0xC612062576589DDBu, 0xF79687AED3EEC552u, 0x9ABE14CD44753B53u,
    0xC16D9A0095928A28u, 0xF1C90080BAF72CB2u, 0x971DA05074DA7BEFu, 0xBCE5086492111AEBu,
    0xEC1E4A7DB69561A6u, 0x9392EE8E921D5D08u, 0xB877AA3236A4B44Au, 0xE69594BEC44DE15Cu,
    0x901D7CF73AB0ACDAu, 0xB424DC35095CD810u, 0xE12E13424BB40E14u, 0x8CBCCC096F5088CCu,
    0xAFEBFF0BCB24AAFFu, 0xDBE6FECEBDEDD5BFu, 0x89705F4136B4A598u, 0xABCC77118461CEFDu,
    0xD6BF94D5E57A42BDu, 0x8637BD05AF6C69B6u, 0xA7C5AC471B478424u, 0xD1B71758E219652Cu,
    0x83126E978D4FDF3Cu, 0xA3D70A3D70A3D70Bu, 0xCCCCCCCCCCCCCCCDu, 0x8000000000000000u,
    0xA000000000000000u, 0xC800000000000000u, 0xFA00000000000000u, 0x9C40000000000000u,
    0xC350000000000000u, 0xF424000000000000u, 0x9896800000000000u, 0xBEBC200000000000u,
    0xEE6B280000000000u, 0x9502F90000000000u, 0xBA43B74000000000u, 0xE8D4A51000000000u,
    0x9184E72A00000000u, 0xB5E620F480000000u, 0xE35FA931A0000000u, 0x8E1BC9BF04000000u,
    0xB1A2BC2EC5000000u, 0xDE0B6B3A76400000u, 0x8AC7230489E80000u, 0xAD78EBC5AC620000u,
    0xD8D726B7177A8000u, 0x878678326EAC9000u, 0xA968163F0A57B400u, 0xD3C21BCECCEDA100u,
    0x84595161401484A0u, 0xA56FA5B99019A5C8u, 0xCECB8F27F4200F3Au, 0x813F3978F8940985u,
    0xA18F07D736B90BE6u, 0xC9F2C9CD04674EDFu, 0xFC6F7C4045812297u, 0x9DC5ADA82B70B59Eu,
    0xC5371912364CE306u, 0xF684DF56C3E01BC7u, 0x9A130B963A6C115Du, 0xC097CE7BC90715B4u,
    0xF0BDC21ABB48DB21u, 0x96769950B50D88F5u, 0xBC143FA4E250EB32u, 0xEB194F8E1AE525FEu,
    0x92EFD1B8D0CF37BFu, 0xB7ABC627050305AEu, 0xE596B7B0C643C71Au, 0x8F7E32CE7BEA5C70u,
    0xB35DBF821AE4F38Cu,
};

}  // namespace float_format_detail

namespace {

using float_format_detail::kMaxPow10;
using float_format_detail::kMinPow10;
using float_format_detail::kPow10Scaled;

// floor(log2(10^e)) and floor(log10(2^q) - (closer ? log10(4/3) : 0)) in fixed point, exact
// over the exponents of float (the shifts are arithmetic: they round towards -inf).
inline int floor_log2_pow10(int e) { return (e * 1741647) >> 19; }
inline int floor_log10_pow2(int q, bool closer) {
  return (q * 1262611 - (closer ? 524031 : 0)) >> 22;
}

// The integer part of g * cp / 2^64, its lowest bit set when the rest is not zero (rounding
// to odd keeps the comparisons below exact, see the paper).
inline uint32_t round_to_odd(uint64_t g, uint32_t cp) {
#if defined(__SIZEOF_INT128__)
  const unsigned __int128 p = static_cast<unsigned __int128>(g) * cp;  // one multiplication
  const auto y1 = static_cast<uint32_t>(p >> 64);
  const auto y0 = static_cast<uint32_t>(static_cast<uint64_t>(p) >> 32);
#else
  const uint64_t low = (g & 0xffffffffu) * cp;
  const uint64_t high = (g >> 32) * cp + (low >> 32);
  const auto y1 = static_cast<uint32_t>(high >> 32);
  const auto y0 = static_cast<uint32_t>(high);
#endif
  return y1 | (y0 > 1);
}

// The shortest decimal digits * 10^exponent in the rounding interval of a finite positive
// float with significand c and binary exponent q (value c * 2^q), closest to it if several.
inline void shortest_digits(uint32_t c, int q, bool closer, uint32_t* digits, int* exponent) {
  const bool even = (c & 1) == 0;
  const uint32_t cbl = 4 * c - 2 + closer;  // the interval, in quarters of 2^q
  const uint32_t cb = 4 * c;
  const uint32_t cbr = 4 * c + 2;
  const int k = floor_log10_pow2(q, closer);
  const int h = q + floor_log2_pow10(-k) + 1;
  const uint64_t g = kPow10Scaled[-k - kMinPow10];
  const uint32_t vbl = round_to_odd(g, cbl << h);
  const uint32_t vb = round_to_odd(g, cb << h);
  const uint32_t vbr = round_to_odd(g, cbr << h);
  const uint32_t lower = vbl + !even;  // the bounds are in the interval when c is even
  const uint32_t upper = vbr - !even;
  const uint32_t s = vb / 4;
  // Selected without branches: which case applies depends on the value's last bits, which
  // a branch predictor cannot guess.
  const uint32_t sp = s / 10;  // one digit fewer, if a multiple of ten lies in the interval
  const bool up_inside = lower <= 40 * sp;
  const bool wp_inside = 40 * sp + 40 <= upper;
  const bool shorter = s >= 10 && up_inside != wp_inside;
  const bool u_inside = lower <= 4 * s;
  const bool w_inside = 4 * s + 4 <= upper;
  const uint32_t mid = 4 * s + 2;  // both in it: the closer one, the even one on a tie
  const bool round_up = vb > mid || (vb == mid && (s & 1) != 0);
  const uint32_t longer = s + (u_inside != w_inside ? w_inside : round_up);
  *digits = shorter ? sp + wp_inside : longer;
  *exponent = k + shorter;
}

constexpr char kTwoDigits[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "80818283848586878889909192939495969798990";

constexpr uint32_t kPow10Int[] = {1,      10,      100,      1000,      10000,
                                  100000, 1000000, 10000000, 100000000, 1000000000};

// The number of decimal digits of v (1 for 0), without a loop.
inline int decimal_length(uint32_t v) {
  const int bits = 32 - __builtin_clz(v | 1);
  const int guess = (bits * 1233) >> 12;  // floor(bits * log10(2)): n or n - 1
  return guess + 1 - (v < kPow10Int[guess]);
}

#if defined(__SIZEOF_INT128__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define W2V_FAST_DIGITS 1
using Text16 = unsigned __int128;  // up to 16 characters, the first in the lowest byte

// The eight decimal digits of v < 10^8, one per byte, the first in the lowest byte,
// computed in a register: writing the digits to memory one or two at a time and reading them
// back as a block would stall on store forwarding.
inline uint64_t eight_digits(uint32_t v) {
  uint64_t x = (v / 10000) | (static_cast<uint64_t>(v % 10000) << 32);    // 4-digit lanes
  const uint64_t hundreds = ((x * 10486) >> 20) & 0x0000007F0000007Full;  // lane / 100
  x = hundreds | ((x - hundreds * 100) << 16);                            // 2-digit lanes
  const uint64_t tens = ((x * 103) >> 10) & 0x000F000F000F000Full;        // lane / 10
  return tens | ((x - tens * 10) << 8);                                   // digits
}

constexpr uint64_t kZeros = 0x3030303030303030ull;  // eight '0'

inline void store(char* p, Text16 text) { std::memcpy(p, &text, sizeof text); }

// Places digits * 10^exponent, the shortest decimal of c * 2^q, as std::to_chars does, given
// the last eight digits' values (eight_digits(digits % 10^8)): trailing zeros are dropped
// here. Writes up to 32 bytes from p (the text is at most 15).
inline char* place(char* p, uint32_t digits, int exponent, uint64_t low, uint32_t c, int q) {
  if (digits >= 1000000000) {  // (ten digits: then a multiple of ten)
    digits /= 10;
    ++exponent;
    low = eight_digits(digits % 100000000);
  }
  // Trailing zeros are the highest zero bytes of the digits' values.
  const int zeros = low == 0 ? 8 : __builtin_clzll(low) >> 3;
  const int length = decimal_length(digits);
  const int n = length - zeros;
  exponent += zeros;
  const Text16 nine = (static_cast<Text16>(low + kZeros) << 8) |
                      static_cast<unsigned char>('0' + digits / 100000000);
  const Text16 text = nine >> (8 * (9 - length));  // without the leading zeros
  const int x = exponent + n - 1;                  // the exponent of scientific notation
  const int scientific = n + (n > 1) + 2 + (x >= 100 || x <= -100 ? 3 : 2);
  const int fixed = exponent >= 0 ? n + exponent : x >= 0 ? n + 1 : n + 1 - x;
  if (fixed <= scientific) {
    if (exponent < 0 && x >= 0) {  // the point among the digits
      store(p, text);
      p[x + 1] = '.';
      store(p + x + 2, text >> (8 * (x + 1)));
      return p + n + 1;
    }
    if (exponent < 0) {  // 0.000ddd
      std::memcpy(p, "0.000000", 8);
      store(p + 1 - x, text);
      return p + n + 1 - x;
    }
    if (exponent > 0 && q >= 0 && q < 40) {
      // An integer of as many digits as the shortest decimal: std::to_chars writes the exact
      // one, the closest of those as long.
      return std::to_chars(p, p + 16, static_cast<uint64_t>(c) << q).ptr;
    }
    store(p, text);  // an integer
    std::memset(p + n, '0', exponent);
    return p + n + exponent;
  }
  p[0] = static_cast<char>(text);  // d.ddde-xx
  char* e = p + 1;
  if (n > 1) {
    *e = '.';
    store(e + 1, text >> 8);
    e += n;
  }
  *e++ = 'e';
  *e++ = x < 0 ? '-' : '+';
  const int ax = x < 0 ? -x : x;
  if (ax >= 100) {
    *e++ = static_cast<char>('0' + ax / 100);
  }
  std::memcpy(e, kTwoDigits + 2 * (ax % 100), 2);
  return e + 2;
}
#else
#define W2V_FAST_DIGITS 0
#endif

}  // namespace

namespace {

// The binary significand and exponent of a finite float: v = c * 2^q.
inline void decompose(uint32_t bits, uint32_t* c, int* q) {
  const uint32_t fraction = bits & 0x7fffffu;
  const uint32_t biased = (bits >> 23) & 0xffu;
  *c = biased != 0 ? fraction | 0x800000u : fraction;
  *q = biased != 0 ? static_cast<int>(biased) - 150 : -149;
}

void shortest_decimals_scalar(const float* v, size_t n, uint32_t* digits, int32_t* exponents,
                              uint64_t* low_digits) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, v + i, sizeof bits);
    uint32_t c;
    int q;
    decompose(bits, &c, &q);
    const bool closer = (bits & 0x7fffffu) == 0 && ((bits >> 23) & 0xffu) > 1;
    int exponent;
    shortest_digits(c, q, closer, digits + i, &exponent);
    exponents[i] = exponent;
#if W2V_FAST_DIGITS
    low_digits[i] = eight_digits(digits[i] % 100000000);
#else
    low_digits[i] = 0;
#endif
  }
}

using BatchFn = size_t (*)(const float*, size_t, uint32_t*, int32_t*, uint64_t*);

size_t none_batched(const float*, size_t, uint32_t*, int32_t*, uint64_t*) { return 0; }

BatchFn select_batch() {
#if W2V_FAST_DIGITS && (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
  const char* forced = std::getenv("W2V_ISA");
  if (forced && std::strcmp(forced, "generic") == 0) return none_batched;
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return avx2::shortest_decimals;
#endif
  return none_batched;
}

}  // namespace

void shortest_decimals(const float* v, size_t n, uint32_t* digits, int32_t* exponents,
                       uint64_t* low_digits) {
  static const BatchFn batch = select_batch();
  const size_t done = batch(v, n, digits, exponents, low_digits);
  shortest_decimals_scalar(v + done, n - done, digits + done, exponents + done, low_digits + done);
}

char* write_decimal(char* out, float v, uint32_t digits, int32_t exponent, uint64_t low_digits) {
#if !W2V_FAST_DIGITS
  (void)digits;
  (void)exponent;
  (void)low_digits;
  return std::to_chars(out, out + 16, v).ptr;
#else
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  if (((bits >> 23) & 0xffu) == 0xff || (bits & 0x7fffffffu) == 0) {  // inf, nan, zero: rare
    return std::to_chars(out, out + 16, v).ptr;
  }
  char* p = out;
  *p = '-';  // kept for a negative value: no branch on the sign, as random as the values
  p += bits >> 31;
  uint32_t c;
  int q;
  decompose(bits, &c, &q);
  if (((bits >> 23) & 0xffu) != 0 && q <= 0 && q > -24 && ((c >> -q) << -q) == c) {
    digits = c >> -q;  // a small integer
    exponent = 0;
    low_digits = eight_digits(digits % 100000000);
  }
  return place(p, digits, exponent, low_digits, c, q);
#endif
}

char* write_shortest(char* out, float v) {
  uint32_t digits;
  int32_t exponent;
  uint64_t low_digits;
  shortest_decimals_scalar(&v, 1, &digits, &exponent, &low_digits);
  return write_decimal(out, v, digits, exponent, low_digits);
}

}  // namespace w2v
