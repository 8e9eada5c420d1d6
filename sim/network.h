// The simulated network: per-link latency distributions, loss, duplication, optional FIFO
// links, connectivity cut by partitions (kept as group membership, not as links), and filters through which fault
// injectors act on a node's send and receive paths.
//
// The network decides a message's fate when it is sent (blocked, lost, duplicated, when each
// copy arrives); the simulator checks connectivity again when a copy arrives, so a partition
// that starts while a message is in flight drops it. Every drop carries a cause.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/ids.h"
#include "sim/message.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace dsim::sim {

struct LatencyPart;

struct LatencyDist {
  enum class Kind : uint8_t { constant, uniform, normal, exponential, lognormal, pareto, mixture };
  Kind kind = Kind::uniform;
  // constant: a = value. uniform: [a, b). normal: mean a, stddev b. exponential: mean a.
  // lognormal: median a, sigma x. pareto: scale a, shape x. mixture: `parts`, each drawn with
  // its weight's share (Bailis et al.'s "91% Pareto + 9% exponential" write latencies).
  Duration a = Duration::millis(1);
  Duration b = Duration::millis(10);
  double x = 0;
  std::vector<LatencyPart> parts;  // mixture: (weight, distribution)

  // A latency draw; negative draws (normal tails) are clamped to zero.
  Duration sample(Rng& rng) const;
  // The largest possible draw, for bounded distributions (constant, uniform).
  std::optional<Duration> upper_bound() const;
  nlohmann::json to_json() const;
};
struct LatencyPart {
  double weight = 0;  // normalized: the parts' weights sum to 1
  LatencyDist dist;
};
std::string_view to_string(LatencyDist::Kind k);
// The distributions with their parameters, for `dsim list` and error messages.
const std::vector<std::pair<std::string, std::string>>& latency_kinds();

struct LinkSpec {
  LatencyDist latency;
  double loss = 0;
  double duplicate = 0;
  bool fifo = false;
};

struct LinkOverride {
  NodeId from, to;  // directed
  LinkSpec spec;
};

struct NetworkConfig {
  LinkSpec defaults;
  std::vector<LinkOverride> links;
  // Latency by message type ("latency_by_type": {"quorum.replicate": {...}}): a message of a
  // listed type draws its latency here instead of from its link (loss, duplication and FIFO
  // stay the link's). The probabilistically-bounded-staleness model gives write, ack, read and
  // read-response messages their own distributions (Bailis et al., VLDB 2012, "WARS").
  std::map<std::string, LatencyDist, std::less<>> by_type;
};

// What a filter may add to a message it lets through.
struct SendEffects {
  Duration delay;        // added to every copy's latency (slow links)
  int extra_copies = 0;  // duplicates beyond the network's own
};

// A hook on every message's path, through which fault injectors act. on_send may rewrite the
// message (Byzantine faults), add delay or copies, or drop it by returning a non-empty cause;
// on_receive may drop it. Filters are called in the order they were added.
class MessageFilter {
 public:
  virtual ~MessageFilter() = default;
  virtual std::string_view on_send(NodeId /*from*/, NodeId /*to*/, MessagePtr& /*msg*/, SendEffects& /*fx*/) {
    return {};
  }
  virtual std::string_view on_receive(NodeId /*from*/, NodeId /*to*/, const Envelope& /*msg*/) { return {}; }
};

class Network {
 public:
  Network(NetworkConfig config, uint32_t nodes, Rng rng);

  const LinkSpec& link(NodeId from, NodeId to) const {
    if (overrides_.empty()) return config_.defaults;
    auto it = overrides_.find(key(from, to));
    return it == overrides_.end() ? config_.defaults : it->second;
  }

  // Connectivity (directed). Everything is connected until a cut is added. A cut is kept as
  // the membership that defines it, never as the links it cuts: a partition of 1,000,000
  // nodes costs a group list per node, not 10^12 bits. Each fault adds its own cut and removes
  // it by id, so overlapping faults heal independently.
  struct Cut {
    enum class Kind : uint8_t { groups, isolate, links };
    Kind kind = Kind::links;
    // groups: node a's groups are group_ids[first[a] .. first[a+1]) (sorted); two listed nodes
    // are connected when they share a group; a node in no group keeps every link.
    std::vector<uint32_t> first, group_ids;
    // isolate: every link into or out of a node with a[node] is cut.
    // links: a -> b is cut when a[from] and b[to].
    std::vector<bool> a, b;
  };
  uint64_t add_cut(Cut cut);
  void remove_cut(uint64_t id);  // an id no longer present (healed meanwhile) is ignored
  bool connected(NodeId from, NodeId to) const {
    if (cuts_.empty() || from == to) return true;
    for (const auto& [id, c] : cuts_)
      if (blocks(c, from.value, to.value)) return false;
    return true;
  }
  void heal_all() { cuts_.clear(); }
  bool any_cut() const { return !cuts_.empty(); }

  // The fate of one message sent now: a drop cause, or one or two arrival times.
  struct Plan {
    std::string_view drop;  // empty: delivered
    int copies = 0;
    Time arrival[2];
  };
  // `type`: the message's type name, for latency_by_type.
  Plan plan(NodeId from, NodeId to, Time now, std::string_view type = {});
  // The arrival time of one more copy sent now (a latency draw; FIFO respected).
  Time arrival(NodeId from, NodeId to, Time now, std::string_view type = {});

  // The largest latency any link can draw, if every link's distribution is bounded.
  std::optional<Duration> max_latency() const;
  const NetworkConfig& config() const { return config_; }
  Rng& rng() { return rng_; }

 private:
  static uint64_t key(NodeId from, NodeId to) { return (static_cast<uint64_t>(from.value) << 32) | to.value; }
  Time fifo_arrival(NodeId from, NodeId to, Time t);
  const LatencyDist& latency(const LinkSpec& spec, std::string_view type) const {
    if (config_.by_type.empty() || type.empty()) return spec.latency;
    auto it = config_.by_type.find(type);
    return it == config_.by_type.end() ? spec.latency : it->second;
  }

  NetworkConfig config_;
  uint32_t nodes_;
  Rng rng_;
  std::map<uint64_t, LinkSpec> overrides_;
  static bool blocks(const Cut& c, uint32_t from, uint32_t to);
  std::vector<std::pair<uint64_t, Cut>> cuts_;  // in the order added
  uint64_t cut_counter_ = 0;
  bool any_fifo_ = false;
  std::unordered_map<uint64_t, Time> last_arrival_;  // FIFO links; looked up, never iterated
};

}  // namespace dsim::sim
