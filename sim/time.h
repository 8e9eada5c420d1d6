// Simulated time: strong Time and Duration types over int64 nanoseconds.
//
// Time is a point on a clock (global simulated time, or a node's local clock); Duration is
// the distance between two points. Both are exact integers: there is no floating time
// anywhere in the engine. parse_duration() reads the "150ms" / "2s" / "10us" strings of
// scenario files and rejects unitless or negative values.
#pragma once

#include <compare>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace dsim::sim {

// Every Time and Duration operation is checked: a result outside int64 nanoseconds stops the
// program with an internal assertion (it never wraps, so UBSan stays silent). User input
// cannot get there: parse_duration() refuses any duration longer than kLongestDuration
// (100 days), so sums and the small multiples protocols take (40x a timeout, a drift of
// +-50%) of input values stay three orders of magnitude inside the representable range.
[[noreturn]] void time_overflow(const char* op);

namespace detail {
constexpr int64_t checked_add(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) time_overflow("+");
  return r;
}
constexpr int64_t checked_sub(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) time_overflow("-");
  return r;
}
constexpr int64_t checked_mul(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) time_overflow("*");
  return r;
}
}  // namespace detail

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration nanos(int64_t n) { return Duration(n); }
  static constexpr Duration micros(int64_t n) { return Duration(detail::checked_mul(n, 1'000)); }
  static constexpr Duration millis(int64_t n) { return Duration(detail::checked_mul(n, 1'000'000)); }
  static constexpr Duration seconds(int64_t n) { return Duration(detail::checked_mul(n, 1'000'000'000)); }
  static constexpr Duration hours(int64_t n) { return Duration(detail::checked_mul(n, 3'600'000'000'000)); }
  static constexpr Duration max() { return Duration(std::numeric_limits<int64_t>::max()); }

  constexpr int64_t ns() const { return ns_; }
  constexpr double seconds_f() const { return static_cast<double>(ns_) / 1e9; }

  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return Duration(detail::checked_add(ns_, o.ns_)); }
  constexpr Duration operator-(Duration o) const { return Duration(detail::checked_sub(ns_, o.ns_)); }
  constexpr Duration operator*(int64_t k) const { return Duration(detail::checked_mul(ns_, k)); }
  constexpr Duration operator/(int64_t k) const {
    if (k == 0 || (k == -1 && ns_ == std::numeric_limits<int64_t>::min())) time_overflow("/");
    return Duration(ns_ / k);
  }
  constexpr Duration operator-() const { return Duration(detail::checked_sub(0, ns_)); }
  constexpr Duration& operator+=(Duration o) { return *this = *this + o; }
  constexpr Duration& operator-=(Duration o) { return *this = *this - o; }

 private:
  constexpr explicit Duration(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

// The longest duration (and latest time) a scenario, a flag or a trace may state: 100 days.
// parse_duration() refuses anything longer, naming this limit.
inline constexpr Duration kLongestDuration = Duration::hours(2400);

class Time {
 public:
  constexpr Time() = default;
  static constexpr Time from_ns(int64_t ns) { return Time(ns); }
  static constexpr Time zero() { return Time(0); }
  static constexpr Time max() { return Time(std::numeric_limits<int64_t>::max()); }

  constexpr int64_t ns() const { return ns_; }
  constexpr double seconds_f() const { return static_cast<double>(ns_) / 1e9; }

  constexpr auto operator<=>(const Time&) const = default;
  constexpr Time operator+(Duration d) const { return Time(detail::checked_add(ns_, d.ns())); }
  constexpr Time operator-(Duration d) const { return Time(detail::checked_sub(ns_, d.ns())); }
  constexpr Duration operator-(Time o) const { return Duration::nanos(detail::checked_sub(ns_, o.ns_)); }
  constexpr Time& operator+=(Duration d) { return *this = *this + d; }

 private:
  constexpr explicit Time(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

// Parses "150ms", "2s", "1.5s", "10us", "250ns", "1m", "1h". A unit is required; negative
// values are rejected unless allow_negative (clock offsets may be negative); a magnitude
// beyond kLongestDuration is rejected ("longer than 100 days, the longest dsim accepts"). Returns
// nullopt and sets *error to a short reason on failure.
std::optional<Duration> parse_duration(std::string_view text, std::string* error,
                                       bool allow_negative = false);

// Formats with the largest unit that keeps the value exact: "150ms", "2s", "1500us".
std::string format_duration(Duration d);
// Milliseconds with three decimals (exact to the microsecond, truncated): "2842.113ms". The
// one unit of every line people read (summaries, `dsim log`, violation texts).
std::string format_ms(Duration d);
// Human-friendly seconds with 3-6 significant decimals, for summaries: "12.345s".
std::string format_seconds(Duration d);

}  // namespace dsim::sim
