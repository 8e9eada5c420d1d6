#include "sim/network.h"

#include <algorithm>
#include <cmath>

#include "sim/assert.h"

namespace dsim::sim {

Duration LatencyDist::sample(Rng& rng) const {
  double ns = 0;
  switch (kind) {
    case Kind::constant:
      return a;
    case Kind::uniform:
      return b > a ? a + Duration::nanos(static_cast<int64_t>(rng.uniform(static_cast<uint64_t>((b - a).ns())))) : a;
    case Kind::normal:
      ns = rng.normal(static_cast<double>(a.ns()), static_cast<double>(b.ns()));
      break;
    case Kind::exponential:
      ns = rng.exponential(static_cast<double>(a.ns()));
      break;
    case Kind::lognormal:
      ns = static_cast<double>(a.ns()) * std::exp(rng.normal(0.0, x));
      break;
    case Kind::pareto:
      ns = rng.pareto(static_cast<double>(a.ns()), x);
      break;
    case Kind::mixture: {
      // Weights are normalized when read: pick a part by one uniform draw, then draw from it.
      double u = rng.uniform01();
      for (const auto& [w, part] : parts) {
        if (u < w) return part.sample(rng);
        u -= w;
      }
      return parts.empty() ? Duration{} : parts.back().dist.sample(rng);
    }
  }
  // Clamp to [0, 1h]: heavy tails must not overflow the clock (and 0 * inf is NaN: read as 0).
  ns = std::isnan(ns) ? 0.0 : std::clamp(ns, 0.0, 3.6e12);
  return Duration::nanos(static_cast<int64_t>(std::llround(ns)));
}

std::optional<Duration> LatencyDist::upper_bound() const {
  if (kind == Kind::constant) return a;
  if (kind == Kind::uniform) return b > a ? b : a;
  if (kind == Kind::mixture && !parts.empty()) {
    Duration best;
    for (const auto& [w, part] : parts) {
      const auto u = part.upper_bound();
      if (!u) return std::nullopt;
      best = std::max(best, *u);
    }
    return best;
  }
  return std::nullopt;
}

std::string_view to_string(LatencyDist::Kind k) {
  switch (k) {
    case LatencyDist::Kind::constant: return "constant";
    case LatencyDist::Kind::uniform: return "uniform";
    case LatencyDist::Kind::normal: return "normal";
    case LatencyDist::Kind::exponential: return "exponential";
    case LatencyDist::Kind::lognormal: return "lognormal";
    case LatencyDist::Kind::pareto: return "pareto";
    case LatencyDist::Kind::mixture: return "mixture";
  }
  return "?";
}

const std::vector<std::pair<std::string, std::string>>& latency_kinds() {
  static const std::vector<std::pair<std::string, std::string>> kinds{
      {"constant", "{\"dist\": \"constant\", \"value\": \"5ms\"}"},
      {"uniform", "{\"dist\": \"uniform\", \"min\": \"1ms\", \"max\": \"10ms\"}  (max exclusive)"},
      {"normal", "{\"dist\": \"normal\", \"mean\": \"5ms\", \"stddev\": \"1ms\"}  (clamped at 0)"},
      {"exponential", "{\"dist\": \"exponential\", \"mean\": \"5ms\"}"},
      {"lognormal", "{\"dist\": \"lognormal\", \"median\": \"5ms\", \"sigma\": 0.5}"},
      {"pareto", "{\"dist\": \"pareto\", \"scale\": \"1ms\", \"shape\": 2.5}"},
      {"mixture",
       "{\"dist\": \"mixture\", \"of\": [{\"weight\": 0.91, \"dist\": \"pareto\", \"scale\": \"1ms\", \"shape\": 2.5}, "
       "{\"weight\": 0.09, \"dist\": \"exponential\", \"mean\": \"20ms\"}]}  (weights are normalized)"},
  };
  return kinds;
}

nlohmann::json LatencyDist::to_json() const {
  nlohmann::json j{{"dist", to_string(kind)}};
  switch (kind) {
    case Kind::constant: j["value"] = format_duration(a); break;
    case Kind::uniform: j["min"] = format_duration(a); j["max"] = format_duration(b); break;
    case Kind::normal: j["mean"] = format_duration(a); j["stddev"] = format_duration(b); break;
    case Kind::exponential: j["mean"] = format_duration(a); break;
    case Kind::lognormal: j["median"] = format_duration(a); j["sigma"] = x; break;
    case Kind::pareto: j["scale"] = format_duration(a); j["shape"] = x; break;
    case Kind::mixture:
      j["of"] = nlohmann::json::array();
      for (const auto& [w, part] : parts) {
        nlohmann::json pj = part.to_json();
        pj["weight"] = w;
        j["of"].push_back(std::move(pj));
      }
      break;
  }
  return j;
}

Network::Network(NetworkConfig config, uint32_t nodes, Rng rng)
    : config_(std::move(config)), nodes_(nodes), rng_(rng) {
  any_fifo_ = config_.defaults.fifo;
  for (const auto& o : config_.links) {
    overrides_[key(o.from, o.to)] = o.spec;
    any_fifo_ |= o.spec.fifo;
  }
}

uint64_t Network::add_cut(Cut cut) {
  const size_t n = nodes_;
  switch (cut.kind) {
    case Cut::Kind::groups:
      DSIM_ASSERT(cut.first.size() == n + 1 && cut.first.back() == cut.group_ids.size(), "malformed group cut");
      break;
    case Cut::Kind::isolate:
      DSIM_ASSERT(cut.a.size() == n, "malformed isolate cut");
      break;
    case Cut::Kind::links:
      DSIM_ASSERT(cut.a.size() == n && cut.b.size() == n, "malformed link cut");
      break;
  }
  cuts_.emplace_back(++cut_counter_, std::move(cut));
  return cut_counter_;
}

void Network::remove_cut(uint64_t id) {
  std::erase_if(cuts_, [id](const auto& c) { return c.first == id; });
}

bool Network::blocks(const Cut& c, uint32_t from, uint32_t to) {
  switch (c.kind) {
    case Cut::Kind::groups: {
      auto a = c.group_ids.begin() + c.first[from], a_end = c.group_ids.begin() + c.first[from + 1];
      auto b = c.group_ids.begin() + c.first[to], b_end = c.group_ids.begin() + c.first[to + 1];
      if (a == a_end || b == b_end) return false;  // a node in no group keeps every link
      while (a != a_end && b != b_end) {
        if (*a == *b) return false;
        if (*a < *b) ++a;
        else ++b;
      }
      return true;
    }
    case Cut::Kind::isolate:
      return c.a[from] || c.a[to];
    case Cut::Kind::links:
      return c.a[from] && c.b[to];
  }
  return false;
}

Time Network::fifo_arrival(NodeId from, NodeId to, Time t) {
  Time& last = last_arrival_[key(from, to)];
  // Equal arrival times keep send order: the event queue breaks ties by insertion order.
  if (t < last) t = last;
  last = t;
  return t;
}

Network::Plan Network::plan(NodeId from, NodeId to, Time now, std::string_view type) {
  Plan p;
  if (!connected(from, to)) {
    p.drop = "partitioned";
    return p;
  }
  const LinkSpec& spec = link(from, to);
  if (spec.loss > 0 && rng_.bernoulli(spec.loss)) {
    p.drop = "loss";
    return p;
  }
  p.copies = (spec.duplicate > 0 && rng_.bernoulli(spec.duplicate)) ? 2 : 1;
  const LatencyDist& dist = latency(spec, type);
  for (int i = 0; i < p.copies; ++i) {
    Time t = now + dist.sample(rng_);
    p.arrival[i] = spec.fifo ? fifo_arrival(from, to, t) : t;
  }
  return p;
}

Time Network::arrival(NodeId from, NodeId to, Time now, std::string_view type) {
  const LinkSpec& spec = link(from, to);
  Time t = now + latency(spec, type).sample(rng_);
  return spec.fifo ? fifo_arrival(from, to, t) : t;
}

std::optional<Duration> Network::max_latency() const {
  auto best = config_.defaults.latency.upper_bound();
  for (const auto& [type, dist] : config_.by_type) {
    auto b = dist.upper_bound();
    if (!b || !best) return std::nullopt;
    best = std::max(*best, *b);
  }
  for (const auto& o : config_.links) {
    auto b = o.spec.latency.upper_bound();
    if (!b || !best) return std::nullopt;
    best = std::max(*best, *b);
  }
  return best;
}

}  // namespace dsim::sim
