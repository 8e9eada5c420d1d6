// The simulation: one seeded, single-threaded event loop that drives every node's Process
// over the simulated network, applies handler effects in their fixed order and feeds the
// trace to its sinks.
//
// It offers the mechanisms fault injectors need (crash, restart, connectivity, clock jumps,
// message filters, scheduled actions) and names no fault kind and no protocol. Everything a
// run does is a function of (configuration, seed): there is no other input.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/event_queue.h"
#include "sim/network.h"
#include "sim/process.h"
#include "sim/trace.h"

namespace dsim::sim {

using ProcessFactory = std::function<std::unique_ptr<Process>(NodeId, const Topology&)>;

struct SimOptions {
  uint64_t seed = 1;
  Duration duration = Duration::seconds(10);
  bool shuffle_ties = false;  // run simultaneous events in a seed-determined random order
};

// How long a sync takes: a latency distribution for every node, and one per node that differs
// (scenario key "storage"). The default is instant: sends leave with the handler.
struct StorageModel {
  LatencyDist sync{LatencyDist::Kind::constant, Duration{}, Duration{}, 0, {}};
  std::map<NodeId, LatencyDist> nodes;
  const LatencyDist& of(NodeId n) const {
    const auto it = nodes.find(n);
    return it == nodes.end() ? sync : it->second;
  }
};
bool is_instant(const LatencyDist& d);

struct RunStats {
  uint64_t events = 0;     // timers fired + messages arrived (delivered or dropped on arrival) + scheduled actions
  uint64_t timers = 0;
  uint64_t sent = 0;
  uint64_t delivered = 0;
  uint64_t dropped = 0;
  uint64_t syncs_delayed = 0;  // syncs that took time (a storage model or a latency spike)
  std::map<std::string, uint64_t> drops_by_cause;
  uint64_t trace_records = 0;
  Time end;
};

class Simulation {
 public:
  Simulation(SimOptions options, Topology topology, NetworkConfig network, ProcessFactory factory);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // ---- set-up, before start() ----
  void add_sink(TraceSink* sink) {
    sinks_.push_back(sink);
    if (sink->wants_state()) state_sinks_.push_back(sink);
  }
  void add_filter(MessageFilter* filter) { filters_.push_back(filter); }
  // Where the nodes' log lines go (sim/log.h); none by default. Changes nothing in the run.
  void set_log_sink(LogSink* sink) { ctx_.set_log_sink(sink); }
  void set_clock(NodeId node, Duration offset, int64_t drift_ppb);
  void set_storage(StorageModel model) { storage_model_ = std::move(model); }
  // Runs `action` at global time `at` (before other events scheduled later for that time).
  void schedule(Time at, std::function<void()> action);

  // ---- running ----
  void start();      // starts every node (on_start) at time zero; run() calls it if needed
  bool step();       // processes one event; false when none is left before the end
  RunStats run();    // runs to the end of the configured duration (or to a halt())
  // Ends the run at once, in the middle of the event being processed: no further trace event
  // reaches the sinks (not the rest of this handler's observations, nor its sends, which are
  // not made), step() returns false, and the run ends at the current time. The handler's
  // state record is still written (the node did reach that state). For "stop at the first
  // violation", called from a sink.
  void halt() { halted_ = true; }
  bool halted() const { return halted_; }

  // ---- mechanisms for fault injectors and tests ----
  void crash(NodeId node, bool lose_unsynced = false);
  void restart(NodeId node);
  void jump_clock(NodeId node, Duration delta);
  void set_drift(NodeId node, int64_t drift_ppb);
  // Storage faults (each call starts one, the opposite call ends it): a latency spike added
  // to every sync of the node; syncs that lie (report success, keep nothing: the next crash loses every write since the last
  // honest sync); one durable record corrupted (chosen with `rng`), returned as text ("" when
  // the node has none).
  void add_sync_extra(NodeId node, Duration delta) { nodes_[node.value].sync_extra = nodes_[node.value].sync_extra + delta; }
  void add_sync_lies(NodeId node, int delta) { nodes_[node.value].sync_lies += delta; }
  std::string corrupt_storage(NodeId node, Rng& rng);
  // Records a fault (or any engine-level happening) in the trace.
  void record(TraceKind kind, std::string_view what, const nlohmann::json& data, NodeId node = kNoNode);
  Network& network() { return network_; }

  // ---- inspection ----
  Time now() const { return now_; }
  Time end() const { return end_; }
  uint64_t seed() const { return options_.seed; }
  const Topology& topology() const { return topology_; }
  bool is_up(NodeId n) const { return nodes_[n.value].up; }
  Process* process(NodeId n) { return nodes_[n.value].process.get(); }
  Storage& storage(NodeId n) { return nodes_[n.value].storage; }
  const LocalClock& clock(NodeId n) const { return nodes_[n.value].clock; }
  const RunStats& stats() const { return stats_; }
  size_t queued() const { return queue_.size(); }
  MessagePool& pool() { return pool_; }

 private:
  template <class F>
  void invoke(NodeId id, F&& handler);
  void apply_effects(NodeId id, NodeState& node);
  void route(NodeId from, Outgoing& out);
  void fire_timer(const Event& ev);
  void complete_sync(const Event& ev);
  void storage_failed(NodeId id, const StorageReadError& e);
  // A crash; `storage_error` (non-empty) says it was a read error the process did not handle.
  void crash_node(NodeId id, bool lose_unsynced, std::string_view storage_error);
  void arrive(const Event& ev);
  void reschedule_timers(NodeId node);
  void emit(TraceEvent& ev);
  void record_state(NodeId id, NodeState& node);
  uint64_t next_key(bool control);
  void prefetch_next();
  void emit_observation(NodeId id, const Observation& o);
  void drop(NodeId from, NodeId to, uint64_t id, const Envelope& msg, std::string_view cause);

  SimOptions options_;
  Topology topology_;
  MessagePool pool_;  // declared before everything that holds envelopes
  Network network_;
  ProcessFactory factory_;
  std::vector<NodeState> nodes_;
  EventQueue queue_;
  uint64_t prefetched_loads_ = 0;
  Context ctx_;
  Rng tie_rng_;
  StorageModel storage_model_;
  Rng storage_rng_;
  std::vector<TraceSink*> sinks_;
  std::vector<TraceSink*> state_sinks_;
  std::vector<nlohmann::json> states_;  // per node, the state last recorded (null: none since start)
  std::vector<MessageFilter*> filters_;
  std::vector<std::function<void()>> actions_;
  Time now_;
  Time end_;
  uint64_t seq_ = 0;
  uint64_t timer_counter_ = 0;
  uint64_t message_counter_ = 0;
  bool started_ = false;
  bool halted_ = false;
  RunStats stats_;
};

}  // namespace dsim::sim
