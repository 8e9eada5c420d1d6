// A recursive-descent JSON parser for scenario files: RFC 8259 plus // and /* */ comments and
// one trailing comma per object/array. It records the line/column of every value under its
// JSON pointer while building the nlohmann::json result.
//
// Lines are counted at '\n' (a "\r\n" file counts the same; a lone '\r' is plain whitespace);
// columns are 1-based byte offsets within the line (a leading UTF-8 BOM is skipped and not
// counted). Recursion is bounded by kMaxDepth, so hostile input cannot exhaust the stack.
// A number whose double value would overflow or underflow (1e400, 1e-400) is rejected rather
// than silently becoming inf or 0.
#include "sim/json_source.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <system_error>

namespace dsim::sim {
namespace {

constexpr int kMaxDepth = 256;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

// "unexpected character 'x'" for printable ASCII, "unexpected byte 0xC3" otherwise.
std::string unexpected(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u > 0x20 && u < 0x7F) return std::string("unexpected character '") + c + "'";
  char buf[32];
  std::snprintf(buf, sizeof buf, "unexpected byte 0x%02X", u);
  return buf;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Length of the well-formed UTF-8 sequence starting at text[i] (a non-ASCII lead byte), or 0
// if it is malformed: bad lead/continuation byte, truncated, overlong, surrogate, > U+10FFFF.
size_t utf8_length(std::string_view text, size_t i) {
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t n = 0;
  uint32_t cp = 0;
  if ((lead & 0xE0) == 0xC0) {
    n = 2, cp = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    n = 3, cp = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    n = 4, cp = lead & 0x07;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Appends one RFC 6901 reference token: '~' -> "~0", '/' -> "~1".
void append_token(std::string& pointer, std::string_view key) {
  for (char c : key) {
    if (c == '~') pointer += "~0";
    else if (c == '/') pointer += "~1";
    else pointer += c;
  }
}

class Parser {
 public:
  Parser(std::string_view text, std::string origin) : text_(text) {
    doc_.origin = std::move(origin);
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = line_start_ = 3;
  }

  JsonDocument run() {
    skip_ws();
    if (eof()) fail_at(pos_, "empty input");
    doc_.positions[""] = here(pos_);
    std::string path;
    doc_.value = parse_value(path, 0);
    skip_ws();
    if (!eof()) fail_at(pos_, unexpected(peek()) + " after the root value");
    return std::move(doc_);
  }

 private:
  bool eof() const { return pos_ >= text_.size(); }
  char peek(size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
  // Valid for any offset on the current line (every error offset is: strings and tokens never
  // span lines, and comment starts are captured before the comment is skipped).
  SourcePos here(size_t at) const { return {line_, static_cast<int>(at - line_start_) + 1}; }

  [[noreturn]] void fail(SourcePos p, const std::string& reason) const {
    throw InputError(doc_.origin + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) +
                     ": invalid JSON: " + reason);
  }
  [[noreturn]] void fail_at(size_t at, const std::string& reason) const { fail(here(at), reason); }
  // At pos_: "expected X<context>", or "unexpected end of input (expected X)".
  [[noreturn]] void fail_expected(const std::string& what, const std::string& context) const {
    fail_at(pos_, eof() ? "unexpected end of input (expected " + what + ")" : "expected " + what + context);
  }

  void skip_ws() {
    while (!eof()) {
      const char c = text_[pos_];
      if (c == '\n') {
        line_start_ = ++pos_;
        ++line_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '/' && peek(1) == '/') {
        while (!eof() && text_[pos_] != '\n') ++pos_;
      } else if (c == '/' && peek(1) == '*') {
        const SourcePos start = here(pos_);
        const size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) fail(start, "unterminated comment (starts here)");
        for (; pos_ < end; ++pos_) {
          if (text_[pos_] == '\n') ++line_, line_start_ = pos_ + 1;
        }
        pos_ = end + 2;
      } else {
        return;
      }
    }
  }

  nlohmann::json parse_value(std::string& path, int depth) {
    if (eof()) fail_at(pos_, "unexpected end of input (expected a value)");
    const char c = peek();
    if (c == '{') return parse_object(path, depth + 1);
    if (c == '[') return parse_array(path, depth + 1);
    if (c == '"') return parse_string();
    if (c == '-' || is_digit(c)) return parse_number();
    if (is_word_char(c)) {
      size_t end = pos_;
      while (end < text_.size() && is_word_char(text_[end])) ++end;
      const std::string_view word = text_.substr(pos_, end - pos_);
      if (word == "NaN" || word == "Infinity") fail_at(pos_, "NaN and Infinity are not valid JSON");
      if (word != "true" && word != "false" && word != "null")
        fail_at(pos_, "unexpected word '" + std::string(word.substr(0, 32)) + "' (strings need quotes)");
      pos_ = end;
      if (word == "null") return nullptr;
      return word == "true";
    }
    fail_at(pos_, unexpected(c));
  }

  nlohmann::json parse_object(std::string& path, int depth) {
    if (depth > kMaxDepth) fail_at(pos_, "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    ++pos_;  // '{'
    nlohmann::json object = nlohmann::json::object();
    for (;;) {
      skip_ws();
      if (peek() == '}') {  // empty object, or one trailing comma
        ++pos_;
        return object;
      }
      if (peek() != '"') fail_expected("a double-quoted key or '}'", "");
      const SourcePos key_pos = here(pos_);
      std::string key = parse_string();
      if (object.contains(key)) fail(key_pos, "duplicate key " + nlohmann::json(key).dump());
      skip_ws();
      if (peek() != ':') fail_expected("':'", " after object key");
      ++pos_;
      skip_ws();
      const size_t old_size = path.size();
      path += '/';
      append_token(path, key);
      doc_.positions[path] = key_pos;
      nlohmann::json member = parse_value(path, depth);
      path.resize(old_size);
      object.emplace(std::move(key), std::move(member));
      skip_ws();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() == '}') {
        ++pos_;
        return object;
      } else {
        fail_expected("',' or '}'", " after object member");
      }
    }
  }

  nlohmann::json parse_array(std::string& path, int depth) {
    if (depth > kMaxDepth) fail_at(pos_, "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    ++pos_;  // '['
    nlohmann::json array = nlohmann::json::array();
    for (size_t index = 0;; ++index) {
      skip_ws();
      if (peek() == ']') {  // empty array, or one trailing comma
        ++pos_;
        return array;
      }
      const size_t old_size = path.size();
      path += '/';
      path += std::to_string(index);
      doc_.positions[path] = here(pos_);
      array.push_back(parse_value(path, depth));
      path.resize(old_size);
      skip_ws();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() == ']') {
        ++pos_;
        return array;
      } else {
        fail_expected("',' or ']'", " after array element");
      }
    }
  }

  // Reads the four hex digits after "\u" (pos_ is on the first); `escape` is where the '\' is.
  uint32_t parse_hex4(size_t escape) {
    uint32_t value = 0;
    const char* first = text_.data() + pos_;
    const char* last = first + std::min<size_t>(4, text_.size() - pos_);
    const auto [ptr, ec] = std::from_chars(first, last, value, 16);
    if (ec != std::errc{} || ptr != first + 4) fail_at(escape, "invalid \\u escape (expected 4 hex digits)");
    pos_ += 4;
    return value;
  }

  std::string parse_string() {
    const size_t start = pos_++;  // the opening quote
    std::string out;
    for (;;) {
      if (eof()) fail_at(start, "unterminated string (starts here)");
      const char c = text_[pos_];
      const auto u = static_cast<unsigned char>(c);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c == '\n' || c == '\r') fail_at(pos_, "line break inside string (missing closing quote?)");
      if (u < 0x20) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "control character U+%04X in string (must be escaped)", u);
        fail_at(pos_, buf);
      }
      if (u >= 0x80) {
        const size_t n = utf8_length(text_, pos_);
        if (n == 0) fail_at(pos_, "invalid UTF-8 in string");
        out.append(text_.substr(pos_, n));
        pos_ += n;
        continue;
      }
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      const size_t escape = pos_;
      if (pos_ + 1 >= text_.size()) fail_at(start, "unterminated string (starts here)");
      const char e = text_[pos_ + 1];
      pos_ += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = parse_hex4(escape);
          const auto lone = [&] {
            fail_at(escape, "lone surrogate \\" + std::string(text_.substr(escape + 1, 5)));
          };
          if (cp >= 0xDC00 && cp <= 0xDFFF) lone();
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (peek() != '\\' || peek(1) != 'u') lone();
            const size_t low_escape = pos_;
            pos_ += 2;
            const uint32_t low = parse_hex4(low_escape);
            if (low < 0xDC00 || low > 0xDFFF) lone();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: {
          const auto eu = static_cast<unsigned char>(e);
          fail_at(escape, eu > 0x20 && eu < 0x7F ? std::string("invalid escape '\\") + e + "'" : "invalid escape");
        }
      }
    }
  }

  nlohmann::json parse_number() {
    const size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (text_.substr(pos_, 8) == "Infinity") fail_at(start, "NaN and Infinity are not valid JSON");
    if (!is_digit(peek())) fail_at(pos_, "expected a digit after '-'");
    if (peek() == '0' && is_digit(peek(1))) fail_at(pos_ + 1, "leading zeros are not allowed");
    while (is_digit(peek())) ++pos_;
    bool integral = true;
    if (peek() == '.') {
      integral = false;
      ++pos_;
      if (!is_digit(peek())) fail_at(pos_, "expected a digit after '.'");
      while (is_digit(peek())) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!is_digit(peek())) fail_at(pos_, "expected a digit in exponent");
      while (is_digit(peek())) ++pos_;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integral) {
      int64_t i = 0;
      if (std::from_chars(first, last, i).ec == std::errc{}) return i;
      uint64_t u = 0;
      if (*first != '-' && std::from_chars(first, last, u).ec == std::errc{}) return u;
    }
    double d = 0;
    if (std::from_chars(first, last, d).ec != std::errc{}) fail_at(start, "number out of range for a double");
    return d;
  }

  std::string_view text_;
  JsonDocument doc_;
  size_t pos_ = 0;
  size_t line_start_ = 0;  // offset of the first byte of the current line
  int line_ = 1;
};

}  // namespace

