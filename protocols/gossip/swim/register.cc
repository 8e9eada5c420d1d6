// Registers SWIM (Das, Gupta, Motivala, DSN 2002): failure detection and membership.
#include "protocols/gossip/swim/invariants.h"
#include "protocols/gossip/swim/metrics.h"
#include "protocols/gossip/swim/node.h"
#include "protocols/gossip/swim/observations.h"
#include "protocols/registry.h"
#include "sim/config.h"
#include "sim/scenario.h"

namespace dsim::swim {
namespace {

void check_params(const sim::Scenario& s, const sim::ConfigSource& source) {
  const Config cfg = Config::from(s.config);
  const uint32_t n = s.nodes;
  const auto at = [](const char* key) { return std::string("/protocol/params/") + key; };
  if (cfg.ping_timeout >= cfg.period)
    sim::fail_at(source, at("ping_timeout"), "the ping timeout (" + sim::format_ms(cfg.ping_timeout) +
                                                 ") must be shorter than the period (" + sim::format_ms(cfg.period) + ")");
  if (cfg.joiners >= n)
    sim::fail_at(source, at("joiners"), std::to_string(cfg.joiners) + " joiners leave no initial member among the " +
                                            std::to_string(n) + " members (they join through one)");
  if (cfg.leavers > 0 && cfg.leavers >= cfg.initial(n))
    sim::fail_at(source, at("leavers"), std::to_string(cfg.leavers) + " leavers among " + std::to_string(cfg.initial(n)) +
                                            " initial members would leave nobody in the group");
}

}  // namespace

sim::ProtocolSpec protocol_spec() {
  sim::ProtocolSpec p;
  p.name = "swim";
  p.description =
      "SWIM group membership (Das, Gupta, Motivala, \"SWIM: Scalable Weakly-consistent Infection-style Process Group "
      "Membership Protocol\", DSN 2002): every period each member pings one member (round robin over a reshuffled "
      "order, or at random), asks k others to ping it on a missed ack (ping-req), suspects it if no ack comes, and "
      "declares it dead if it does not refute (with a higher incarnation number) within the suspicion timeout; "
      "updates travel piggybacked on pings and acks, each a bounded number of times. Members join through a random "
      "initial member, leave by announcing it, and rejoin after a restart or a healed partition by refuting their "
      "death. Failure detection times and false positives in the run summary.";
  p.params = config_params().specs();
  p.invariants = {
      {"swim.accuracy",
       "no member declares dead (by its own probe or its own suspicion timing out) a member up for the accuracy "
       "window while the network was calm, message loss aside, for as long (ping timeout + suspicion timeout + "
       "2(log2 N + ln N) + 2 periods)",
       make_accuracy},
      {"swim.completeness",
       "a member that crashes for good or leaves is held dead or left by every member up since, within 12 + 1 + "
       "2(log2 N + ln N) + 10 periods plus the suspicion timeout of the crash (or of when the network became calm)",
       make_completeness},
      {"swim.convergence",
       "after the last fault heals and the last join or leave, within the completeness bound plus reconnect_every + "
       "2(log2 N + ln N) + 12 + 3 x sync_every periods, every live member is in the group and every live member holds exactly the live "
       "members as members",
       make_convergence},
  };
  p.bugs = bug_switches().specs();
  p.message_types = sim::message_type_names<Message>();
  p.byzantine = {{"forge_dead", "every piggybacked update turned into a declaration of death at its incarnation + 1,000",
                  [](const sim::MessagePtr& msg, sim::NodeId, sim::NodeId, sim::Rng&) -> sim::MessagePtr {
                    Message m = msg->as<Message>();
                    std::vector<Update>* updates = nullptr;
                    if (auto* x = std::get_if<Ping>(&m)) updates = &x->updates;
                    if (auto* x = std::get_if<Ack>(&m)) updates = &x->updates;
                    if (auto* x = std::get_if<PingReq>(&m)) updates = &x->updates;
                    if (!updates || updates->empty()) return msg;
                    for (Update& u : *updates) {
                      u.state = State::dead;
                      u.incarnation += 1000;
                    }
                    return sim::make_message<Message>(std::move(m));
                  }}};
  p.metrics = [](const sim::ProtocolConfig& config) { return make_metrics(Config::from(config)); };
  p.selectors = {sim::selector_on<Refuted>("refuter", "the member that most recently refuted a suspicion of itself"),
                 sim::selector_on<Joined>("joiner", "the member that most recently joined (or rejoined)")};
  p.budget.max_crashed = [](uint32_t n, const sim::ProtocolConfig&) { return n > 1 ? n - 2 : 0; };
  p.budget.byzantine = false;
  p.budget.lost_unsynced = true;
  p.budget.summary = "any crashes but of two members at once (a member's view is volatile: a restarted member rejoins), "
                     "partitions, omissions, message loss and clock skew; no Byzantine members";
  // Swarm knobs: SWIM's own (§3-§4): probe order, ping-req fan-out k (from 3: SWIM's accuracy
  // under loss is probabilistic, and with k = 1 or 2 at 5% loss 5 of 10,000 seeds saw a live
  // member declared dead), the dissemination budget lambda and the piggyback size, and the
  // ping timeout (above 4 round trips, below the 1s period). Not suspicion: basic SWIM (§3.1)
  // declares a member dead on one unanswered probe, so message loss alone gives it false
  // positives (the paper's reason for §4.2).
  p.swarm = {
      sim::knob_choice("probe", {"round_robin", "random"}),
      sim::knob_integer("k", 3, 4),
      {"retransmit_mult", "uniform in 2..4",
       [](sim::Rng& rng, const nlohmann::json&) { return nlohmann::json(static_cast<double>(rng.uniform_int(2, 4))); }},
      sim::knob_integer("piggyback", 4, 32),
      {"ping_timeout", "log-uniform in [max(20ms, 4 round trips), 400ms]",
       [](sim::Rng& rng, const nlohmann::json& drawn) {
         const sim::Duration lo = std::min(sim::Duration::millis(400), std::max(sim::Duration::millis(20), sim::round_trip(drawn) * 4));
         return nlohmann::json(sim::format_duration(sim::log_uniform(rng, lo, sim::Duration::millis(400))));
       }},
  };
  p.min_nodes = 2;
  p.check_params = check_params;
  p.make_factory = [](const sim::ProtocolConfig& config) -> sim::ProcessFactory {
    const Config cfg = Config::from(config);
    return [cfg](sim::NodeId, const sim::Topology&) -> std::unique_ptr<sim::Process> { return std::make_unique<Member>(cfg); };
  };
  p.decode = sim::message_decoder<Message>();
  p.decode_observation = decode_observation();
  p.observation_types = observation_types();
  p.decode_timer = sim::timer_decoder<Timer>();
  p.timer_types = sim::timer_names<Timer>();
  p.story = sim::observation_names<Refuted, Joined, Left>();
  p.heartbeat = [](const sim::Envelope& m) {
    const Message& msg = m.as<Message>();
    if (const auto* ping = std::get_if<Ping>(&msg)) return ping->updates.empty();
    if (const auto* ack = std::get_if<Ack>(&msg)) return ack->updates.empty();
    return false;
  };
  return p;
}

}  // namespace dsim::swim
