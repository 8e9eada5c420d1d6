// Decoding base64 (RFC 4648, the standard alphabet), as the DevTools protocol sends binary data
// (Page.captureScreenshot's PNG). Decoding only; padding optional; anything else throws.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace dsim_test {

// The value of one base64 digit, or -1.
inline int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// The bytes `text` encodes; std::invalid_argument for a character outside the alphabet or a
// last group of one digit.
inline std::string base64_decode(std::string_view text) {
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (const char c : text) {
    if (c == '=') break;
    const int v = base64_digit(c);
    if (v < 0)
      throw std::invalid_argument("base64: unexpected character " + std::to_string(static_cast<unsigned char>(c)));
    bits = (bits << 6) | static_cast<uint32_t>(v);
    if (++count == 4) {
      out += static_cast<char>(bits >> 16);
      out += static_cast<char>(bits >> 8 & 0xff);
      out += static_cast<char>(bits & 0xff);
      bits = 0;
      count = 0;
    }
  }
  if (count == 1) throw std::invalid_argument("base64: truncated input");
  if (count == 2) out += static_cast<char>(bits >> 4);
  if (count == 3) {
    out += static_cast<char>(bits >> 10);
    out += static_cast<char>(bits >> 2 & 0xff);
  }
  return out;
}

}  // namespace dsim_test