std::string JsonDocument::where(const std::string& pointer) const {
  std::string p = pointer;
  for (;;) {
    const auto it = positions.find(p);
    if (it != positions.end() && it->second.line > 0) {
      const std::string lc = std::to_string(it->second.line) + ":" + std::to_string(it->second.column);
      return origin.empty() ? lc : origin + ":" + lc;
    }
    if (p.empty()) return origin;
    const size_t slash = p.rfind('/');
    p.resize(slash == std::string::npos ? 0 : slash);
  }
}

JsonDocument parse_json_source(std::string_view text, std::string origin) {
  return Parser(text, std::move(origin)).run();
}

JsonDocument load_json_file(const std::string& path) {
  const auto cannot_read = [&](int err) {
    return InputError(path + ": cannot read file: " + std::generic_category().message(err));
  };
  errno = 0;
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw cannot_read(errno);
  std::string text;
  char buf[16384];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, file.get())) > 0) {
    text.append(buf, n);
    if (text.size() > kMaxScenarioBytes)
      throw InputError(path + ": larger than " + std::to_string(kMaxScenarioBytes >> 20) + " MiB: not a scenario file");
  }
  if (std::ferror(file.get())) throw cannot_read(errno != 0 ? errno : EIO);
  return parse_json_source(text, path);
}

