// Parsing and formatting of durations. Exact integer arithmetic: "1.5s" is 1'500'000'000ns,
// and a value that is not a whole number of nanoseconds is rejected rather than rounded.
#include "sim/time.h"

#include <array>
#include <charconv>
#include <cstdio>

#include "sim/assert.h"
#include "sim/int128.h"
#include "sim/printable.h"

namespace dsim::sim {
namespace {

struct Unit {
  std::string_view suffix;
  int64_t ns;
};
// Longest suffixes first so "ms" is not read as "m" + "s".
constexpr std::array<Unit, 7> kUnits{{{"ns", 1},
                                      {"us", 1'000},
                                      {"ms", 1'000'000},
                                      {"s", 1'000'000'000},
                                      {"m", 60'000'000'000},
                                      {"h", 3'600'000'000'000},
                                      {"µs", 1'000}}};

}  // namespace

void time_overflow(const char* op) {
  assert_fail("time arithmetic within int64 nanoseconds", __FILE__, __LINE__, op);
}

std::optional<Duration> parse_duration(std::string_view text, std::string* error,
                                       bool allow_negative) {
  auto fail = [&](std::string why) -> std::optional<Duration> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  size_t digits_end = 0;
  while (digits_end < s.size() && ((s[digits_end] >= '0' && s[digits_end] <= '9') || s[digits_end] == '.'))
    ++digits_end;
  std::string_view number = s.substr(0, digits_end);
  std::string_view suffix = s.substr(digits_end);
  if (number.empty()) return fail("\"" + printable(text, 40) + "\" is not a duration (expected e.g. \"150ms\", \"2s\")");
  if (suffix.empty())
    return fail("duration \"" + printable(text, 40) + "\" has no unit (use ns, us, ms, s, m or h)");
  const Unit* unit = nullptr;
  for (const auto& u : kUnits)
    if (suffix == u.suffix) unit = &u;
  if (!unit)
    return fail("duration \"" + printable(text, 40) + "\" has unknown unit \"" + std::string(suffix) +
                "\" (use ns, us, ms, s, m or h)");
  if (negative && !allow_negative) return fail("duration \"" + printable(text, 40) + "\" must not be negative");

  size_t dot = number.find('.');
  std::string_view whole = number.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view{} : number.substr(dot + 1);
  if (frac.find('.') != std::string_view::npos || (whole.empty() && frac.empty()))
    return fail("\"" + printable(text, 40) + "\" is not a duration");
  int128 value = 0;
  for (char c : whole) {
    value = value * 10 + (c - '0');
    if (value > kLongestDuration.ns())
      return fail("duration \"" + printable(text, 40) + "\" is longer than 2400h (100 days), the longest dsim accepts");
  }
  value *= unit->ns;
  int64_t scale = unit->ns;
  for (char c : frac) {
    if (scale % 10 != 0) {
      if (c != '0') return fail("duration \"" + printable(text, 40) + "\" is finer than a nanosecond");
      continue;
    }
    scale /= 10;
    value += static_cast<int128>(c - '0') * scale;
  }
  if (value > kLongestDuration.ns())
    return fail("duration \"" + printable(text, 40) + "\" is longer than 2400h (100 days), the longest dsim accepts");
  int64_t ns = static_cast<int64_t>(value);
  return Duration::nanos(negative ? -ns : ns);
}

std::string format_duration(Duration d) {
  int64_t ns = d.ns();
  if (ns == 0) return "0s";
  for (auto it = kUnits.rbegin() + 1; it != kUnits.rend(); ++it) {  // skip "µs"
    if (it->ns <= 60'000'000'000 && ns % it->ns == 0 && it->suffix != "m")
      return std::to_string(ns / it->ns) + std::string(it->suffix);
  }
  return std::to_string(ns) + "ns";
}

std::string format_ms(Duration d) {
  const int64_t ns = d.ns();
  const uint64_t mag = ns < 0 ? 0 - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%llu.%03llums", ns < 0 ? "-" : "", static_cast<unsigned long long>(mag / 1'000'000),
                static_cast<unsigned long long>(mag % 1'000'000 / 1000));
  return buf;
}

std::string format_seconds(Duration d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6gs", d.seconds_f());
  return buf;
}

}  // namespace dsim::sim
