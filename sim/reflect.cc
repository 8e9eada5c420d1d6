// JsonWriter's string escaping and number formatting (shortest round-trip form).
#include "sim/reflect.h"

#include <cmath>

namespace dsim::sim {

void JsonWriter::string(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out_.push_back('"');
  size_t run = 0;  // start of the current run of bytes that need no escaping
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out_.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out_.append("\\\""); break;
      case '\\': out_.append("\\\\"); break;
      case '\n': out_.append("\\n"); break;
      case '\t': out_.append("\\t"); break;
      case '\r': out_.append("\\r"); break;
      default:
        out_.append("\\u00");
        out_.push_back(kHex[c >> 4]);
        out_.push_back(kHex[c & 15]);
    }
  }
  out_.append(s.data() + run, s.size() - run);
  out_.push_back('"');
}

void JsonWriter::number(double v) {
  if (!std::isfinite(v)) {
    out_.append("null");
    return;
  }
  char b[32];
  auto r = std::to_chars(b, b + sizeof b, v);
  out_.append(b, r.ptr);
  // Keep integral doubles recognisable as numbers with a fraction on reading back.
  if (std::string_view(b, r.ptr - b).find_first_of(".e") == std::string_view::npos) out_.append(".0");
}

}  // namespace dsim::sim
