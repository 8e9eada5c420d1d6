// Scenario-file JSON: a small hand-written parser that accepts JSONC-style comments and one
// trailing comma, and records where in the source every value came from.
//
// Guarantees: the result is an ordinary nlohmann::json value plus a map from RFC 6901 JSON
// pointer to 1-based line/column (bytes), so later validation can report
// "file.json:12:5: network.loss: ...". Every syntax error is an InputError carrying the exact
// position of the offending byte. Parsing is deterministic (numbers go through std::from_chars,
// never the C locale) and keeps no global state, so parses may run concurrently.
// Strings in the output are valid UTF-8 (invalid UTF-8 in the input is rejected).
//
// Does not: keep comments or the members' source order (objects follow nlohmann::json's sorted
// order), accept JSON5 extras (single quotes, unquoted keys, hex, NaN/Infinity), or validate
// anything beyond syntax and duplicate keys.
#pragma once

#include <istream>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace dsim::sim {

// A user-input error: one line, already formatted as "where: what". Caught in main, exit code 2.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SourcePos {
  int line = 0;    // 1-based; 0 = unknown
  int column = 0;  // 1-based, counted in bytes
};

struct JsonDocument {
  nlohmann::json value;
  std::string origin;  // file name (or "--set", "<string>") used in messages
  // Position of every value, keyed by RFC 6901 JSON pointer ("" for the root, "/network/latency/min",
  // "/faults/0/at"). For an object member the position is where its KEY starts (that is what an
  // "unknown key" error should point at); for an array element, where the element starts.
  std::map<std::string, SourcePos> positions;

  // "origin:line:col" for the pointer, falling back to the nearest ancestor that has a position,
  // then to just "origin".
  std::string where(const std::string& pointer) const;
};

// Parses text. Throws InputError("<origin>:<line>:<col>: invalid JSON: <reason>") on any error,
// with the position of the offending character.
JsonDocument parse_json_source(std::string_view text, std::string origin);

// Parses one line of machine-written JSON (traces, histories, sweep results) with nlohmann's
// strict parser, bounded like scenario files: nesting deeper than 256 levels and numbers
// beyond a double's range ("1e999") are errors, so later code (digests, decoders, checkers)
// never recurses without bound or meets an infinity. Throws InputError("<what>") without a
// position: the caller adds "file:line".
nlohmann::json parse_json_line(std::string_view text);

// Reads one line (without its '\n') into `out`; false at the end of input. A line longer
// than `cap` bytes throws InputError("line longer than <cap> bytes"), so a file without
// newlines (/dev/zero) cannot exhaust memory.
inline constexpr size_t kMaxLineBytes = size_t{64} << 20;
bool read_line(std::istream& in, std::string& out, size_t cap = kMaxLineBytes);
// Scenario files larger than this are refused before parsing.
inline constexpr size_t kMaxScenarioBytes = size_t{64} << 20;

// Reads and parses a file. A missing/unreadable file throws
// InputError("<path>: cannot read file: <strerror text>"); an empty file is "invalid JSON: empty input".
JsonDocument load_json_file(const std::string& path);

// Converts a dotted key path as users write it ("network.latency.min", "faults.0.at") to a JSON
// pointer ("/network/latency/min", "/faults/0/at") and back ("" <-> "(root)" for display).
// '~' and '/' inside a key are escaped as "~0" / "~1" in the pointer. A key containing '.' cannot
// be written in dotted form, so such pointers do not round-trip.
std::string dotted_to_pointer(std::string_view dotted);
std::string pointer_to_dotted(std::string_view pointer);

}  // namespace dsim::sim
