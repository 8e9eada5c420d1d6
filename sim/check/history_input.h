// Strict reading of untrusted history input, shared by the three parsers and the models:
// every integer read from a history goes through parse_integer (directly, or through
// read_integer, read_json_integer or json_integer), and every piece of input quoted in an
// error goes through shown(). Hostile input then gets one clear "line N: what" error, never
// a wrapped value, undefined behaviour or a crash.
// Guarantees: parse_integer accepts exactly an optional '-' and decimal digits whose value
// lies in the range (no overflow, whatever the length); shown() returns one line of at most
// kShownChars characters of the input. Not here: what a field means (the parsers say that).
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "sim/check/history.h"

namespace dsim::check {

struct IntegerRange {
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
};
// Process ids: non-negative (Jepsen's), and they fit Operation::process.
inline constexpr IntegerRange kProcessRange{0, std::numeric_limits<int>::max()};
// Times: non-negative, and below kInfinity, which stands for "never returned".
inline constexpr IntegerRange kTimeRange{0, kInfinity - 1};
// Integer values (counter inputs, Jepsen and EDN integers): anything an int64 holds.
inline constexpr IntegerRange kInt64Range{};

// At most this many characters of an input value are quoted in an error message.
inline constexpr size_t kShownChars = 60;

// Does `text` have the shape of a decimal integer (an optional '-', then digits)? Parsers
// use it to tell "an integer field" from "another kind of token" before read_integer.
bool looks_like_integer(std::string_view text);

// The value of `text` when it is a decimal integer inside `range`; nullopt otherwise (not
// an integer, or outside the range, however many digits it has).
std::optional<int64_t> parse_integer(std::string_view text, IntegerRange range);

// A JSON number that is an integer inside `range` (1.0, 1e3, 2^64 and strings are not).
std::optional<int64_t> json_integer(const json& value, IntegerRange range);

// As parse_integer / json_integer, throwing HistoryError
//   "line N: <what> must be an integer in [min, max], got <shown value>"
// when the value is not one.
int64_t read_integer(std::string_view text, IntegerRange range, std::string_view what, int64_t line);
int64_t read_json_integer(const json& value, IntegerRange range, std::string_view what, int64_t line);

// `text` for an error message: control characters and invalid UTF-8 bytes escaped as \xNN,
// cut after kShownChars characters (at a character boundary) with "..." appended.
std::string shown(std::string_view text);

// Is `text` valid UTF-8 (what JSON strings, and so our messages and outputs, require)?
bool valid_utf8(std::string_view text);

// The deepest nesting of [ and { in a line of JSON, outside strings. Deep values are
// rejected before nlohmann builds them: copying and printing a json value recurse.
size_t json_nesting(std::string_view text);

[[noreturn]] void fail_at(int64_t line, const std::string& what);

}  // namespace dsim::check
