// Strict reading of JSON configuration (scenario files, protocol parameters): every key is
// read through a ConfigReader, which knows where each value came from (file:line:col, or the
// `--set k=v` that overrode it) and turns every mistake into a one-line InputError naming
// the key path and that place. Keys that nobody read are errors too ("unknown key").
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/json_source.h"
#include "sim/time.h"

namespace dsim::sim {

// A parsed document plus the --set overrides applied to it.
class ConfigSource {
 public:
  explicit ConfigSource(JsonDocument doc) : doc_(std::move(doc)) {}
  // Applies "a.b.c=value": value is JSON if it parses as JSON, else a string ("20ms").
  // Creates missing intermediate objects. Throws InputError on a malformed assignment.
  void apply_set(const std::string& assignment);

  // Writes a value the document did not have (swarm mode's draws); errors about it, or inside
  // it, name `origin` ("drawn by swarm for seed 7") instead of a file position.
  void put(const std::string& pointer, nlohmann::json value, std::string origin);
  // Removes a top-level key.
  void erase(const std::string& key);

  const nlohmann::json& root() const { return doc_.value; }
  const std::string& origin() const { return doc_.origin; }
  // "file:line:col" or "--set a.b=v" for the value at a JSON pointer.
  std::string where(const std::string& pointer) const;

 private:
  std::string where_raw(const std::string& pointer) const;
  JsonDocument doc_;
  std::vector<std::pair<std::string, std::string>> sets_;  // pointer -> "--set a.b=v" or a put's origin
};

class ConfigReader {
 public:
  // Reads the object at `pointer` (must be an object: checked).
  ConfigReader(const ConfigSource& source, std::string pointer);

  bool has(std::string_view key) const;
  std::optional<std::string> string(std::string_view key);
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max);
  std::optional<uint64_t> unsigned_integer(std::string_view key);
  std::optional<double> number(std::string_view key, double min, double max);
  std::optional<bool> boolean(std::string_view key);
  std::optional<Duration> duration(std::string_view key, bool allow_negative = false);
  // A string that must be one of `choices`.
  std::optional<std::string> choice(std::string_view key, const std::vector<std::string>& choices);
  // The raw value (marks the key as read); nullptr when absent.
  const nlohmann::json* raw(std::string_view key);
  // A child object reader (the key must hold an object).
  ConfigReader object(std::string_view key);
  // Elements of an array (the key must hold an array); each as its JSON pointer.
  std::vector<std::string> array(std::string_view key);
  // The keys of a member object, for maps keyed by user names ("clocks": {"n1": ...}).
  std::vector<std::string> keys() const;

  // Rejects every key that was not read, naming the first one and suggesting the nearest
  // known key (any key asked about, present or not).
  void finish();

  [[noreturn]] void fail(std::string_view key, const std::string& what) const;
  [[noreturn]] void fail_here(const std::string& what) const;
  std::string child_pointer(std::string_view key) const;
  const std::string& pointer() const { return pointer_; }
  const ConfigSource& source() const { return *source_; }
  const nlohmann::json& value() const { return *value_; }

 private:
  const nlohmann::json* find(std::string_view key);
  const ConfigSource* source_;
  std::string pointer_;
  const nlohmann::json* value_;
  std::set<std::string, std::less<>> read_;
  // Every key asked about (read or only tested with has()): what "known keys here" lists.
  mutable std::set<std::string, std::less<>> known_;
};

// "network.latency.min" for a JSON pointer, "(root)" for "".
std::string display_path(const std::string& pointer);
// Formats one-line errors uniformly: "<where>: <path>: <what>".
[[noreturn]] void fail_at(const ConfigSource& source, const std::string& pointer, const std::string& what);

}  // namespace dsim::sim
