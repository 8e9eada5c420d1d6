// Protocol parameters: each protocol declares its parameters (name, type, default, help,
// bounds); the scenario loader validates `protocol.params` against that declaration and
// hands the node factory a Params with every value resolved (defaults filled in).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/config.h"
#include "sim/time.h"

namespace dsim::sim {

enum class ParamType { integer, number, boolean, string, duration, duration_range };
std::string_view to_string(ParamType t);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::integer;
  nlohmann::json default_value;  // in scenario syntax: "10ms", ["150ms", "300ms"], 3, true
  std::string help;
  double min = -1e18;  // integer/number bounds; for durations, the minimum in ns
  double max = 1e18;
  std::vector<std::string> choices;  // string parameters: allowed values (empty: any)
};

// Resolved parameter values, in canonical scenario syntax.
class Params {
 public:
  Params() = default;
  explicit Params(nlohmann::json values) : values_(std::move(values)) {}
  int64_t integer(const std::string& name) const;
  double number(const std::string& name) const;
  bool boolean(const std::string& name) const;
  std::string string(const std::string& name) const;
  Duration duration(const std::string& name) const;
  std::pair<Duration, Duration> duration_range(const std::string& name) const;
  const nlohmann::json& json() const { return values_; }

 private:
  const nlohmann::json& at(const std::string& name) const;
  nlohmann::json values_ = nlohmann::json::object();
};

// Reads the params object against the specs: unknown names, wrong types and out-of-range
// values are InputErrors with the key's place. Returns the resolved values: a name the reader
// lacks takes its value from `base` (resolved values, such as the global params under a
// node's overrides), else the spec's default.
nlohmann::json resolve_params(const std::vector<ParamSpec>& specs, ConfigReader* reader,
                              const nlohmann::json* base = nullptr);

}  // namespace dsim::sim
