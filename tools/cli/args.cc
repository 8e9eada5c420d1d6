#include "tools/cli/args.h"

#include "sim/json_source.h"
#include "sim/printable.h"

namespace dsim::cli {

uint64_t parse_number(std::string_view text, std::string_view flag, uint64_t min, uint64_t max) {
  const std::string where = std::string(flag) + " " + sim::printable(text, 40) + ": ";
  const std::string range = "expected a whole number from " + std::to_string(min) + " to " + std::to_string(max);
  if (text.empty()) throw sim::InputError(std::string(flag) + ": empty value; " + range);
  for (char c : text)
    if (c < '0' || c > '9') throw sim::InputError(where + range + " (digits only)");
  if (text.size() > 1 && text[0] == '0')
    throw sim::InputError(where + "a leading zero is not allowed (some tools read it as octal); write " +
                          std::string(text.substr(text.find_first_not_of('0') == std::string_view::npos
                                                      ? text.size() - 1
                                                      : text.find_first_not_of('0'))));
  uint64_t v = 0;
  for (char c : text) {
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) throw sim::InputError(where + "too large; " + range);
    v = v * 10 + digit;
  }
  if (v < min || v > max) throw sim::InputError(where + "out of range; " + range);
  return v;
}

}  // namespace dsim::cli
