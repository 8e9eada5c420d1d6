// Registers pingmesh with the protocol registry.
#include "protocols/pingmesh/invariants.h"
#include "protocols/pingmesh/node.h"
#include "protocols/registry.h"
#include "sim/declare.h"

namespace dsim::pingmesh {
namespace {

sim::ParamTable<Config> config_params() {
  return {sim::param("interval", &Config::interval, "time between a node's pings (local clock)")};
}

sim::BugTable<Bugs> bug_switches() {
  return {
      {"wrong_reply_id", &Bugs::wrong_reply_id, "the replier echoes the ping id + 1 (caught by pingmesh.reply_matches_ping)"},
      {"late_reply", &Bugs::late_reply,
       "the replier holds each reply back for 3 x interval (caught by pingmesh.reply_within_bound)"},
  };
}

}  // namespace

sim::ProtocolSpec protocol_spec() {
  sim::ProtocolSpec p;
  p.name = "pingmesh";
  p.description =
      "Every `interval` each node pings a uniformly chosen peer, which replies at once. The engine benchmark "
      "workload (same semantics as ../shared/peers).";
  p.params = config_params().specs();
  p.invariants = {
      {"pingmesh.reply_matches_ping", "every reply answers a ping the receiver sent to the replier", make_reply_matches_ping},
      {"pingmesh.reply_within_bound",
       "lossless network with bounded latency: every ping sent after the last fault heals is answered within 2x the "
       "maximum link latency",
       make_reply_within_bound},
  };
  p.bugs = bug_switches().specs();
  p.message_types = sim::message_type_names<Message>();
  // pingmesh promises nothing about Byzantine nodes; this strategy shows a protocol-specific lie.
  p.byzantine = {{"forge_reply", "turn every ping into a reply nobody asked for (caught by pingmesh.reply_matches_ping)",
                  [](const sim::MessagePtr& msg, sim::NodeId, sim::NodeId, sim::Rng&) -> sim::MessagePtr {
                    if (const auto* ping = std::get_if<Ping>(&msg->as<Message>()))
                      return sim::make_message<Message>(Reply{ping->id});
                    return msg;
                  }}};
  p.budget.summary = "any number of crashes, partitions and omissions; no Byzantine nodes";
  // Swarm knob: the ping interval (late_reply holds a reply for 3 intervals).
  p.swarm = {sim::knob_duration("interval", sim::Duration::millis(2), sim::Duration::millis(100))};
  p.min_nodes = 2;
  p.make_factory = [](const sim::ProtocolConfig& config) -> sim::ProcessFactory {
    const sim::Duration interval = config_params().parse(config.params).interval;
    const Bugs bugs = bug_switches().parse(config);
    return [interval, bugs](sim::NodeId, const sim::Topology&) { return std::make_unique<Node>(interval, bugs); };
  };
  p.decode = sim::message_decoder<Message>();
  p.decode_timer = sim::timer_decoder<Timer>();
  p.timer_types = sim::message_type_names<Timer>();
  return p;
}

}  // namespace dsim::pingmesh
