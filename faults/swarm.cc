#include "faults/swarm.h"

#include <algorithm>
#include <cmath>

#include "faults/spec.h"
#include "sim/rng.h"

namespace dsim::faults {
namespace {

using sim::Duration;

// The pool of fault kinds a swarm draws from when the scenario names none: every kind the
// nemesis can generate that the protocol's budget allows.
std::vector<std::string> default_pool(const sim::ProtocolSpec& p) {
  std::vector<std::string> pool{"crash", "partition", "isolate", "cut", "lossy", "slow", "duplicate", "omit", "clock", "storage_slow"};
  if (p.budget.byzantine) pool.push_back("byzantine");
  return pool;
}

struct Spec {
  bool faults = true;
  std::optional<Duration> from, to;
  std::vector<std::string> kinds;
  Duration every_lo = Duration::millis(20), every_hi = Duration::seconds(1);
  int64_t concurrent_lo = 1, concurrent_hi = 3;
  Duration length_lo = Duration::millis(5), length_hi = Duration::seconds(2);
  bool lose_unsynced = true;
  bool network = true;
  Duration latency_lo = Duration::micros(100), latency_hi = Duration::millis(20);
  std::vector<std::string> shapes{"uniform", "exponential", "lognormal"};
  double loss_max = 0.05, duplicate_max = 0.05;
  bool storage = true;
  Duration sync_lo = Duration::micros(50), sync_hi = Duration::millis(20);
  bool protocol = true;
};

std::pair<Duration, Duration> duration_pair(sim::ConfigReader& r, std::string_view key, std::pair<Duration, Duration> dflt,
                                            bool allow_zero = false) {
  const nlohmann::json* j = r.raw(key);
  if (!j) return dflt;
  std::string error;
  if (!j->is_array() || j->size() != 2 || !(*j)[0].is_string() || !(*j)[1].is_string())
    r.fail(key, "must be a range [\"min\", \"max\"] of durations, e.g. [\"1ms\", \"1s\"]");
  auto lo = sim::parse_duration((*j)[0].get<std::string>(), &error);
  auto hi = lo ? sim::parse_duration((*j)[1].get<std::string>(), &error) : std::nullopt;
  if (!lo || !hi) r.fail(key, error);
  if ((!allow_zero && *lo <= Duration{}) || *hi < *lo || *hi <= Duration{})
    r.fail(key, allow_zero ? "needs 0 <= min <= max, max > 0" : "needs 0 < min <= max");
  // Draws are whole microseconds: a range below that cannot be drawn from.
  if (*lo < Duration::micros(1) && !allow_zero) r.fail(key, "the smallest value swarm draws is 1us");
  return {std::max(*lo, Duration::micros(1)), std::max(*hi, Duration::micros(1))};
}

std::pair<int64_t, int64_t> integer_pair(sim::ConfigReader& r, std::string_view key, std::pair<int64_t, int64_t> dflt,
                                         int64_t min, int64_t max) {
  const nlohmann::json* j = r.raw(key);
  if (!j) return dflt;
  if (!j->is_array() || j->size() != 2 || !(*j)[0].is_number_integer() || !(*j)[1].is_number_integer())
    r.fail(key, "must be a range [min, max] of integers, e.g. [1, 3]");
  const int64_t lo = (*j)[0].get<int64_t>(), hi = (*j)[1].get<int64_t>();
  if (lo < min || hi > max || hi < lo)
    r.fail(key, "needs " + std::to_string(min) + " <= min <= max <= " + std::to_string(max));
  return {lo, hi};
}

// A category that is either false (off) or an object of ranges.
std::optional<sim::ConfigReader> category(sim::ConfigReader& r, std::string_view key, bool& on) {
  const nlohmann::json* j = r.raw(key);
  if (!j) return std::nullopt;
  if (j->is_boolean()) {
    on = j->get<bool>();
    return std::nullopt;
  }
  if (!j->is_object()) r.fail(key, "must be false (do not draw) or an object of ranges");
  return r.object(key);
}

Spec read_spec(sim::ConfigReader& r, const sim::ProtocolSpec& protocol, Duration scenario_length) {
  Spec s;
  if (auto f = category(r, "faults", s.faults)) {
    const auto window = f->raw("window");
    if (window) {
      auto [from, to] = duration_pair(*f, "window", {}, /*allow_zero=*/true);
      if (to <= from) f->fail("window", "the window ends before it starts");
      s.from = from;
      s.to = to;
    }
    const auto pool = default_pool(protocol);
    for (const auto& kp : f->array("kinds")) {
      const auto& k = f->source().root().at(nlohmann::json::json_pointer(kp));
      if (!k.is_string() || std::find(pool.begin(), pool.end(), k.get<std::string>()) == pool.end()) {
        std::string known;
        for (const auto& x : pool) known += (known.empty() ? "" : ", ") + x;
        sim::fail_at(f->source(), kp, "not a swarm fault kind for " + protocol.name + ": " + k.dump() + " (one of: " + known + ")");
      }
      s.kinds.push_back(k.get<std::string>());
    }
    if (f->has("kinds") && s.kinds.empty()) f->fail("kinds", "must name at least one kind (or \"faults\": false)");
    std::tie(s.every_lo, s.every_hi) = duration_pair(*f, "every", {s.every_lo, s.every_hi});
    std::tie(s.concurrent_lo, s.concurrent_hi) = integer_pair(*f, "max_concurrent", {s.concurrent_lo, s.concurrent_hi}, 1, 100);
    std::tie(s.length_lo, s.length_hi) = duration_pair(*f, "length", {s.length_lo, s.length_hi});
    s.lose_unsynced = f->boolean("lose_unsynced").value_or(protocol.budget.lost_unsynced);
    if (s.lose_unsynced && !protocol.budget.lost_unsynced)
      f->fail("lose_unsynced", protocol.name + " does not promise to survive lost unsynced writes");
    f->finish();
  }
  if (s.kinds.empty()) s.kinds = default_pool(protocol);
  if (!s.from) s.from = Duration::nanos(scenario_length.ns() / 20);
  if (!s.to) s.to = Duration::nanos(scenario_length.ns() / 10 * 6);
  if (s.every_lo.ns() > 0 && (*s.to - *s.from).ns() / s.every_lo.ns() > 100'000)
    r.object("faults").fail("every", "the window holds more than 100,000 faults at the smallest gap; raise \"every\"");

  if (auto n = category(r, "network", s.network)) {
    std::tie(s.latency_lo, s.latency_hi) = duration_pair(*n, "latency", {s.latency_lo, s.latency_hi});
    if (n->has("shapes")) {
      s.shapes.clear();
      for (const auto& kp : n->array("shapes")) {
        const auto& k = n->source().root().at(nlohmann::json::json_pointer(kp));
        if (!k.is_string() || (k != "uniform" && k != "exponential" && k != "lognormal"))
          sim::fail_at(n->source(), kp, "not a latency shape: " + k.dump() + " (uniform, exponential, lognormal)");
        s.shapes.push_back(k.get<std::string>());
      }
      if (s.shapes.empty()) n->fail("shapes", "must name at least one shape");
    }
    s.loss_max = n->number("loss", 0, 0.5).value_or(s.loss_max);
    s.duplicate_max = n->number("duplicate", 0, 0.5).value_or(s.duplicate_max);
    n->finish();
  }
  if (auto st = category(r, "storage", s.storage)) {
    std::tie(s.sync_lo, s.sync_hi) = duration_pair(*st, "sync", {s.sync_lo, s.sync_hi});
    st->finish();
  }
  s.protocol = r.boolean("protocol").value_or(true);
  r.finish();
  return s;
}

nlohmann::json latency_json(const std::string& shape, Duration m) {
  if (shape == "uniform")
    return {{"dist", "uniform"}, {"min", sim::format_duration(Duration::nanos(m.ns() / 2))},
            {"max", sim::format_duration(Duration::nanos(m.ns() / 2 * 3))}};
  if (shape == "exponential") return {{"dist", "exponential"}, {"mean", sim::format_duration(m)}};
  return {{"dist", "lognormal"}, {"median", sim::format_duration(m)}, {"sigma", 1.0}};
}

// Two decimals are plenty for a drawn probability, and read well in a scenario.
double rounded(double p) { return std::round(p * 1000) / 1000; }

class SwarmSection final : public sim::ScenarioSection {
 public:
  std::string_view key() const override { return "swarm"; }

  void expand(sim::ConfigSource& source, const sim::Registry& registry) const override {
    const nlohmann::json& root = source.root();
    if (!root.is_object() || !root.contains("swarm")) return;
    const nlohmann::json& sw = root.at("swarm");
    if (sw.is_object() && sw.contains("drawn")) return;  // already explicit (a trace header, an emitted scenario)
    // Whatever the rest of the scenario gets wrong is reported by the loader; without a known
    // protocol, seed and duration there is nothing to draw, and "swarm" is refused there.
    const auto* pj = root.contains("protocol") && root["protocol"].is_object() ? &root["protocol"] : nullptr;
    const sim::ProtocolSpec* protocol =
        pj && pj->contains("name") && (*pj)["name"].is_string() ? registry.find((*pj)["name"].get<std::string>()) : nullptr;
    if (!protocol) return;
    uint64_t seed = 1;
    if (root.contains("seed")) {
      if (!root["seed"].is_number_unsigned()) return;
      seed = root["seed"].get<uint64_t>();
    }
    Duration length = Duration::seconds(10);
    if (root.contains("duration")) {
      std::string error;
      const auto d = root["duration"].is_string() ? sim::parse_duration(root["duration"].get<std::string>(), &error) : std::nullopt;
      if (!d || *d <= Duration{}) return;
      length = *d;
    }

    sim::ConfigReader r(source, "/swarm");
    const Spec spec = read_spec(r, *protocol, length);
    const std::string origin = "drawn by swarm for seed " + std::to_string(seed);
    const sim::Rng base = sim::Rng::derive(seed, "swarm");
    nlohmann::json drawn = nlohmann::json::object();

    if (spec.faults) {
      sim::Rng rng = base.derive("faults");
      std::vector<std::string> on;
      for (const auto& k : spec.kinds)
        if (rng.bernoulli(0.5)) on.push_back(k);
      if (on.empty()) on.push_back(spec.kinds[rng.uniform(spec.kinds.size())]);
      const Duration every = sim::log_uniform(rng, spec.every_lo, spec.every_hi);
      const int64_t concurrent = rng.uniform_int(spec.concurrent_lo, spec.concurrent_hi);
      Duration a = sim::log_uniform(rng, spec.length_lo, spec.length_hi), b = sim::log_uniform(rng, spec.length_lo, spec.length_hi);
      if (b < a) std::swap(a, b);
      nlohmann::json nemesis{{"kinds", on},
                             {"every", sim::format_duration(every)},
                             {"max_concurrent", concurrent},
                             {"length", {sim::format_duration(a), sim::format_duration(b)}}};
      double lose = 0;
      if (spec.lose_unsynced && std::find(on.begin(), on.end(), "crash") != on.end() && rng.bernoulli(0.5))
        lose = rounded(rng.uniform_real(0.1, 1.0));
      if (lose > 0) nemesis["lose_unsynced"] = lose;
      // Aim at the protocol's selectors (the leader, the coordinator) part of the time:
      // FoundationDB's simulator kills the roles that matter more often than random machines.
      if (!protocol->selectors.empty() && rng.bernoulli(0.5)) nemesis["aim"] = rounded(rng.uniform_real(0.3, 1.0));
      // Crash points part of the time: a crash that waits for a protocol step, the place where
      // state a protocol forgot to make durable goes missing (faults/schedule.cc).
      if (std::find(on.begin(), on.end(), "crash") != on.end() && rng.bernoulli(0.5))
        nemesis["crash_points"] = rounded(rng.uniform_real(0.3, 1.0));
      const nlohmann::json entry{{"from", sim::format_duration(*spec.from)}, {"to", sim::format_duration(*spec.to)}, {"nemesis", nemesis}};
      const size_t index = root.contains("faults") && root["faults"].is_array() ? root["faults"].size() : 0;
      if (index == 0 && root.contains("faults") && !root["faults"].is_array()) r.fail_here("\"faults\" must be a list to add the swarm's nemesis to");
      if (index == 0) source.put("/faults", nlohmann::json::array({entry}), origin);
      else source.put("/faults/" + std::to_string(index), entry, origin);
      drawn["faults"] = nemesis;
    }
    if (spec.network) {
      sim::Rng rng = base.derive("network");
      const nlohmann::json* net = root.contains("network") && root["network"].is_object() ? &root["network"] : nullptr;
      const auto given = [&](const char* key) { return net && net->contains(key); };
      const std::string shape = spec.shapes[rng.uniform(spec.shapes.size())];
      const Duration m = sim::log_uniform(rng, spec.latency_lo, spec.latency_hi);
      const double loss = rng.bernoulli(0.5) ? rounded(rng.uniform_real(0, spec.loss_max)) : 0.0;
      const double dup = rng.bernoulli(0.5) ? rounded(rng.uniform_real(0, spec.duplicate_max)) : 0.0;
      nlohmann::json d = nlohmann::json::object();
      if (!given("latency")) source.put("/network/latency", d["latency"] = latency_json(shape, m), origin);
      if (!given("loss")) source.put("/network/loss", d["loss"] = loss, origin);
      if (!given("duplicate")) source.put("/network/duplicate", d["duplicate"] = dup, origin);
      drawn["network"] = d;
    }
    if (spec.storage) {
      sim::Rng rng = base.derive("storage");
      const bool given = root.contains("storage") && root["storage"].is_object() && root["storage"].contains("sync");
      const bool on = rng.bernoulli(0.5);
      const Duration m = sim::log_uniform(rng, spec.sync_lo, spec.sync_hi);
      if (!given) {
        const nlohmann::json sync = on ? nlohmann::json{{"dist", "lognormal"}, {"median", sim::format_duration(m)}, {"sigma", 0.5}}
                                       : nlohmann::json{{"dist", "constant"}, {"value", "0s"}};
        source.put("/storage/sync", sync, origin);
        drawn["storage"] = {{"sync", sync}};
      }
    }
    if (spec.protocol && !protocol->swarm.empty()) {
      sim::Rng rng = base.derive("protocol");
      const nlohmann::json* params = pj->contains("params") && (*pj)["params"].is_object() ? &(*pj)["params"] : nullptr;
      // What a round trip costs in this run, for knobs that must stay above it (Raft §5.6:
      // broadcastTime << electionTimeout): a typical message latency and sync, drawn or given.
      const nlohmann::json& doc = source.root();
      const nlohmann::json latency = doc.contains("network") && doc["network"].is_object() && doc["network"].contains("latency")
                                         ? doc["network"]["latency"]
                                         : nlohmann::json{{"dist", "uniform"}, {"min", "1ms"}, {"max", "10ms"}};
      const nlohmann::json sync = doc.contains("storage") && doc["storage"].is_object() && doc["storage"].contains("sync")
                                      ? doc["storage"]["sync"]
                                      : nlohmann::json{{"dist", "constant"}, {"value", "0s"}};
      nlohmann::json d = nlohmann::json::object();
      const nlohmann::json timing{{"latency_ns", sim::typical_ns(latency)}, {"sync_ns", sim::typical_ns(sync)}};
      const uint64_t servers = doc.contains("nodes") && doc["nodes"].is_number_unsigned() ? doc["nodes"].get<uint64_t>() : 3;
      // What later knobs see: every knob's value so far, drawn or pinned by the scenario.
      nlohmann::json context = nlohmann::json::object();
      context["$timing"] = timing;
      context["$servers"] = servers;
      for (const auto& knob : protocol->swarm) {
        // Every knob draws, pinned or not, so pinning one does not change the others' draws.
        nlohmann::json v;
        try {
          v = knob.draw(rng, context);
        } catch (const std::exception&) {
          // A knob that reads a value the scenario pinned, malformed: the loader reports that
          // value in one line; this knob keeps its default meanwhile.
          continue;
        }
        if (params && params->contains(knob.param)) {
          context[knob.param] = (*params)[knob.param];
          continue;
        }
        source.put("/protocol/params/" + knob.param, v, origin);
        context[knob.param] = v;
        d[knob.param] = std::move(v);
      }
      drawn["params"] = d;
    }
    source.put("/swarm", nlohmann::json{{"seed", seed}, {"drawn", drawn}}, origin);
  }

  void read(sim::ConfigReader& root, const sim::Scenario&, nlohmann::json& resolved) const override {
    if (!root.has("swarm")) return;
    sim::ConfigReader r = root.object("swarm");
    const auto seed = r.unsigned_integer("seed");
    const nlohmann::json* drawn = r.raw("drawn");
    if (!seed || !drawn || !drawn->is_object()) r.fail_here("a swarm record needs \"seed\" and \"drawn\"");
    r.finish();
    resolved["swarm"] = {{"seed", *seed}, {"drawn", *drawn}};
  }
};

std::string dist_text(const nlohmann::json& d) {
  const std::string kind = d.value("dist", "");
  if (kind == "constant") return d.value("value", "?");
  if (kind == "uniform") return d.value("min", "?") + ".." + d.value("max", "?");
  if (kind == "exponential") return "exp(" + d.value("mean", "?") + ")";
  if (kind == "lognormal") return "lognormal(" + d.value("median", "?") + ")";
  return d.dump();
}

}  // namespace

const sim::ScenarioSection& swarm_section() {
  static const SwarmSection s;
  return s;
}

const std::vector<std::array<std::string, 3>>& swarm_keys() {
  static const std::vector<std::array<std::string, 3>> keys{
      {"faults.kinds", "every nemesis kind in the budget", "each kind on with probability 1/2 (at least one)"},
      {"faults.window", "[duration/20, 6 x duration/10]", "when the nemesis runs; every fault heals by its end"},
      {"faults.every", "[\"20ms\", \"1s\"]", "mean gap between faults, log-uniform"},
      {"faults.max_concurrent", "[1, 3]", "faults at once, uniform"},
      {"faults.length", "[\"5ms\", \"2s\"]", "two log-uniform draws give the nemesis's [min, max] fault length"},
      {"faults.lose_unsynced", "the budget's", "with probability 1/2, crashes lose unsynced writes with a drawn probability"},
      {"(faults aim)", "-", "with probability 1/2, one-node faults hit a selector's node (leader) with p 0.3..1"},
      {"(faults crash_points)", "-", "with crash on, probability 1/2: a crash waits for a protocol step with p 0.3..1"},
      {"network.latency", "[\"100us\", \"20ms\"]", "a scale m, log-uniform, and a shape: uniform m/2..3m/2, exponential, lognormal"},
      {"network.shapes", "[\"uniform\", \"exponential\", \"lognormal\"]", "the shapes to choose from"},
      {"network.loss", "0.05", "with probability 1/2, a loss rate uniform up to this"},
      {"network.duplicate", "0.05", "with probability 1/2, a duplication rate uniform up to this"},
      {"storage.sync", "[\"50us\", \"20ms\"]", "with probability 1/2, a lognormal sync latency with a log-uniform median"},
      {"protocol", "true", "draw every knob the protocol declares (dsim list: swarm knobs)"},
  };
  return keys;
}

const nlohmann::json* swarm_drawn(const sim::Scenario& scenario) {
  const auto it = scenario.resolved.find("swarm");
  if (it == scenario.resolved.end() || !it->is_object() || !it->contains("drawn")) return nullptr;
  return &it->at("drawn");
}

std::string swarm_summary(const nlohmann::json& drawn) {
  std::string out;
  if (const auto it = drawn.find("faults"); it != drawn.end()) {
    std::string kinds;
    for (const auto& k : it->value("kinds", nlohmann::json::array())) kinds += (kinds.empty() ? "" : "+") + k.get<std::string>();
    out += kinds + " every " + it->value("every", "?") + ", up to " + std::to_string(it->value("max_concurrent", 0)) +
           " at once, " + (*it)["length"][0].get<std::string>() + ".." + (*it)["length"][1].get<std::string>();
    if (it->contains("lose_unsynced")) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", (*it)["lose_unsynced"].get<double>());
      out += std::string(", crashes lose unsynced writes p=") + buf;
    }
    if (it->contains("aim")) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", (*it)["aim"].get<double>());
      out += std::string(", aimed at the protocol's selectors p=") + buf;
    }
    if (it->contains("crash_points")) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", (*it)["crash_points"].get<double>());
      out += std::string(", crashes wait for a protocol step p=") + buf;
    }
  }
  if (const auto it = drawn.find("network"); it != drawn.end() && !it->empty()) {
    out += out.empty() ? "" : "; ";
    std::string parts;
    if (it->contains("latency")) parts += "latency " + dist_text((*it)["latency"]);
    for (const char* k : {"loss", "duplicate"})
      if (it->contains(k) && (*it)[k].get<double>() > 0) {
        char buf[48];
        std::snprintf(buf, sizeof buf, "%s%s %g", parts.empty() ? "" : " ", k, (*it)[k].get<double>());
        parts += buf;
      }
    out += parts;
  }
  if (const auto it = drawn.find("storage"); it != drawn.end() && it->contains("sync")) {
    const auto& sync = (*it)["sync"];
    out += (out.empty() ? "" : "; ") + std::string("sync ") + (sync.value("dist", "") == "constant" ? "instant" : dist_text(sync));
  }
  if (const auto it = drawn.find("params"); it != drawn.end() && !it->empty()) {
    out += out.empty() ? "" : "; ";
    bool first = true;
    for (const auto& [k, v] : it->items()) {
      out += (first ? "" : " ") + k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
      first = false;
    }
  }
  return out;
}

