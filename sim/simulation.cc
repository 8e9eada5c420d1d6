// The run loop and the node runtime.
//
// Hot path: pop an event, check it is still meant to happen (a timer not cancelled, a node
// still up, a link still connected), run one handler, then apply its effects in the fixed
// order storage sync -> observations -> sends -> timers. Nothing on this path allocates
// beyond pooled envelopes and amortised vector growth; trace events are only built when a
// sink is attached.
#include "sim/simulation.h"

#include <algorithm>

#include "sim/assert.h"

namespace dsim::sim {
namespace {
std::string incarnation_stream(const std::string& node, uint32_t incarnation) {
  return "node/" + node + "/incarnation/" + std::to_string(incarnation);
}
}  // namespace

Simulation::Simulation(SimOptions options, Topology topology, NetworkConfig network, ProcessFactory factory)
    : options_(options),
      topology_(std::move(topology)),
      network_(std::move(network), topology_.size(), Rng::derive(options.seed, "network")),
      factory_(std::move(factory)),
      nodes_(topology_.size()),
      ctx_(topology_, pool_, timer_counter_),
      tie_rng_(Rng::derive(options.seed, "ties")),
      storage_rng_(Rng::derive(options.seed, "storage")),
      end_(Time::zero() + options.duration) {}

Simulation::~Simulation() {
  // Release the envelopes still in flight before the pool goes away.
  queue_.for_each([](const Event& e) {
    if (e.kind == EventKind::deliver) MessagePtr::adopt(reinterpret_cast<Envelope*>(e.a));
  });
  for (auto& n : nodes_) n.process.reset();
}

void Simulation::set_clock(NodeId node, Duration offset, int64_t drift_ppb) {
  DSIM_ASSERT(!started_, "set_clock after start; use jump_clock/set_drift");
  nodes_[node.value].clock = LocalClock(offset, drift_ppb);
}

// Keys order simultaneous events. Scheduled actions (faults) get keys below every other
// event, so at a given instant faults happen first, whenever they were scheduled: a fault the
// nemesis decides at run time and the same fault written out as a fixed schedule therefore
// interleave identically with the rest of the run.
uint64_t Simulation::next_key(bool control) {
  constexpr uint64_t kNotControl = uint64_t{1} << 63;
  const uint64_t key = ++seq_;
  if (control) return key;
  if (!options_.shuffle_ties) return key | kNotControl;
  return ((tie_rng_.next_u64() << 32) | (key & 0xffffffffu)) | kNotControl;
}

void Simulation::schedule(Time at, std::function<void()> action) {
  actions_.push_back(std::move(action));
  Event e;
  e.time = at;
  e.key = next_key(/*control=*/true);
  e.kind = EventKind::control;
  e.a = actions_.size() - 1;
  queue_.push(e);
}

void Simulation::emit(TraceEvent& ev) {
  if (halted_) return;
  ev.seq = stats_.trace_records++;
  for (TraceSink* s : sinks_) s->on_event(ev);
}

void Simulation::record(TraceKind kind, std::string_view what, const nlohmann::json& data, NodeId node) {
  if (sinks_.empty()) return;
  TraceEvent ev;
  ev.time = now_;
  ev.kind = kind;
  ev.node = node;
  ev.name = what;
  ev.data = &data;
  emit(ev);
}

bool is_instant(const LatencyDist& d) { return d.kind == LatencyDist::Kind::constant && d.a == Duration{}; }

template <class F>
void Simulation::invoke(NodeId id, F&& handler) {
  NodeState& node = nodes_[id.value];
  ctx_.bind(id, node, now_, !sinks_.empty());
  try {
    handler(*node.process, ctx_);
  } catch (const StorageReadError& e) {
    return storage_failed(id, e);
  }
  apply_effects(id, node);
  if (!state_sinks_.empty()) {
    try {
      record_state(id, node);
    } catch (const StorageReadError& e) {  // describe() read a corrupted record
      storage_failed(id, e);
    }
  }
}

// A read error the protocol did not handle: the node fail-stops (its effects are discarded)
// and the crash record says why. A restart meets the same record again unless it was rewritten.
void Simulation::storage_failed(NodeId id, const StorageReadError& e) {
  ctx_.clear_effects();
  crash_node(id, false, e.what());
}

std::string Simulation::corrupt_storage(NodeId id, Rng& rng) {
  return nodes_[id.value].storage.corrupt([&](uint64_t n) { return rng.uniform(n); });
}

void Simulation::record_state(NodeId id, NodeState& node) {
  // Recorded even when the handler halted the run: the node did reach this state.
  if (states_.size() != nodes_.size()) states_.resize(nodes_.size());
  nlohmann::json now(nlohmann::json::value_t::object);
  node.process->describe(ctx_, now);
  nlohmann::json& last = states_[id.value];
  nlohmann::json changes(nlohmann::json::value_t::object);
  if (!last.is_object()) {
    changes = now;
  } else {
    for (const auto& [k, v] : now.items())
      if (auto it = last.find(k); it == last.end() || *it != v) changes[k] = v;
    for (const auto& [k, v] : last.items())
      if (!now.contains(k)) changes[k] = nullptr;
  }
  last = std::move(now);
  if (changes.empty()) return;
  for (TraceSink* s : state_sinks_) s->on_state(now_, id, changes);
}

void Simulation::apply_effects(NodeId id, NodeState& node) {
  bool hold = false;
  if (ctx_.sync_requested()) {
    const LatencyDist& model = storage_model_.of(id);
    if (is_instant(model) && node.sync_extra == Duration{} && node.syncs.empty()) {
      if (node.sync_lies) node.lied = true;
      else node.storage.sync();
    } else if (node.syncs.size() >= 2) {
      // Group commit: a sync is in progress and another waits for it; this handler's writes
      // and sends join the waiting one (as a real fsync covers every write before it), so a
      // slow disk's backlog never grows beyond two syncs.
      hold = true;
    } else {
      // The disk takes one sync at a time: this one starts when the last one completes.
      const Duration latency = (is_instant(model) ? Duration{} : model.sample(storage_rng_)) + node.sync_extra;
      node.disk_free = std::max(now_, node.disk_free) + latency;
      node.syncs.push_back(PendingSync{++node.syncs_started, {}, {}});
      ++stats_.syncs_delayed;
      Event e;
      e.time = node.disk_free;
      e.key = next_key(false);
      e.kind = EventKind::sync;
      e.node = id.value;
      e.a = node.incarnation;
      e.b = node.syncs_started;
      queue_.push(e);
      hold = true;
    }
  }
  // A send never overtakes a sync asked for before it: a handler that syncs nothing itself
  // may still report state the pending sync has not made durable ("I have entries up to 7"),
  // so its sends wait for that sync as well (etcd's Ready loop persists before it sends).
  // Its observations wait too: "n1 decided commit" is true only once the decision is on
  // disk, and a crash that loses the write before then makes it never have happened.
  const bool held = hold || !node.syncs.empty();
  if (!sinks_.empty())
    for (Observation& o : ctx_.observations()) {
      if (held) node.syncs.back().observations.push_back(std::move(o));
      else emit_observation(id, o);
    }
  if (held)
    for (Outgoing& out : ctx_.sends()) node.syncs.back().sends.push_back(std::move(out));
  else
    for (Outgoing& out : ctx_.sends()) route(id, out);
  if (!ctx_.timers().empty()) {
    const Time local_now = node.clock.local_at(now_);
    for (const PendingTimer& t : ctx_.timers()) {
      const Time deadline = local_now + t.delay;
      Event e;
      e.time = std::max(now_, node.clock.global_at(deadline));
      e.key = next_key(false);
      e.kind = EventKind::timer;
      e.node = id.value;
      e.a = t.id.value;
      e.b = static_cast<uint64_t>(deadline.ns());
      queue_.push(e);
    }
  }
  ctx_.clear_effects();
}

void Simulation::emit_observation(NodeId id, const Observation& o) {
  TraceEvent ev;
  ev.time = now_;
  ev.kind = o.client ? TraceKind::client : TraceKind::observe;
  ev.node = id;
  ev.name = o.what;
  ev.msg = o.value.get();
  emit(ev);
}

void Simulation::drop(NodeId from, NodeId to, uint64_t id, const Envelope& msg, std::string_view cause) {
  ++stats_.dropped;
  ++stats_.drops_by_cause[std::string(cause)];
  if (sinks_.empty()) return;
  TraceEvent ev;
  ev.time = now_;
  ev.kind = TraceKind::drop;
  ev.node = from;
  ev.peer = to;
  ev.id = id;
  ev.name = msg.type_name();
  ev.cause = cause;
  ev.msg = &msg;
  emit(ev);
}

void Simulation::route(NodeId from, Outgoing& out) {
  DSIM_ASSERT(out.to.value < topology_.size(), "send to a node outside the topology");
  if (halted_) return;  // the run ended within this handler: its later sends never happen
  const uint64_t id = ++message_counter_;
  ++stats_.sent;
  // Filters run first so the trace records the message as it really travels (a Byzantine
  // rewrite included): the offline checker must see what the receiver saw.
  SendEffects fx;
  std::string_view cause;
  const Envelope* original = out.msg.get();
  for (MessageFilter* f : filters_) {
    cause = f->on_send(from, out.to, out.msg, fx);
    if (!cause.empty()) break;
  }
  if (!sinks_.empty()) {
    TraceEvent ev;
    ev.time = now_;
    ev.kind = TraceKind::send;
    ev.node = from;
    ev.peer = out.to;
    ev.id = id;
    ev.tag = out.msg.get() != original ? 1 : 0;
    ev.name = out.msg->type_name();
    ev.msg = out.msg.get();
    emit(ev);
  }
  if (!cause.empty()) return drop(from, out.to, id, *out.msg, cause);
  Network::Plan plan = network_.plan(from, out.to, now_, out.msg->type_name());
  if (!plan.drop.empty()) return drop(from, out.to, id, *out.msg, plan.drop);
  const int copies = plan.copies + fx.extra_copies;
  for (int i = 0; i < copies; ++i) {
    Event e;
    e.time = (i < plan.copies ? plan.arrival[i] : network_.arrival(from, out.to, now_, out.msg->type_name())) + fx.delay;
    e.key = next_key(false);
    e.kind = EventKind::deliver;
    e.node = out.to.value;
    e.peer = from.value;
    e.a = reinterpret_cast<uint64_t>(MessagePtr(out.msg).detach());
    e.b = id;
    e.flags = i > 0 ? 1 : 0;  // copies after the first are duplicates
    queue_.push(e);
  }
}

void Simulation::start() {
  if (started_) return;
  started_ = true;
  set_assert_seed(options_.seed);
  for (uint32_t i = 0; i < topology_.size(); ++i) {
    NodeId id(i);
    NodeState& n = nodes_[i];
    n.up = true;
    n.incarnation = 0;
    n.rng = Rng::derive(options_.seed, incarnation_stream(topology_.name(id), 0));
    n.process = factory_(id, topology_);
    invoke(id, [](Process& p, Context& c) { p.on_start(c); });
  }
}

void Simulation::fire_timer(const Event& ev) {
  NodeState& node = nodes_[ev.node];
  auto& live = node.timers;
  auto it = std::find_if(live.begin(), live.end(), [&](const LiveTimer& t) { return t.id.value == ev.a; });
  if (it == live.end()) return;  // cancelled, or armed by an earlier incarnation
  const Time deadline = Time::from_ns(static_cast<int64_t>(ev.b));
  if (node.clock.local_at(now_) < deadline) {  // the clock was set back since it was armed
    Event again = ev;
    again.time = std::max(now_, node.clock.global_at(deadline));
    queue_.push(again);
    return;
  }
  const TimerId id_fired = it->id;
  const MessagePtr value = std::move(it->value);
  *it = std::move(live.back());
  live.pop_back();
  ++stats_.events;
  ++stats_.timers;
  NodeId id(ev.node);
  if (!sinks_.empty()) {
    TraceEvent tev;
    tev.time = now_;
    tev.kind = TraceKind::timer;
    tev.node = id;
    tev.id = id_fired.value;
    tev.name = value->type_name();
    tev.msg = value.get();
    emit(tev);
  }
  invoke(id, [&](Process& p, Context& c) { p.on_timer_envelope(c, id_fired, *value); });
}

void Simulation::complete_sync(const Event& ev) {
  NodeState& node = nodes_[ev.node];
  if (!node.up || node.incarnation != ev.a) return;  // the crash dropped it
  DSIM_ASSERT(!node.syncs.empty() && node.syncs.front().number == ev.b, "syncs complete in the order they started");
  ++stats_.events;
  if (node.sync_lies) node.lied = true;
  else node.storage.sync();
  PendingSync done = std::move(node.syncs.front());
  node.syncs.erase(node.syncs.begin());
  const NodeId id(ev.node);
  for (const Observation& o : done.observations) emit_observation(id, o);
  for (Outgoing& out : done.sends) route(id, out);
  // The sync made every write so far durable, the writes of handlers that ran while it was in
  // progress included: what they observed is now true whatever crash comes. Their sends still
  // wait for the sync they asked for. (A lying sync claims the same, and the next crash
  // shows it was not so: fsync_lies is out of every protocol's budget.)
  for (PendingSync& later : node.syncs) {
    for (const Observation& o : later.observations) emit_observation(id, o);
    later.observations.clear();
  }
}

void Simulation::arrive(const Event& ev) {
  MessagePtr msg = MessagePtr::adopt(reinterpret_cast<Envelope*>(ev.a));
  ++stats_.events;
  NodeId to(ev.node), from(ev.peer);
  NodeState& node = nodes_[ev.node];
  if (!node.up) return drop(from, to, ev.b, *msg, "crashed");
  if (!network_.connected(from, to)) return drop(from, to, ev.b, *msg, "partitioned");
  for (MessageFilter* f : filters_) {
    std::string_view cause = f->on_receive(from, to, *msg);
    if (!cause.empty()) return drop(from, to, ev.b, *msg, cause);
  }
  ++stats_.delivered;
  if (!sinks_.empty()) {
    TraceEvent tev;
    tev.time = now_;
    tev.kind = TraceKind::deliver;
    tev.node = to;
    tev.peer = from;
    tev.id = ev.b;
    tev.tag = ev.flags;
    tev.name = msg->type_name();
    tev.msg = msg.get();
    emit(tev);
  }
  invoke(to, [&](Process& p, Context& c) { p.on_envelope(c, from, *msg); });
}

// At scale every event touches a node, a message or timer and a process that are not in cache
// (a million nodes' state is hundreds of MB). When the queue loads the next slot's events, the
// loads for all of them start at once; the next event's process and timers follow.
void Simulation::prefetch_next() {
  if (queue_.loads() != prefetched_loads_) {
    prefetched_loads_ = queue_.loads();
    queue_.for_each_near([&](const Event& e) {
      if (e.kind == EventKind::control) return;
      __builtin_prefetch(&nodes_[e.node]);
      if (e.kind == EventKind::deliver) __builtin_prefetch(reinterpret_cast<const void*>(e.a));
    });
  }
  if (queue_.empty()) return;
  const Event& next = queue_.top();
  if (next.kind == EventKind::control) return;
  const NodeState& n = nodes_[next.node];
  __builtin_prefetch(n.process.get());
  if (next.kind == EventKind::timer) __builtin_prefetch(n.timers.data());
}

bool Simulation::step() {
  if (!started_) start();
  if (halted_ || queue_.empty() || queue_.top().time >= end_) return false;
  const Event ev = queue_.pop();
  now_ = ev.time;
  prefetch_next();
  switch (ev.kind) {
    case EventKind::timer:
      fire_timer(ev);
      break;
    case EventKind::deliver:
      arrive(ev);
      break;
    case EventKind::control:
      ++stats_.events;
      actions_[ev.a]();
      break;
    case EventKind::sync:
      complete_sync(ev);
      break;
  }
  return true;
}

RunStats Simulation::run() {
  start();
  while (step()) {
  }
  if (!halted_) now_ = end_;
  stats_.end = now_;
  return stats_;
}

void Simulation::crash(NodeId id, bool lose_unsynced) { crash_node(id, lose_unsynced, {}); }

void Simulation::crash_node(NodeId id, bool lose_unsynced, std::string_view storage_error) {
  NodeState& n = nodes_[id.value];
  if (!n.up) return;
  n.up = false;
  n.process.reset();
  n.timers.clear();
  // Sends waiting for a sync never leave; the sync's writes are as unsynced as any. The
  // observations waiting with them report those writes: they happened if the writes survive
  // the crash, and never did if it loses them.
  const bool lied = n.lied;
  n.lied = false;
  size_t held = 0;
  std::vector<PendingSync> syncs = std::move(n.syncs);
  n.syncs.clear();
  for (const auto& p : syncs) {
    held += p.sends.size();
    if (!lose_unsynced && !lied)
      for (const Observation& o : p.observations) emit_observation(id, o);
  }
  n.disk_free = now_;
  n.storage.crash(lose_unsynced || lied);
  if (id.value < states_.size()) states_[id.value] = nullptr;  // the next incarnation records in full
  nlohmann::json data{{"incarnation", n.incarnation}, {"lose_unsynced", lose_unsynced}};
  if (held) data["held_sends"] = held;
  if (lied) data["lied_syncs_lost"] = true;
  if (!storage_error.empty()) data["storage_error"] = storage_error;
  record(TraceKind::crash, "", data, id);
}

void Simulation::restart(NodeId id) {
  NodeState& n = nodes_[id.value];
  if (n.up) return;
  n.up = true;
  ++n.incarnation;
  n.rng = Rng::derive(options_.seed, incarnation_stream(topology_.name(id), n.incarnation));
  nlohmann::json data{{"incarnation", n.incarnation}};
  record(TraceKind::restart, "", data, id);
  n.process = factory_(id, topology_);
  invoke(id, [](Process& p, Context& c) { p.on_start(c); });
}

void Simulation::reschedule_timers(NodeId id) {
  const LocalClock& clock = nodes_[id.value].clock;
  queue_.for_each([&](Event& e) {
    if (e.kind == EventKind::timer && e.node == id.value)
      e.time = std::max(now_, clock.global_at(Time::from_ns(static_cast<int64_t>(e.b))));
  });
  queue_.rebuild();
}

void Simulation::jump_clock(NodeId id, Duration delta) {
  NodeState& n = nodes_[id.value];
  n.clock.jump(now_, delta);
  reschedule_timers(id);
  nlohmann::json data{{"jump_ns", delta.ns()}, {"offset_ns", n.clock.offset_at(now_).ns()},
                      {"drift_ppb", n.clock.drift_ppb()}};
  record(TraceKind::clock, "jump", data, id);
}

void Simulation::set_drift(NodeId id, int64_t drift_ppb) {
  NodeState& n = nodes_[id.value];
  n.clock.set_drift_ppb(now_, drift_ppb);
  reschedule_timers(id);
  nlohmann::json data{{"offset_ns", n.clock.offset_at(now_).ns()}, {"drift_ppb", drift_ppb}};
  record(TraceKind::clock, "drift", data, id);
}

}  // namespace dsim::sim
