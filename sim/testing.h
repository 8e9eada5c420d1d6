// TestNode: one protocol process driven by hand, for paper tests (one test per rule of the
// paper). It runs the process on the runtime's own Context and NodeState, and applies a
// handler's effects as the runtime does, at the moment the runtime would: storage is synced
// before anything else the next handler sees, a crash drops the process, its armed timers and
// (optionally) its unsynced writes, and a restart is a new incarnation with its own rng.
// Tests inspect what the last handler sent, observed, armed and stored, in types:
//
//   sim::TestNode<Participant> n(topology, NodeId(1), [] { return std::make_unique<Participant>(cfg); });
//   n.deliver(NodeId(0), VoteRequest{txn, {...}});
//   EXPECT_EQ(n.sent<VoteCommit>().size(), 1u);
//   EXPECT_TRUE(n.synced());                      // the yes vote was forced to disk first
//   n.fire<DecisionTimeout>();                    // the armed timer holding a DecisionTimeout
//   EXPECT_TRUE(n.observed<Decided>().empty());
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "sim/process.h"
#include "sim/rng.h"
#include "sim/topology.h"

namespace dsim::sim {

template <class P>
class TestNode {
 public:
  using Message = typename P::MessageType;
  using Timer = typename P::TimerType;

  TestNode(Topology topology, NodeId self, std::function<std::unique_ptr<P>()> make, uint64_t seed = 1)
      : topology_(std::move(topology)), ctx_(topology_, pool_, timer_counter_), self_(self), make_(std::move(make)),
        seed_(seed) {
    node_.rng = Rng::derive(seed_, "test/" + topology_.name(self_) + "/0");
    start();
  }

  // ---- inputs, each one handler ----
  template <class M>
  void deliver(NodeId from, M m) {
    begin_handler();
    process().on_message(ctx_, from, Message(std::move(m)));
  }
  template <class M>
  void deliver(uint32_t from, M m) {
    deliver(NodeId(from), std::move(m));
  }
  // Fires the first armed timer holding a T (the test fails, and nothing runs, if none is).
  template <class T>
  bool fire() {
    return fire_if<T>([](const T&) { return true; });
  }
  // Fires the first armed timer holding a T for which pred(t) holds.
  template <class T, class Pred>
  bool fire_if(Pred pred) {
    for (size_t i = 0; i < node_.timers.size(); ++i) {
      const T* t = std::get_if<T>(&node_.timers[i].value->template as<Timer>());
      if (!t || !pred(*t)) continue;
      const LiveTimer fired = std::move(node_.timers[i]);
      node_.timers.erase(node_.timers.begin() + static_cast<std::ptrdiff_t>(i));  // fired: no longer live
      begin_handler();
      process().on_timer_envelope(ctx_, fired.id, *fired.value);
      return true;
    }
    ADD_FAILURE_AT(__FILE__, __LINE__) << "no armed timer holds a " << T::type_name;
    return false;
  }
  // A crash between handlers: the last handler's effects were applied (its sync happened).
  void crash(bool lose_unsynced = true) {
    apply_effects();
    node_.up = false;
    node_.process.reset();
    node_.timers.clear();
    node_.storage.crash(lose_unsynced);
  }
  void restart() {
    ++node_.incarnation;
    node_.rng = Rng::derive(seed_, "test/" + topology_.name(self_) + "/" + std::to_string(node_.incarnation));
    start();
  }
  void crash_and_restart(bool lose_unsynced = true) {
    crash(lose_unsynced);
    restart();
  }
  // Moves true time (and the node's clock) forward; timers are fired by hand.
  void advance(Duration d) { now_ = now_ + d; }

  // ---- what the last handler did ----
  template <class M>
  std::vector<std::pair<NodeId, M>> sent() const {
    std::vector<std::pair<NodeId, M>> out;
    for (const auto& s : ctx_.sends())
      if (const M* m = std::get_if<M>(&s.msg->template as<Message>())) out.emplace_back(s.to, *m);
    return out;
  }
  template <class T>
  std::vector<T> observed() const {
    std::vector<T> out;
    for (const auto& o : ctx_.observations())
      if (!o.client && o.value->template holds<std::variant<T>>()) out.push_back(std::get<0>(o.value->template as<std::variant<T>>()));
    return out;
  }
  // Client events: (invoke/ok/fail/info, the event).
  std::vector<std::pair<std::string_view, ClientEvent>> client_events() const {
    std::vector<std::pair<std::string_view, ClientEvent>> out;
    for (const auto& o : ctx_.observations())
      if (o.client) out.emplace_back(o.what, std::get<0>(o.value->template as<std::variant<ClientEvent>>()));
    return out;
  }
  bool synced() const { return ctx_.sync_requested(); }
  // The armed timers holding a T (armed by any handler so far and not fired or cancelled).
  template <class T>
  std::vector<T> armed() const {
    std::vector<T> out;
    for (const auto& t : node_.timers)
      if (const T* v = std::get_if<T>(&t.value->template as<Timer>())) out.push_back(*v);
    return out;
  }

  P& process() { return static_cast<P&>(*node_.process); }
  Storage& storage() { return node_.storage; }
  Context& ctx() { return ctx_; }
  Time now() const { return now_; }
  uint32_t incarnation() const { return node_.incarnation; }

 private:
  void start() {
    node_.up = true;
    node_.process = make_();
    begin_handler();
    node_.process->on_start(ctx_);
  }
  // The runtime's order: the previous handler's sync first; its sends, observations and timer
  // deadlines are the test's to inspect until the next handler starts.
  void apply_effects() {
    if (ctx_.sync_requested()) node_.storage.sync();
    ctx_.clear_effects();
  }
  void begin_handler() {
    apply_effects();
    ctx_.bind(self_, node_, now_, true);
  }

  Topology topology_;
  MessagePool pool_;  // before everything that holds envelopes
  uint64_t timer_counter_ = 0;
  NodeState node_;
  Context ctx_;
  NodeId self_;
  std::function<std::unique_ptr<P>()> make_;
  uint64_t seed_;
  Time now_ = Time::zero() + Duration::seconds(1);
};

}  // namespace dsim::sim
