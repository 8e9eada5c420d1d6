// The node runtime's interface to protocol code: Process (what a node does) and Context
// (everything a node may touch while it handles one input).
//
// A Process is driven by callbacks: on_start, on_message, on_timer. It never reads a global
// clock, a global rng, a file or a socket; all of that comes through the Context, so the same
// class could run over real sockets. The Context buffers effects; after each handler the
// runtime applies them in one fixed order: storage sync, observations, sends, timers. "Persist
// before send" therefore holds for every protocol by construction, and a unit test can call a
// handler on a test context and inspect its effects (sim/testing.h).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/clock.h"
#include "sim/ids.h"
#include "sim/message.h"
#include "sim/rng.h"
#include "sim/storage.h"
#include "sim/time.h"
#include "sim/topology.h"

namespace dsim::sim {

class Context;

class Process {
 public:
  virtual ~Process() = default;
  // Called when the node starts, and again (on a new object) after every restart.
  virtual void on_start(Context&) {}
  virtual void on_envelope(Context& ctx, NodeId from, const Envelope& msg) = 0;
  virtual void on_timer(Context&, Timer) {}
  // The node's state for people (`dsim state`, `dsim step`, `dsim view`), as a flat object of
  // fields (Raft: role, term, voted_for, commit_index, log). Called after every handler, but
  // only when a sink records state (a trace file); invariants never read it.
  // Conventions the readers know: node ids as names ("n3"); a field "log" holding runs
  // [[first_index, last_index, term], ...] is drawn as a log matrix with "commit_index".
  virtual void describe(const Context&, nlohmann::json& /*state*/) const {}
};

// A Process of a protocol whose messages are the variant `Message`: on_message receives the
// variant itself (dispatch it with an overloaded visitor so a missing case fails to compile).
template <class Message>
class ProcessOf : public Process {
 public:
  using MessageType = Message;
  void on_envelope(Context& ctx, NodeId from, const Envelope& msg) final {
    on_message(ctx, from, msg.as<Message>());
  }
  virtual void on_message(Context& ctx, NodeId from, const Message& msg) = 0;

 protected:
  // Accepts any alternative of Message and boxes it as the variant.
  void send(Context& ctx, NodeId to, Message msg);
};

// A timer armed and not yet fired or cancelled.
struct LiveTimer {
  TimerId id;
  uint64_t tag;
};

// Per-node state owned by the runtime. Everything here but `storage` is volatile: a crash
// destroys the process, drops its timers and starts the next incarnation's rng afresh.
struct NodeState {
  std::unique_ptr<Process> process;
  bool up = false;
  uint32_t incarnation = 0;
  LocalClock clock;
  Storage storage;
  Rng rng;
  std::vector<LiveTimer> timers;
};

struct Outgoing {
  NodeId to;
  MessagePtr msg;
};
struct PendingTimer {
  TimerId id;
  Duration delay;  // in the node's local time
};
struct Observation {
  std::string what;
  nlohmann::json data;
  bool client = false;  // a client operation event (invoke/ok/fail/info), traced as "client"
};

class Context {
 public:
  Context(const Topology& topology, MessagePool& pool, uint64_t& timer_counter)
      : topology_(&topology), pool_(&pool), timer_counter_(&timer_counter) {}

  // Called by the runtime before each handler.
  void bind(NodeId self, NodeState& node, Time global_now, bool observing) {
    self_ = self;
    node_ = &node;
    global_now_ = global_now;
    observing_ = observing;
  }

  // ---- what a handler may read ----
  NodeId self() const { return self_; }
  const std::string& name(NodeId n) const { return topology_->name(n); }
  const Topology& topology() const { return *topology_; }
  uint32_t servers() const { return topology_->servers(); }
  // The node's local clock reading (offset and drift applied).
  Time now() const { return node_->clock.local_at(global_now_); }
  Rng& rng() { return node_->rng; }
  Storage& storage() { return node_->storage; }
  uint32_t incarnation() const { return node_->incarnation; }

  // ---- effects, applied after the handler ----
  template <class Message>
  void send(NodeId to, Message msg) {
    sends_.push_back(Outgoing{to, pool_->make<Message>(std::move(msg))});
  }
  void send(NodeId to, MessagePtr msg) { sends_.push_back(Outgoing{to, std::move(msg)}); }
  // Arms a timer that fires after `delay` of local time.
  TimerId set_timer(Duration delay, uint64_t tag = 0);
  // Arms a timer whose delay is drawn uniformly from [lo, hi] with the node's rng.
  TimerId set_timer(Duration lo, Duration hi, uint64_t tag = 0);
  // Cancels an armed timer; a no-op for one that already fired or was cancelled.
  void cancel_timer(TimerId id);
  // Asks the runtime to make storage durable before any send of this handler leaves.
  void sync() { sync_requested_ = true; }
  // Records a protocol observation in the trace (invariants read these). Cheap to skip:
  // check observing() before building an expensive payload.
  bool observing() const { return observing_; }
  void observe(std::string what, nlohmann::json data = nlohmann::json::object()) {
    if (observing_) observations_.push_back(Observation{std::move(what), std::move(data)});
  }

  // Client history (Jepsen style), recorded by client nodes: the invocation of an operation,
  // then its completion as "ok" (took effect; value = result), "fail" (certainly did not take
  // effect) or "info" (unknown: it may or may not have). The checkers read these from the
  // trace. Unlike observations they are always recorded: a history with holes is wrong.
  // `process` names the node's logical process (a Jepsen process, one outstanding operation
  // at a time) when a node runs several; the checkers key histories by (node, process).
  void client_invoke(const std::string& f, const std::string& key, nlohmann::json value = nullptr,
                     uint32_t process = 0) {
    observations_.push_back(Observation{"invoke", client_data(f, key, std::move(value), process), true});
  }
  void client_complete(const std::string& type, const std::string& f, const std::string& key,
                       nlohmann::json value = nullptr, uint32_t process = 0) {
    DSIM_ASSERT(type == "ok" || type == "fail" || type == "info", "client_complete type must be ok, fail or info");
    observations_.push_back(Observation{type, client_data(f, key, std::move(value), process), true});
  }

  // ---- for the runtime and for unit tests ----
  std::vector<Outgoing>& sends() { return sends_; }
  std::vector<PendingTimer>& timers() { return timers_; }
  std::vector<Observation>& observations() { return observations_; }
  bool sync_requested() const { return sync_requested_; }
  void clear_effects() {
    sends_.clear();
    timers_.clear();
    observations_.clear();
    sync_requested_ = false;
  }
  Time global_now() const { return global_now_; }

 private:
  // Process 0 is left out of the data, so single-process traces read as before.
  static nlohmann::json client_data(const std::string& f, const std::string& key, nlohmann::json value,
                                    uint32_t process) {
    // Field by field: an initializer list would build a temporary array per field.
    nlohmann::json d(nlohmann::json::value_t::object);
    d.emplace("f", f);
    d.emplace("key", key);
    d.emplace("value", std::move(value));
    if (process != 0) d.emplace("process", process);
    return d;
  }

  const Topology* topology_;
  MessagePool* pool_;
  uint64_t* timer_counter_;
  NodeId self_;
  NodeState* node_ = nullptr;
  Time global_now_;
  bool observing_ = false;
  bool sync_requested_ = false;
  std::vector<Outgoing> sends_;
  std::vector<PendingTimer> timers_;
  std::vector<Observation> observations_;
};

template <class Message>
void ProcessOf<Message>::send(Context& ctx, NodeId to, Message msg) {
  ctx.send<Message>(to, std::move(msg));
}

}  // namespace dsim::sim
