// A recorded run for people: the trace read into memory with its state records, the offline
// verdicts, and the text forms `dsim log`, `dsim state` and `dsim step` print (times in one
// unit, node names everywhere, timers by name, messages as "type key=value ...").
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/clock.h"
#include "sim/invariant.h"
#include "sim/jsonl.h"
#include "sim/trace.h"

namespace dsim::cli {

// The fields of one node's state that changed after event number `after - 1` (state records
// follow the events of the handler that changed them).
struct StateChange {
  size_t after = 0;  // how many events precede it
  sim::Time time;
  sim::NodeId node;
  nlohmann::json changes;
};

struct LoadedTrace {
  std::string path;
  sim::TraceReadResult read;
  sim::Topology topology;
  std::vector<std::string> names;  // node index -> name
  std::vector<sim::StoredEvent> events;
  std::vector<StateChange> states;
  std::vector<sim::InvariantResult> verdicts;  // checked offline, as `dsim check` does
  // The first violation: the invariant, its text, and the event (nullopt: found at the end).
  std::optional<sim::Violation> violation;
  std::optional<size_t> violation_event;  // index into events
  std::string stopped;  // why the run ended before the scenario's end (cut_reason), "" if it did not
  const sim::ProtocolSpec& protocol() const { return *read.scenario.protocol; }
};

// Reads the whole trace (exit 2 on a bad file, as `dsim check`) and runs its invariants.
LoadedTrace load_trace(const std::string& path);

enum class TimeUnit { s, ms, us, ns };
// Parses --unit (s, ms, us, ns); throws InputError otherwise.
TimeUnit parse_unit(const std::string& text);
std::string format_time(sim::Time t, TimeUnit unit);

// Whether `pattern` names the event: its kind (send, timer, crash, ...) or its name (message
// type, observation, client outcome, fault); "raft.*" matches a prefix. For --type, --hide
// and step's breakpoints.
bool event_matches(const sim::StoredEvent& ev, std::string_view pattern);

// Which events only say "alive" (the protocol's `heartbeat` test, e.g. Raft's empty
// AppendEntries) or answer such a message: their sends, deliveries and drops. For
// `dsim log --hide heartbeats` and the view's "hide heartbeats".
std::vector<bool> heartbeat_events(const LoadedTrace& trace);

// One event as text, without its time: "n1 -> n3 #17 raft.append_entries term=3 ...".
std::string event_text(const LoadedTrace& trace, const sim::StoredEvent& ev);
// A JSON value in the compact form the other lines use (strings bare when they are words).
std::string value_text(const nlohmann::json& v, size_t max_bytes = 80);
// An object's fields as "k=v ..." (value_text each), leaving out the keys in `skip`.
std::string fields_text(const nlohmann::json& data, std::initializer_list<std::string_view> skip = {});
// The name a client event's process goes by: "c1", or "c1p3" for process 3 of c1.
std::string actor_name(const LoadedTrace& trace, const sim::StoredEvent& ev);

// Every node's state at one point of the run, folded from the state records and the
// crash, restart and clock events before it.
struct NodeView {
  bool up = true;
  uint32_t incarnation = 0;
  sim::Time since;   // of the latest crash or restart
  sim::LocalClock clock;
  nlohmann::json state = nlohmann::json::object();
};

class StateFold {
 public:
  explicit StateFold(const LoadedTrace& trace);
  // Applies events [0, events) and the state records that follow them (their handlers').
  void advance_to(size_t events);
  size_t position() const { return events_; }
  const std::vector<NodeView>& nodes() const { return nodes_; }

 private:
  void apply_event(const sim::StoredEvent& ev);
  void apply_states_through(size_t events);
  const LoadedTrace* trace_;
  std::vector<NodeView> nodes_;
  size_t events_ = 0, states_ = 0;
};

// A handler's events: the one that triggered it (a delivery, a timer, a restart) and what it
// emitted right after (observations, client events, sends and their drops, at the same node
// and time). Returns one past the last event of the handler that event `index` belongs to;
// the handler's state record comes right there.
size_t handler_end(const LoadedTrace& trace, size_t index);
// Whether event `index` starts a handler (so its state changes are shown with it).
bool starts_handler(const LoadedTrace& trace, size_t index);

// The state changes of the handler event `index` starts (none if it does not start one), as
// "n1: term 2 -> 3 role follower -> candidate". `before` is the fold at index (before the event).
std::vector<std::string> change_lines(const LoadedTrace& trace, const StateFold& before, size_t index);

// Prints every node's state at the fold's position, and the log matrix when nodes have "log".
void print_states(std::FILE* out, const LoadedTrace& trace, const StateFold& fold, sim::Time at, TimeUnit unit);

// The event index for `--at`: "#N" (after event N and the rest of its handler) or a time
// (after the last event at or before it). Returns how many events to apply.
size_t resolve_point(const LoadedTrace& trace, const std::string& at, sim::Time* time);

}  // namespace dsim::cli
