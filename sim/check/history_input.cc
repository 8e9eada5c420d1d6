// Strict reading of history input (see history_input.h).
#include "sim/check/history_input.h"

#include <algorithm>
#include <cstdio>

namespace dsim::check {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The length of the UTF-8 sequence starting at text[i], or 0 when it is not valid UTF-8
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
size_t utf8_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u; };
  const unsigned c = byte(i);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4) n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

std::string range_text(IntegerRange range) {
  std::string text = "[";
  text += std::to_string(range.min) + ", " + std::to_string(range.max) + "]";
  return text;
}

}  // namespace

bool looks_like_integer(std::string_view text) {
  const size_t start = !text.empty() && text[0] == '-' ? 1 : 0;
  if (start == text.size()) return false;
  for (size_t i = start; i < text.size(); ++i)
    if (!is_digit(text[i])) return false;
  return true;
}

std::optional<int64_t> parse_integer(std::string_view text, IntegerRange range) {
  if (!looks_like_integer(text)) return std::nullopt;
  const bool negative = text[0] == '-';
  // Accumulate the magnitude in uint64, refusing before it passes |INT64_MIN| or INT64_MAX.
  const uint64_t limit = negative ? uint64_t{1} << 63 : uint64_t{std::numeric_limits<int64_t>::max()};
  uint64_t magnitude = 0;
  for (size_t i = negative ? 1 : 0; i < text.size(); ++i) {
    const uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (magnitude > (limit - digit) / 10) return std::nullopt;
    magnitude = magnitude * 10 + digit;
  }
  int64_t value = static_cast<int64_t>(magnitude);
  if (negative) {
    value = magnitude == uint64_t{1} << 63 ? std::numeric_limits<int64_t>::min()
                                           : -static_cast<int64_t>(magnitude);
  }
  if (value < range.min || value > range.max) return std::nullopt;
  return value;
}

std::optional<int64_t> json_integer(const json& value, IntegerRange range) {
  // A JSON integer prints exactly; floats (1.0, 1e3) print with '.' or 'e' and are refused.
  if (!value.is_number_integer()) return std::nullopt;
  return parse_integer(value.dump(), range);
}

int64_t read_integer(std::string_view text, IntegerRange range, std::string_view what, int64_t line) {
  const std::optional<int64_t> v = parse_integer(text, range);
  if (!v) fail_at(line, std::string(what) + " must be an integer in " + range_text(range) + ", got " + shown(text));
  return *v;
}

int64_t read_json_integer(const json& value, IntegerRange range, std::string_view what, int64_t line) {
  const std::optional<int64_t> v = json_integer(value, range);
  if (!v) {
    fail_at(line, std::string(what) + " must be an integer in " + range_text(range) + ", got " +
                      shown(value.dump(-1, ' ', false, json::error_handler_t::replace)));
  }
  return *v;
}

std::string shown(std::string_view text) {
  std::string out;
  size_t chars = 0, i = 0;
  for (; i < text.size() && chars < kShownChars; ++chars) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t n = utf8_length(text, i);
    if (c < 0x20 || c == 0x7F || n == 0) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  if (i < text.size()) out += "...";
  return out;
}

bool valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = utf8_length(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

size_t json_nesting(std::string_view text) {
  size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;  // skip the escaped character
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

void fail_at(int64_t line, const std::string& what) {
  throw HistoryError("line " + std::to_string(line) + ": " + what);
}

}  // namespace dsim::check