nlohmann::json swarm_settings(const nlohmann::json& drawn) {
  nlohmann::json flat = nlohmann::json::object();
  if (const auto it = drawn.find("faults"); it != drawn.end()) {
    // Every kind the record could hold is listed, on or off, so seeds compare kind by kind.
    for (const auto& k : {"crash", "partition", "isolate", "cut", "lossy", "slow", "duplicate", "omit", "clock", "storage_slow",
                          "byzantine"}) {
      const auto& kinds = (*it)["kinds"];
      flat[std::string("fault.") + k] = std::find(kinds.begin(), kinds.end(), k) != kinds.end();
    }
    flat["fault.every"] = (*it)["every"];
    flat["fault.max_concurrent"] = (*it)["max_concurrent"];
    flat["fault.length"] = (*it)["length"];
    flat["fault.lose_unsynced"] = it->value("lose_unsynced", 0.0) > 0;
    flat["fault.aim"] = it->value("aim", 0.0) > 0;
    flat["fault.crash_points"] = it->value("crash_points", 0.0) > 0;
  }
  if (const auto it = drawn.find("network"); it != drawn.end()) {
    if (it->contains("latency")) flat["network.shape"] = (*it)["latency"].value("dist", "");
    for (const char* k : {"loss", "duplicate"})
      if (it->contains(k)) flat[std::string("network.") + k] = (*it)[k].get<double>() > 0;
  }
  if (const auto it = drawn.find("storage"); it != drawn.end() && it->contains("sync"))
    flat["storage.sync"] = (*it)["sync"].value("dist", "") != "constant";
  if (const auto it = drawn.find("params"); it != drawn.end())
    for (const auto& [k, v] : it->items()) flat["params." + k] = v;
  return flat;
}

}  // namespace dsim::faults
