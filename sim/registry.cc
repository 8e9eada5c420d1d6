#include "sim/registry.h"

#include <cmath>
#include <stdexcept>

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

// A typical draw of a latency distribution in scenario syntax (its median or mean, the largest
// part's for a mixture), for knobs that must stay well above the time a round trip takes.
int64_t typical_ns(const nlohmann::json& d) {
  const auto ns = [&](const char* key) -> int64_t {
    std::string error;
    if (!d.contains(key) || !d[key].is_string()) return 0;
    const auto v = sim::parse_duration(d[key].get<std::string>(), &error);
    return v ? v->ns() : 0;
  };
  const std::string kind = d.value("dist", "");
  if (kind == "constant") return ns("value");
  if (kind == "uniform") return (ns("min") + ns("max")) / 2;
  if (kind == "normal" || kind == "exponential") return ns("mean");
  if (kind == "lognormal") return ns("median");
  if (kind == "pareto") return ns("scale") * 2;
  if (kind == "mixture" && d.contains("of") && d["of"].is_array()) {
    int64_t most = 0;
    for (const auto& part : d["of"])
      if (part.is_object()) most = std::max(most, typical_ns(part));
    return most;
  }
  return 0;
}

Duration scenario_round_trip(const nlohmann::json& scenario) {
  const auto part = [&](const char* section, const char* key) -> int64_t {
    if (!scenario.contains(section) || !scenario[section].is_object() || !scenario[section].contains(key)) return 0;
    return typical_ns(scenario[section][key]);
  };
  return Duration::nanos(2 * part("network", "latency") + part("storage", "sync"));
}

Duration round_trip(const nlohmann::json& drawn) {
  const auto it = drawn.find("$timing");
  if (it == drawn.end()) return Duration{};
  return Duration::nanos(2 * it->value("latency_ns", int64_t{0}) + it->value("sync_ns", int64_t{0}));
}

SwarmKnob knob_timeout(std::string param, Duration floor, int64_t round_trips, double factor) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2g", factor);
  std::string help = "log-uniform in [max(" + format_duration(floor) + ", " + std::to_string(round_trips) +
                     " round trips), " + buf + " x that]";
  return {std::move(param), std::move(help), [floor, round_trips, factor](Rng& rng, const nlohmann::json& drawn) {
            const Duration lo = std::max(floor, round_trip(drawn) * round_trips);
            const Duration hi = Duration::nanos(static_cast<int64_t>(static_cast<double>(lo.ns()) * factor));
            return nlohmann::json(format_duration(log_uniform(rng, lo, hi)));
          }};
}

Duration drawn_duration(const nlohmann::json& drawn, const std::string& param, size_t index) {
  // Throws (the swarm then leaves the knob at its default) for a value pinned malformed.
  const auto it = drawn.find(param);
  if (it == drawn.end()) throw std::invalid_argument("swarm knob " + param + " has no value yet");
  const nlohmann::json& v = it->is_array() ? it->at(index) : *it;
  const auto d = v.is_string() ? parse_duration(v.get<std::string>(), nullptr) : std::nullopt;
  if (!d || d->ns() <= 0) throw std::invalid_argument("swarm knob " + param + " is not a positive duration");
  return *d;
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

SwarmKnob knob_up_to(std::string param, std::string bound, const std::string& label) {
  return {std::move(param), "uniform in 1.." + label, [bound = std::move(bound)](Rng& rng, const nlohmann::json& drawn) {
            const int64_t most = drawn.at(bound).get<int64_t>();
            if (most < 1) throw std::invalid_argument(bound);
            return nlohmann::json(rng.uniform_int(1, most));
          }};
}

SwarmKnob knob_choice(std::string param, std::vector<std::string> choices) {
  std::string help = "one of";
  for (const auto& c : choices) help += " " + c;
  return {std::move(param), std::move(help), [choices](Rng& rng, const nlohmann::json&) {
            return nlohmann::json(choices[rng.uniform(choices.size())]);
          }};
}

}  // namespace dsim::sim
