// The node runtime's interface to protocol code: Process (what a node does) and Context
// (everything a node may touch while it handles one input).
//
// A Process is driven by callbacks: on_start, on_message, on_timer. It never reads a global
// clock, a global rng, a file or a socket; all of that comes through the Context, so the same
// class could run over real sockets. The Context buffers effects; after each handler the
// runtime applies them in one fixed order: storage sync, observations, sends, timers. "Persist
// before send" therefore holds for every protocol by construction. Observations, client
// events and timers are typed values (sim/observe.h), carried like messages.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/clock.h"
#include "sim/ids.h"
#include "sim/log.h"
#include "sim/message.h"
#include "sim/observe.h"
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
  // A timer armed by this incarnation fired; `timer` is the value it was armed with.
  virtual void on_timer_envelope(Context&, TimerId, const Envelope& /*timer*/) {}
  // The node's state for people (`dsim state`, `dsim step`, `dsim view`), as a flat object of
  // fields (Raft: role, term, voted_for, commit_index, log). Called after every handler, but
  // only when a sink records state (a trace file); invariants never read it.
  // Conventions the readers know: node ids as names ("n3"); a field "log" holding runs
  // [[first_index, last_index, term], ...] is drawn as a log matrix with "commit_index".
  virtual void describe(const Context&, nlohmann::json& /*state*/) const {}
};

// The Timer parameter of a process that arms no timers.
struct NoTimers {};

// A Process of a protocol whose messages are the variant `Message` and whose timers are the
// variant `Timer` (each alternative a reflectable struct with a type_name, as messages):
// on_message and on_timer receive the variants themselves (dispatch them with an overloaded
// visitor and no catch-all, so a missing case fails to compile).
template <class Message, class Timer = NoTimers>
class ProcessOf : public Process {
 public:
  using MessageType = Message;
  using TimerType = Timer;
  void on_envelope(Context& ctx, NodeId from, const Envelope& msg) final {
    on_message(ctx, from, msg.as<Message>());
  }
  void on_timer_envelope(Context& ctx, TimerId id, const Envelope& timer) final {
    if constexpr (!std::is_same_v<Timer, NoTimers>) on_timer(ctx, id, timer.as<Timer>());
  }
  virtual void on_message(Context& ctx, NodeId from, const Message& msg) = 0;
  // `id` is what set_timer returned, for telling a current timer from a stale one.
  virtual void on_timer(Context&, TimerId /*id*/, const Timer& /*timer*/) {}

 protected:
  // Accepts any alternative of Message and boxes it as the variant.
  void send(Context& ctx, NodeId to, Message msg);
  // Arms a timer that fires after `delay` of local time (or after a delay drawn uniformly from
  // [lo, hi] with the node's rng) and hands `timer` back to on_timer.
  TimerId set_timer(Context& ctx, Duration delay, Timer timer);
  TimerId set_timer(Context& ctx, Duration lo, Duration hi, Timer timer);
};

// A timer armed and not yet fired or cancelled.
struct LiveTimer {
  TimerId id;
  MessagePtr value;  // what the process armed it with
};

// Per-node state owned by the runtime. Everything here but `storage` is volatile: a crash
// destroys the process, drops its timers and starts the next incarnation's rng afresh.
struct Outgoing {
  NodeId to;
  MessagePtr msg;
};

// A sync in progress and the sends of the handler that asked for it (they leave when it
// completes).
struct Observation {
  bool client = false;    // a client operation event, traced as "client"
  std::string_view what;  // the observation's type name; client: invoke/ok/fail/info
  MessagePtr value;       // std::variant<T> of the observation; client: std::variant<ClientEvent>
};

// A sync in progress and what waits for it: the sends and observations of the handlers that
// asked for it (or ran while it was pending). Both become visible when it completes; a crash
// drops the sends, and the observations too when it loses the unsynced writes they report.
struct PendingSync {
  uint64_t number = 0;
  std::vector<Outgoing> sends;
  std::vector<Observation> observations;
};

