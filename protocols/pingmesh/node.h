// pingmesh: every `interval` of its local clock a node pings a peer chosen uniformly from the
// others (with its own rng stream); a peer answers every ping at once. The first ping goes out
// at a phase drawn uniformly from [0, interval), so node i pings at phase_i + k * interval.
//
// It is the engine's benchmark workload and is kept exactly equal to the peers' version in
// ../shared/peers (SimGrid, SimPy, ns-3), so events per second compare like for like.
#pragma once

#include "protocols/pingmesh/messages.h"
#include <utility>
#include <vector>

#include "sim/process.h"

namespace dsim::pingmesh {

// The one parameter (declared for the registry in register.cc).
struct Config {
  sim::Duration interval = sim::Duration::millis(10);
};

// Known-bug switches, to show that the invariants catch what they claim to.
struct Bugs {
  bool wrong_reply_id = false;  // the replier echoes id + 1: breaks reply_matches_ping
  bool late_reply = false;      // the replier waits `interval` x 3 before replying: breaks reply_within_bound
};

class Node final : public sim::ProcessOf<Message, Timer> {
 public:
  Node(sim::Duration interval, Bugs bugs) : interval_(interval), bugs_(bugs) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::TimerId, const Timer& timer) override;
  // Only what a reader needs: a count of pings sent would change at every timer and make the
  // state record the largest part of a pingmesh trace.
  void describe(const sim::Context&, nlohmann::json& state) const override {
    if (!late_replies_.empty()) state["late_replies_waiting"] = late_replies_.size();
  }

 private:
  sim::Duration interval_;
  Bugs bugs_;
  uint64_t sent_ = 0;
  std::vector<std::pair<sim::NodeId, uint64_t>> late_replies_;  // only with bugs_.late_reply
};

}  // namespace dsim::pingmesh
