#include "sim/printable.h"

#include <cstdio>

namespace dsim::sim {

std::string printable(std::string_view text, size_t max) {
  std::string out;
  size_t used = 0;
  for (; used < text.size(); ++used) {
    const unsigned char c = static_cast<unsigned char>(text[used]);
    if (out.size() >= max && (c & 0xC0) != 0x80) break;  // cut before a character starts
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (used < text.size()) out += "...(" + std::to_string(text.size() - used) + " more bytes)";
  return out;
}

}  // namespace dsim::sim
