// The protocol registry: what a protocol tells the rest of dsim about itself. The engine
// names no protocol; protocols/registry.cc fills a Registry and the CLI looks things up here.
#pragma once

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/invariant.h"
#include "sim/metrics.h"
#include "sim/message.h"
#include "sim/observe.h"
#include "sim/params.h"
#include "sim/rng.h"
#include "sim/simulation.h"

namespace dsim::sim {

struct Scenario;

struct InvariantSpec {
  using NotPromised = std::function<std::string(const InvariantEnv&)>;
  InvariantSpec(std::string name_, std::string help_, InvariantFactory factory_, NotPromised not_promised_ = {})
      : name(std::move(name_)), help(std::move(help_)), factory(std::move(factory_)), not_promised(std::move(not_promised_)) {}
  std::string name;  // "pingmesh.reply_matches_ping"
  std::string help;
  InvariantFactory factory;
  // Why the run's configuration does not promise this property ("" when it does), for runs
  // whose configuration is drawn (swarm mode): there an invariant the drawn configuration
  // does not promise is skipped with this reason. A scenario that sets the configuration
  // itself is checked as written (a teaching scenario may show the property break).
  NotPromised not_promised;
};

struct BugSpec {
  std::string name;
  std::string help;
};

// A protocol's own Byzantine behaviour: rewrites a message a Byzantine node sends to `to`.
// Returns the message to send instead (or the same one), or an empty pointer to drop it.
struct ByzantineStrategy {
  std::string name;
  std::string help;
  std::function<MessagePtr(const MessagePtr& msg, NodeId from, NodeId to, Rng& rng)> rewrite;
};

// A fault-target selector a protocol offers ("leader", "coordinator"): the live node whose
// most recent observation of type `observation` is the latest in the trace. Selectors read
// observations, never node internals. Made with selector_on<T>(), so the type exists.
struct SelectorSpec {
  std::string name;
  std::string help;
  std::string observation;  // an observation's type_name
};
template <class T>
SelectorSpec selector_on(std::string name, std::string help) {
  return SelectorSpec{std::move(name), std::move(help), std::string(T::type_name)};
}

// What the protocol promises to tolerate. The random nemesis stays inside it unless a
// scenario says "exceed_budget": true, so a violation inside the budget is a real bug.
struct ProtocolConfig;
struct FaultBudget {
  // Nodes that may be down at once, as a function of the cluster size and the protocol's
  // parameters (Flexible Paxos tolerates N - max(|Q1|, |Q2|)).
  std::function<uint32_t(uint32_t nodes, const ProtocolConfig& config)> max_crashed = [](uint32_t n, const ProtocolConfig&) {
    return n > 0 ? n - 1 : 0;
  };
  bool byzantine = false;       // Byzantine nodes are in scope
  bool lost_unsynced = true;    // crashes may lose unsynced writes
  // Storage faults no protocol here survives by design: a sync that reports success and then
  // loses the data ("fsync lies"), and a corrupted record surfaced as a read error (a
  // protocol that handles read errors may set it).
  bool lying_sync = false;
  bool corruption = false;
  std::string summary = "any number of crashes; no Byzantine nodes";
};

// A protocol parameter that swarm mode (faults/swarm.h) draws per seed, within a range the
// protocol declares safe to vary: the correct code must keep every safety invariant, and its
// liveness bounds, whatever value is drawn. `draw` may read the values drawn before it
// (declaration order), so a heartbeat can be drawn below the election timeout just drawn, and
// drawn["$timing"] = {"latency_ns", "sync_ns"}: a typical message latency and sync in this
// run, for timeouts that must stay well above a round trip; drawn["$servers"]: the scenario's
// server count ("nodes"), for quorum sizes.
struct SwarmKnob {
  std::string param;  // one of the protocol's ParamSpec names
  std::string help;   // how it is drawn, for `dsim list`
  std::function<nlohmann::json(Rng& rng, const nlohmann::json& drawn)> draw;
};
// Knob makers. Durations are drawn log-uniformly (each factor of two as likely), so a range
// of 1ms..1s tries fast and slow settings alike.
SwarmKnob knob_duration(std::string param, Duration lo, Duration hi);
// A [min, max] range: min log-uniform in [lo, hi], max = min x a factor uniform in
// [spread_lo, spread_hi].
SwarmKnob knob_duration_range(std::string param, Duration lo, Duration hi, double spread_lo, double spread_hi);
SwarmKnob knob_boolean(std::string param);
SwarmKnob knob_integer(std::string param, int64_t lo, int64_t hi);  // uniform, inclusive
// Uniform in 1..(what an earlier knob drew for `bound`), shown as "uniform in 1..<label>".
SwarmKnob knob_up_to(std::string param, std::string bound, const std::string& label);
SwarmKnob knob_choice(std::string param, std::vector<std::string> choices);
// A log-uniform draw in [lo, hi] (both positive), shared by the knobs and the swarm.
Duration log_uniform(Rng& rng, Duration lo, Duration hi);
// Two significant digits of whole microseconds: drawn values read well in a scenario
// ("820ms", "4500us"), and nothing a test finds depends on the digits beyond.
Duration two_digits(Duration d);
// A typical round trip of the run a knob is drawn for: two message latencies and a sync.
Duration round_trip(const nlohmann::json& drawn);
// A typical draw of a latency distribution in scenario syntax (its median or mean, the largest
// part's for a mixture), in ns; 0 for what it cannot read.
int64_t typical_ns(const nlohmann::json& dist);
// The same round trip for a resolved scenario (its network latency and storage sync), for an
// invariant that is promised only when a timeout stays well above it.
Duration scenario_round_trip(const nlohmann::json& scenario);
// A timeout that must stay well above a round trip (or, for a synchronous model, above the
// largest delay): log-uniform in [max(floor, round_trips x round trip), factor x that].
SwarmKnob knob_timeout(std::string param, Duration floor, int64_t round_trips, double factor);
// A duration drawn by an earlier knob (`index` picks one end of a [min, max] range).
Duration drawn_duration(const nlohmann::json& drawn, const std::string& param, size_t index = 0);

// What a node factory needs: resolved parameters and the enabled bug switches.
struct ProtocolConfig {
  Params params;
  Params workload;  // the protocol's workload parameters (clients' behaviour)
  // Servers with their own parameters ("protocol.node_params"): each one's effective values,
  // the global params with its overrides applied. make_process_factory hands them over.
  std::map<NodeId, Params> node_params;
  std::vector<std::string> bugs;
  bool has_bug(std::string_view b) const {
    for (const auto& x : bugs)
      if (x == b) return true;
    return false;
  }
};

struct ProtocolSpec {
  std::string name;
  std::string description;
  std::vector<ParamSpec> params;
  // Keys of the scenario's "workload" besides "clients" (how many client nodes c1..cM).
  std::vector<ParamSpec> workload;
  // The model the clients' history follows ("kv", "register", ...), for the generic
  // "linearizable" invariant; empty when the protocol has no clients.
  std::string history_model;
  // The protocol's own summary metrics (elections, blocking time, ...); may be empty.
  std::function<std::unique_ptr<MetricsSource>(const ProtocolConfig&)> metrics;
  // Its dissemination curve for `dsim run --curve FILE` (gossip: the fraction of live members
  // holding each update over time); may be empty.
  std::function<std::unique_ptr<CurveSource>(const ProtocolConfig&)> curve;
  std::vector<InvariantSpec> invariants;
  std::vector<BugSpec> bugs;
  std::vector<std::string_view> message_types;
  std::vector<ByzantineStrategy> byzantine;
  std::vector<SelectorSpec> selectors;
  FaultBudget budget;
  // The parameters swarm mode draws per seed (empty: none), in drawing order.
  std::vector<SwarmKnob> swarm;
  uint32_t min_nodes = 1;
  // How often one client node may be restarted (clients are restarted only by faults that name
  // them): a protocol whose clients number their work per incarnation bounds it, and the
  // scenario's faults are refused beyond it.
  uint32_t max_client_restarts = std::numeric_limits<uint32_t>::max();
  // Cross-checks the workload against the rest of the scenario once both are read (how many
  // operations a client can start within the duration, say); fails through `workload`, so the
  // error names its keys. Called only when the scenario has clients; may be empty.
  std::function<void(const Scenario&, ConfigReader& workload)> check_workload;
  // Cross-checks the protocol's parameters against the cluster once the node count is read
  // (Flexible Paxos: quorums that must intersect); fails with sim::fail_at on the parameter's
  // pointer. May be empty.
  std::function<void(const Scenario&, const ConfigSource& source)> check_params;
  std::function<ProcessFactory(const ProtocolConfig&)> make_factory;
  // ---- for people reading a run (`dsim log`, `dsim step`) ----
  // Messages that only say "I am alive" (`dsim log --hide heartbeats` hides them and the
  // replies sent in answer).
  std::function<bool(const Envelope&)> heartbeat;
  // The observations that tell the story (`dsim log --story`), besides faults, crashes,
  // restarts, clock changes, failed or indeterminate client operations and the violation
  // (type names: sim::observation_names<T...>()).
  std::vector<std::string_view> story;
  // Decodes a message read back from a trace; nullptr MessagePtr for an unknown type.
  std::function<MessagePtr(std::string_view type, const nlohmann::json& body)> decode;
  // The same for the protocol's observations and timers (sim/observe.h: observation_decoder,
  // timer_decoder), and their type names for `dsim list`.
  ValueDecoder decode_observation;
  ValueDecoder decode_timer;
  std::vector<std::string_view> observation_types;
  std::vector<std::string_view> timer_types;
};

// The scenario's node factory: the protocol's make_factory given the global params, and for
// each server with node_params one given that node's effective params (so every protocol gets
// per-node parameters without knowing about them).
ProcessFactory make_process_factory(const ProtocolSpec& protocol, const ProtocolConfig& config);

class Registry {
 public:
  // A selector or story entry must name one of the protocol's observation types: a misspelt
  // one would silently match nothing.
  void add(ProtocolSpec spec) {
    const auto known = [&](std::string_view name) {
      return std::find(spec.observation_types.begin(), spec.observation_types.end(), name) != spec.observation_types.end();
    };
    for (const auto& sel : spec.selectors) DSIM_ASSERT(known(sel.observation), "a selector names an unknown observation type");
    for (const auto& name : spec.story) DSIM_ASSERT(known(name), "the story names an unknown observation type");
    protocols_.push_back(std::move(spec));
  }
  // Invariants that apply to any protocol with a client history ("linearizable").
  void add_generic(InvariantSpec spec) { generic_.push_back(std::move(spec)); }
  const std::vector<InvariantSpec>& generic() const { return generic_; }
  const ProtocolSpec* find(std::string_view name) const {
    for (const auto& p : protocols_)
      if (p.name == name) return &p;
    return nullptr;
  }
  const std::vector<ProtocolSpec>& all() const { return protocols_; }

 private:
  std::vector<ProtocolSpec> protocols_;
  std::vector<InvariantSpec> generic_;
};

// A decode function for a protocol whose messages are the variant `Message`.
template <class Message>
std::function<MessagePtr(std::string_view, const nlohmann::json&)> message_decoder() {
  return [](std::string_view type, const nlohmann::json& body) -> MessagePtr {
    auto m = decode_message<Message>(type, body);
    return m ? make_message<Message>(std::move(*m)) : MessagePtr();
  };
}

}  // namespace dsim::sim