struct NodeState {
  std::unique_ptr<Process> process;
  bool up = false;
  uint32_t incarnation = 0;
  LocalClock clock;
  Storage storage;
  Rng rng;
  std::vector<LiveTimer> timers;
  // ---- the disk: syncs in progress, one after another (volatile: a crash drops them) ----
  std::vector<PendingSync> syncs;
  uint64_t syncs_started = 0;
  Time disk_free;            // when the last sync started completes
  Duration sync_extra;       // a latency spike (storage_slow fault) added to every sync
  int sync_lies = 0;         // "fsync lies" faults on: syncs report success and keep nothing
  bool lied = false;         // a sync lied since the last honest one: the next crash loses writes
};
struct PendingTimer {
  TimerId id;
  Duration delay;  // in the node's local time
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
  // Arms a timer that fires after `delay` of local time, holding `timer` (a boxed value of the
  // process's Timer variant: use ProcessOf::set_timer, which boxes it).
  TimerId set_timer(Duration delay, MessagePtr timer);
  // Arms a timer whose delay is drawn uniformly from [lo, hi] with the node's rng.
  TimerId set_timer(Duration lo, Duration hi, MessagePtr timer);
  MessagePool& pool() { return *pool_; }
  // Cancels an armed timer; a no-op for one that already fired or was cancelled.
  void cancel_timer(TimerId id);
  // Asks the runtime to make storage durable before any send of this handler leaves.
  void sync() { sync_requested_ = true; }
  // Records a protocol observation in the trace (invariants read these). Cheap to skip:
  // check observing() before building an expensive payload.
  bool observing() const { return observing_; }
  template <class T>
  void observe(T value) {
    if (observing_) observations_.push_back(Observation{false, T::type_name, pool_->make<std::variant<T>>(std::move(value))});
  }

  // A log line for people (sim/log.h): never part of the run, so it cannot change its digest.
  bool logging(LogLevel level) const { return log_ != nullptr && level >= log_->level(); }
  void log(LogLevel level, std::string_view text) {
    if (logging(level)) log_->write(global_now_, self_, topology_->name(self_), level, text);
  }
  // For the runtime: where log lines go (nullptr: nowhere).
  void set_log_sink(LogSink* sink) { log_ = sink; }

  // Client history (Jepsen style), recorded by client nodes: the invocation of an operation,
  // then its completion as "ok" (took effect; value = result), "fail" (certainly did not take
  // effect) or "info" (unknown: it may or may not have). The checkers read these from the
  // trace. Unlike observations they are always recorded: a history with holes is wrong.
  // `process` names the node's logical process (a Jepsen process, one outstanding operation
  // at a time) when a node runs several; the checkers key histories by (node, process).
  void client_invoke(ClientOp f, std::string key, nlohmann::json value = nullptr, uint32_t process = 0) {
    client_event(kClientEventNames[0], ClientEvent{f, std::move(key), std::move(value), process});
  }
  void client_complete(Completion how, ClientOp f, std::string key, nlohmann::json value = nullptr,
                       uint32_t process = 0) {
    client_event(client_event_name(how), ClientEvent{f, std::move(key), std::move(value), process});
  }

  // ---- for the runtime and for unit tests ----
  std::vector<Outgoing>& sends() { return sends_; }
  std::vector<PendingTimer>& timers() { return timers_; }
  std::vector<Observation>& observations() { return observations_; }
  const std::vector<Outgoing>& sends() const { return sends_; }
  const std::vector<Observation>& observations() const { return observations_; }
  bool sync_requested() const { return sync_requested_; }
  void clear_effects() {
    sends_.clear();
    timers_.clear();
    observations_.clear();
    sync_requested_ = false;
  }
  Time global_now() const { return global_now_; }

 private:
  void client_event(std::string_view what, ClientEvent e) {
    DSIM_ASSERT(e.process <= 0x7fffffffu, "a client's logical process is at most 2^31-1");
    observations_.push_back(Observation{true, what, pool_->make<std::variant<ClientEvent>>(std::move(e))});
  }

  const Topology* topology_;
  MessagePool* pool_;
  uint64_t* timer_counter_;
  NodeId self_;
  NodeState* node_ = nullptr;
  Time global_now_;
  bool observing_ = false;
  bool sync_requested_ = false;
  LogSink* log_ = nullptr;
  std::vector<Outgoing> sends_;
  std::vector<PendingTimer> timers_;
  std::vector<Observation> observations_;
};

template <class Message, class Timer>
void ProcessOf<Message, Timer>::send(Context& ctx, NodeId to, Message msg) {
  ctx.send<Message>(to, std::move(msg));
}
template <class Message, class Timer>
TimerId ProcessOf<Message, Timer>::set_timer(Context& ctx, Duration delay, Timer timer) {
  return ctx.set_timer(delay, ctx.pool().make<Timer>(std::move(timer)));
}
template <class Message, class Timer>
TimerId ProcessOf<Message, Timer>::set_timer(Context& ctx, Duration lo, Duration hi, Timer timer) {
  return ctx.set_timer(lo, hi, ctx.pool().make<Timer>(std::move(timer)));
}

}  // namespace dsim::sim
