// Reading observation payloads (TraceEvent::data) in invariants. In a live run the protocol's
// own code wrote them; under `dsim check` they come from a trace file and may have any shape.
// These readers check what they expect and throw sim::InputError otherwise (InvariantSet adds
// which event), where nlohmann's get<uint64_t>() would convert a float such as 1e300 with
// undefined behaviour.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/json_source.h"

namespace dsim::protocols {

// A non-negative integer, however nlohmann stores it (parsed: unsigned; built from int64_t:
// signed).
inline bool is_count(const nlohmann::json& v) {
  return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
}

// The non-negative integer member `key` of an object payload.
inline uint64_t count_field(const nlohmann::json& d, const char* key) {
  if (d.is_object())
    if (auto it = d.find(key); it != d.end() && is_count(*it)) return it->get<uint64_t>();
  throw sim::InputError(std::string("\"") + key + "\" must be a non-negative integer");
}

// The payload as one short line, for messages.
inline std::string payload_text(const nlohmann::json& d) {
  std::string s = d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return s.size() <= 80 ? s : s.substr(0, 77) + "...";
}

}  // namespace dsim::protocols