std::string dotted_to_pointer(std::string_view dotted) {
  if (dotted.empty() || dotted == "(root)") return "";
  std::string pointer;
  for (;;) {
    const size_t dot = dotted.find('.');
    pointer += '/';
    append_token(pointer, dotted.substr(0, dot));
    if (dot == std::string_view::npos) return pointer;
    dotted.remove_prefix(dot + 1);
  }
}

bool read_line(std::istream& in, std::string& out, size_t cap) {
  out.clear();
  char buf[1 << 16];
  for (;;) {
    in.getline(buf, sizeof buf);
    const auto n = static_cast<size_t>(in.gcount());
    if (in.bad()) throw InputError("read error");
    if (in.eof()) {  // the last line, without a '\n'
      out.append(buf, n);
      if (out.size() > cap) throw InputError("line longer than " + std::to_string(cap >> 20) + " MiB");
      return !out.empty();
    }
    if (in.fail()) {  // the buffer filled before the '\n'
      in.clear();
      out.append(buf, n);
      if (out.size() > cap) throw InputError("line longer than " + std::to_string(cap >> 20) + " MiB");
      continue;
    }
    out.append(buf, n - 1);  // gcount counted the '\n'
    if (out.size() > cap) throw InputError("line longer than " + std::to_string(cap >> 20) + " MiB");
    return true;
  }
}

nlohmann::json parse_json_line(std::string_view text) {
  bool too_deep = false;
  // The callback sees every value with its depth; refusing the parse at the first value that
  // is too deep keeps the parser's own stack (and everything after it) bounded.
  const nlohmann::json::parser_callback_t limit = [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > kMaxDepth) {
      too_deep = true;
      throw std::length_error("too deep");
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text, limit);
  } catch (const std::length_error&) {
    throw InputError("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
  } catch (const nlohmann::json::exception& e) {
    if (too_deep) throw InputError("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    if (e.id == 406) throw InputError("a number too large for JSON (such as 1e999)");
    throw InputError("not valid JSON");
  }
}

std::string pointer_to_dotted(std::string_view pointer) {
  if (pointer.empty()) return "(root)";
  if (pointer.front() == '/') pointer.remove_prefix(1);
  std::string dotted;
  for (size_t i = 0; i < pointer.size(); ++i) {
    const char c = pointer[i];
    if (c == '/') {
      dotted += '.';
    } else if (c == '~' && i + 1 < pointer.size() && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
      dotted += pointer[++i] == '0' ? '~' : '/';
    } else {
      dotted += c;
    }
  }
  return dotted;
}

}  // namespace dsim::sim
