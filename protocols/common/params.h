// A protocol parameter's largest value over the whole cluster, read from the resolved scenario
// (the global "params" and every server's "node_params" override), for liveness bounds that
// must allow for the slowest server. The scenario was validated: values parse.
#pragma once

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/time.h"

namespace dsim::protocols {

// A duration parameter, or element `element` of a duration-range parameter ("[min, max]").
inline sim::Duration largest_duration_param(const nlohmann::json& scenario, const std::string& name, int element = -1) {
  const nlohmann::json& protocol = scenario.at("protocol");
  auto read = [&](const nlohmann::json& params) {
    const nlohmann::json& v = element < 0 ? params.at(name) : params.at(name).at(element);
    return *sim::parse_duration(v.get<std::string>(), nullptr);
  };
  sim::Duration largest = read(protocol.at("params"));
  if (protocol.contains("node_params"))
    for (const auto& [node, params] : protocol.at("node_params").items())
      if (params.contains(name)) largest = std::max(largest, read(params));
  return largest;
}

}  // namespace dsim::protocols
