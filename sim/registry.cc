#include "sim/registry.h"

#include <cmath>

namespace dsim::sim {

ProcessFactory make_process_factory(const ProtocolSpec& protocol, const ProtocolConfig& config) {
  ProcessFactory global = protocol.make_factory(config);
  if (config.node_params.empty()) return global;
  std::map<NodeId, ProcessFactory> own;
  for (const auto& [node, params] : config.node_params) {
    ProtocolConfig c = config;
    c.params = params;
    c.node_params.clear();
    own.emplace(node, protocol.make_factory(c));
  }
  return [global = std::move(global), own = std::move(own)](NodeId id, const Topology& t) {
    const auto it = own.find(id);
    return it == own.end() ? global(id, t) : it->second(id, t);
  };
}

Duration log_uniform(Rng& rng, Duration lo, Duration hi) {
  DSIM_ASSERT(lo.ns() > 0 && hi >= lo, "log_uniform needs 0 < lo <= hi");
  const double a = std::log(static_cast<double>(lo.ns())), b = std::log(static_cast<double>(hi.ns()));
  const auto ns = static_cast<int64_t>(std::llround(std::exp(rng.uniform_real(a, b))));
  return std::clamp(two_digits(Duration::nanos(ns)), lo, hi);
}

Duration two_digits(Duration d) {
  int64_t us = std::max<int64_t>(1, d.ns() / 1000), scale = 1;
  while (us >= 100) {
    us /= 10;
    scale *= 10;
  }
  return Duration::micros(us * scale);
}

Duration round_trip(const nlohmann::json& drawn) {
  const auto it = drawn.find("$timing");
  if (it == drawn.end()) return Duration{};
  return Duration::nanos(2 * it->value("latency_ns", int64_t{0}) + it->value("sync_ns", int64_t{0}));
}

SwarmKnob knob_duration(std::string param, Duration lo, Duration hi) {
  std::string help = "log-uniform in [" + format_duration(lo) + ", " + format_duration(hi) + "]";
  return {std::move(param), std::move(help),
          [lo, hi](Rng& rng, const nlohmann::json&) { return nlohmann::json(format_duration(log_uniform(rng, lo, hi))); }};
}

SwarmKnob knob_duration_range(std::string param, Duration lo, Duration hi, double spread_lo, double spread_hi) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2g to %.2g", spread_lo, spread_hi);
  std::string help = "min log-uniform in [" + format_duration(lo) + ", " + format_duration(hi) + "], max = min x " + buf;
  return {std::move(param), std::move(help), [lo, hi, spread_lo, spread_hi](Rng& rng, const nlohmann::json&) {
            const Duration min = log_uniform(rng, lo, hi);
            const double f = rng.uniform_real(spread_lo, spread_hi);
            const Duration max = two_digits(Duration::micros(std::llround(static_cast<double>(min.ns() / 1000) * f)));
            return nlohmann::json::array({format_duration(min), format_duration(std::max(min, max))});
          }};
}

SwarmKnob knob_boolean(std::string param) {
  return {std::move(param), "true or false", [](Rng& rng, const nlohmann::json&) { return nlohmann::json(rng.bernoulli(0.5)); }};
}

SwarmKnob knob_integer(std::string param, int64_t lo, int64_t hi) {
  std::string help = "uniform in " + std::to_string(lo) + ".." + std::to_string(hi);
  return {std::move(param), std::move(help),
          [lo, hi](Rng& rng, const nlohmann::json&) { return nlohmann::json(rng.uniform_int(lo, hi)); }};
}

SwarmKnob knob_choice(std::string param, std::vector<std::string> choices) {
  std::string help = "one of";
  for (const auto& c : choices) help += " " + c;
  return {std::move(param), std::move(help), [choices](Rng& rng, const nlohmann::json&) {
            return nlohmann::json(choices[rng.uniform(choices.size())]);
          }};
}

}  // namespace dsim::sim
