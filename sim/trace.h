// The trace: the ordered stream of everything that happened in a run, and the sinks that
// consume it (JSON Lines file, in-memory buffer, running digest, invariants).
//
// A TraceEvent is a borrowed view, valid only during the sink call: the simulator builds it
// on the stack and hands it to every sink in turn. Live, send and deliver events carry the
// typed message (`msg`); read back from a file they carry the same message, decoded by the
// protocol's codec, so an invariant sees identical events live and offline.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/ids.h"
#include "sim/message.h"
#include "sim/observe.h"
#include "sim/time.h"
#include "sim/topology.h"

namespace dsim::sim {

enum class TraceKind : uint8_t { send, deliver, drop, timer, crash, restart, observe, fault, clock, client };
std::string_view to_string(TraceKind k);
bool parse_trace_kind(std::string_view s, TraceKind* out);

struct TraceEvent {
  uint64_t seq = 0;     // position in the trace, from 0
  Time time;            // global simulated time
  TraceKind kind = TraceKind::observe;
  NodeId node;          // where it happened (send/drop: the sender; deliver: the receiver)
  NodeId peer;          // send/drop: destination; deliver: source
  uint64_t id = 0;      // message id (send/deliver/drop) or timer id
  uint64_t tag = 0;     // deliver: 1 for a duplicated copy; send: 1 if a fault rewrote it
  std::string_view name;   // message, observation, timer type or fault name; client: invoke/ok/fail/info
  std::string_view cause;  // drop: why
  // send/deliver/drop: the message; observe: the observation (family std::variant<T>);
  // client: the ClientEvent (std::variant<ClientEvent>); timer: the timer's value.
  const Envelope* msg = nullptr;
  const nlohmann::json* data = nullptr;  // fault/clock/crash/restart payload

  // The observation if this event observed a T, else nullptr.
  template <class T>
  const T* observed() const {
    if (kind != TraceKind::observe || !msg || !msg->holds<std::variant<T>>()) return nullptr;
    return &std::get<0>(msg->as<std::variant<T>>());
  }
  // The client event of a `client` record, else nullptr.
  const ClientEvent* client() const {
    if (kind != TraceKind::client || !msg || !msg->holds<std::variant<ClientEvent>>()) return nullptr;
    return &std::get<0>(msg->as<std::variant<ClientEvent>>());
  }
};

// The Jepsen process of a client event: the node and its logical process within the node.
struct ClientProcess {
  uint32_t node = 0;
  uint32_t process = 0;
  auto operator<=>(const ClientProcess&) const = default;
};
ClientProcess client_process(const TraceEvent& ev);

// Appends the event as one JSON line (no newline) using node names from the topology.
void format_trace_event(const TraceEvent& ev, const Topology& topology, std::string& out);

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void on_event(const TraceEvent& ev) = 0;
  // State records (Process::describe) are for people: a sink that wants them says so and
  // receives, after the events of each handler, the fields of the node's state that changed
  // (a removed field as null; the whole state after a start or restart). They are not
  // TraceEvents: they take no seq, enter no digest, and no invariant sees them.
  virtual bool wants_state() const { return false; }
  virtual void on_state(Time /*time*/, NodeId /*node*/, const nlohmann::json& /*changes*/) {}
};

// Keeps owned copies of every event (tests, small runs).
struct StoredEvent {
  uint64_t seq = 0;
  Time time;
  TraceKind kind = TraceKind::observe;
  NodeId node, peer;
  uint64_t id = 0, tag = 0;
  std::string name, cause;
  MessagePtr msg;
  nlohmann::json data;
  TraceEvent view() const;
  // The event's own fields, owned; `msg` and `data` are the caller's to fill (how to keep a
  // message depends on who outlives whom).
  static StoredEvent copy(const TraceEvent& ev);
};

class MemorySink final : public TraceSink {
 public:
  void on_event(const TraceEvent& ev) override;
  const std::vector<StoredEvent>& events() const { return events_; }

 private:
  std::vector<StoredEvent> events_;
};

// A running 64-bit XXH3 digest over a binary encoding of every event (message bodies
// included). Same scenario + seed + binary => same digest.
class DigestSink final : public TraceSink {
 public:
  DigestSink();
  ~DigestSink() override;
  DigestSink(const DigestSink&) = delete;
  DigestSink& operator=(const DigestSink&) = delete;
  void on_event(const TraceEvent& ev) override;
  uint64_t digest();               // flushes; may be called at the end
  std::string hex();

 private:
  void* state_;  // XXH3_state_t*, kept opaque to keep xxhash.h out of this header
  ByteBuffer buffer_;
};

std::string digest_hex(uint64_t d);

}  // namespace dsim::sim
