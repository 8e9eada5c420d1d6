// Registers the gossip protocol (epidemic dissemination, Demers et al. 1987).
#include "protocols/gossip/invariants.h"
#include "protocols/gossip/metrics.h"
#include "protocols/gossip/node.h"
#include "protocols/gossip/observations.h"
#include "protocols/registry.h"

namespace dsim::gossip {

sim::ProtocolSpec protocol_spec() {
  sim::ProtocolSpec p;
  p.name = "gossip";
  p.description =
      "Epidemic dissemination (Demers et al., \"Epidemic Algorithms for Replicated Database Maintenance\", PODC 1987) "
      "of a versioned key-value set: anti-entropy (push, pull or push-pull, whole stores or digests) or rumor "
      "mongering (push or pull; feedback or blind; counter or coin with parameter k), in the paper's cycles or on "
      "asynchronous timers; per update residue, traffic, t_ave and t_last in the run summary.";
  p.params = config_params().specs();
  p.invariants = {
      {"gossip.convergence",
       "after the last fault heals and the last update is injected, within 2(log2 N + ln N) + 10 periods (plus 10 "
       "backup intervals for rumor mongering with a backup), every live member holds the newest version of every key any live member holds (not for "
       "rumor mongering without an anti-entropy backup)",
       make_convergence},
      {"gossip.rumors_die",
       "no member keeps a rumor hot longer than 2(log2 N + ln N) + 20k + 10 periods, counted from the last fault, "
       "restart or clock change (rumor mongering)", make_rumors_die},
      {"gossip.traffic",
       "no update is carried by more than 2 (2(log2 N + ln N) + 20k + 10) rumor messages (pushes and pull answers) per "
       "member: rumor traffic stays bounded (rumor mongering)",
       make_traffic},
      {"gossip.validity", "members only ever hold injected versions, under their keys", make_validity},
  };
  p.bugs = bug_switches().specs();
  p.message_types = sim::message_type_names<Message>();
  p.byzantine = {{"forge_version", "push rumors and anti-entropy entries with their versions raised by 1,000,000",
                  [](const sim::MessagePtr& msg, sim::NodeId, sim::NodeId, sim::Rng&) -> sim::MessagePtr {
                    Message m = msg->as<Message>();
                    std::vector<Entry>* entries = nullptr;
                    if (auto* r = std::get_if<Rumor>(&m)) entries = &r->entries;
                    if (auto* a = std::get_if<AeEntries>(&m)) entries = &a->entries;
                    if (!entries || entries->empty()) return msg;
                    for (Entry& e : *entries) e.version += 1'000'000;
                    return sim::make_message<Message>(std::move(m));
                  }}};
  p.metrics = [](const sim::ProtocolConfig& config) { return make_metrics(Config::from(config)); };
  p.curve = [](const sim::ProtocolConfig& config) { return make_curve(Config::from(config)); };
  p.selectors = {sim::selector_on<Injected>("origin", "the member that most recently injected an update")};
  p.budget.max_crashed = [](uint32_t n, const sim::ProtocolConfig&) { return n > 0 ? n - 1 : 0; };
  p.budget.byzantine = false;
  p.budget.lost_unsynced = true;
  p.budget.summary = "any crashes (replicas are volatile: a restarted member refills from the others), partitions, "
                     "omissions and clock skew; no Byzantine members";
  // Swarm knobs: the rumor-mongering variant (Demers et al. §1.4: feedback or blind, counter
  // or coin, k), the period (above 2 round trips: the bounds count periods), cycles or
  // timers, and the anti-entropy backup's interval. Every variant keeps the invariants.
  p.swarm = {
      sim::knob_choice("loss", {"feedback", "blind"}),
      sim::knob_choice("stop", {"counter", "coin"}),
      sim::knob_integer("k", 1, 4),
      {"period", "log-uniform in [max(10ms, 2 round trips), max(100ms, 4 round trips)]",
       [](sim::Rng& rng, const nlohmann::json& drawn) {
         const sim::Duration rt = sim::round_trip(drawn);
         return nlohmann::json(sim::format_duration(sim::log_uniform(
             rng, std::max(sim::Duration::millis(10), rt * 2), std::max(sim::Duration::millis(100), rt * 4))));
       }},
      sim::knob_choice("timing", {"cycles", "async"}),
      sim::knob_integer("backup", 2, 6),
  };
  p.min_nodes = 2;
  p.make_factory = [](const sim::ProtocolConfig& config) -> sim::ProcessFactory {
    const Config cfg = Config::from(config);
    return [cfg](sim::NodeId, const sim::Topology&) -> std::unique_ptr<sim::Process> { return std::make_unique<Member>(cfg); };
  };
  p.decode = sim::message_decoder<Message>();
  p.decode_observation = decode_observation();
  p.observation_types = observation_types();
  p.decode_timer = sim::timer_decoder<Timer>();
  p.timer_types = sim::timer_names<Timer>();
  p.story = sim::observation_names<Injected>();
  p.heartbeat = [](const sim::Envelope& m) { return std::holds_alternative<PullRequest>(m.as<Message>()); };
  return p;
}

}  // namespace dsim::gossip
