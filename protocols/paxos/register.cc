// Registers Paxos with the protocol registry: parameters, workload, invariants, known bugs, a
// Byzantine strategy, the selectors, the fault budget (Flexible Paxos quorums included) and the
// check that phase-1 and phase-2 quorums intersect.
#include <algorithm>

#include "protocols/common/kv_client.h"
#include "protocols/paxos/invariants.h"
#include "protocols/paxos/metrics.h"
#include "protocols/paxos/node.h"
#include "protocols/paxos/observations.h"
#include "protocols/paxos/timers.h"
#include "protocols/registry.h"
#include "sim/config.h"
#include "sim/scenario.h"

namespace dsim::paxos {

using Client = kv::Client<Message, ClientRequest, ClientReply>;

namespace {

// FPaxos §3: safety needs every phase-1 quorum to intersect every phase-2 quorum, which for
// quorums by size means |Q1| + |Q2| > N.
void check_params(const sim::Scenario& s, const sim::ConfigSource& source) {
  const Config cfg = Config::from(s.config);
  const uint32_t n = s.nodes;
  const auto at = [](const char* key) { return std::string("/protocol/params/") + key; };
  if (cfg.q1 > n) sim::fail_at(source, at("q1"), "a phase-1 quorum of " + std::to_string(cfg.q1) + " is more than the " +
                                                     std::to_string(n) + " servers");
  if (cfg.q2 > n) sim::fail_at(source, at("q2"), "a phase-2 quorum of " + std::to_string(cfg.q2) + " is more than the " +
                                                     std::to_string(n) + " servers");
  if (cfg.proposers > n)
    sim::fail_at(source, at("proposers"), std::to_string(cfg.proposers) + " proposers, but only " + std::to_string(n) +
                                              " servers");
  const uint32_t q1 = cfg.phase1_quorum(n), q2 = cfg.phase2_quorum(n);
  if (q1 + q2 <= n && !cfg.bugs.non_intersecting_quorums)
    sim::fail_at(source, at(cfg.q1 ? "q1" : "q2"),
                 "quorums |Q1| = " + std::to_string(q1) + " and |Q2| = " + std::to_string(q2) + " of " +
                     std::to_string(n) + " servers need not intersect (|Q1| + |Q2| must exceed " + std::to_string(n) +
                     ", Flexible Paxos); the bug switch non_intersecting_quorums allows it");
}

}  // namespace

sim::ProtocolSpec protocol_spec() {
  sim::ProtocolSpec p;
  p.name = "paxos";
  p.description =
      "Paxos (Lamport, \"Paxos Made Simple\" 2001): single-decree Synod (mode single, every proposer proposing its "
      "own value) or Multi-Paxos (mode multi, the default: a stable leader, phase 1 once for all slots, no-ops for "
      "gaps) running the same replicated key-value store as Raft, with Flexible Paxos quorum sizes (Howard, Malkhi & "
      "Spiegelman 2016).";
  p.params = config_params().specs();
  p.workload = workload_params().specs();
  p.history_model = "kv";
  p.invariants = {
      {"paxos.agreement",
       "at most one value is chosen per slot: learners agree, and no two values each win a phase-2 quorum (PMS §2.1)",
       make_agreement},
      {"paxos.validity", "only a proposed value is learned (PMS §2.1)", make_validity},
      {"paxos.integrity", "a learner learns each slot at most once, across restarts", make_integrity},
      {"paxos.promise_monotonic", "an acceptor's promise never decreases, across restarts (PMS §2.2, §2.3)",
       make_promise_monotonic},
      {"paxos.accept_respects_promise",
       "an acceptor accepts ballot n only if it promised nothing higher (P1a, PMS §2.2)", make_accept_respects_promise},
      {"paxos.liveness",
       "after the last fault heals, within " + std::to_string(kSettleTimeouts) +
           " of the largest leader timeout (multi) or retry + phase timeout (single): one leader settles and every "
           "client operation completes (multi), or every server learns the value (single)",
       make_liveness},
  };
  p.bugs = bug_switches().specs();
  p.message_types = sim::message_type_names<Message>();
  p.byzantine = {{"hide_accepted", "answer every prepare with a promise that reports no accepted values",
                  [](const sim::MessagePtr& msg, sim::NodeId, sim::NodeId, sim::Rng&) -> sim::MessagePtr {
                    if (const auto* r = std::get_if<Promise>(&msg->as<Message>()); r && !r->accepted.empty()) {
                      Promise lie = *r;
                      lie.accepted.clear();
                      return sim::make_message<Message>(lie);
                    }
                    return msg;
                  }}};
  p.metrics = [](const sim::ProtocolConfig& config) { return make_metrics(Config::from(config).mode == Mode::single); };
  p.selectors = {sim::selector_on<BecameLeader>("leader", "the server that most recently completed phase 1"),
                 sim::selector_on<PrepareStarted>("proposers", "the proposer that most recently started phase 1"),
                 sim::selector_on<Promised>("acceptors", "the acceptor that most recently raised its promise")};
  // Progress needs a phase-1 and a phase-2 quorum up; safety holds whatever crashes.
  p.budget.max_crashed = [](uint32_t n, const sim::ProtocolConfig& config) {
    const Config cfg = Config::from(config);
    const uint32_t need = std::max(cfg.phase1_quorum(n), cfg.phase2_quorum(n));
    return n > need ? n - need : 0;
  };
  p.budget.byzantine = false;
  p.budget.lost_unsynced = true;  // acceptors sync before they answer
  p.budget.summary =
      "at most N - max(|Q1|, |Q2|) servers crashed at once (a minority with majority quorums), any partitions, "
      "omissions and clock skew; no Byzantine nodes";
  // Swarm knobs. Timing as for Raft (§5.6's broadcastTime << electionTimeout): the leader
  // timeout's minimum at least 10 round trips, the heartbeat at most a fifth of it; the
  // retry back-off and phase timeout anywhere sensible. The phase-2 quorum: half the time a
  // majority, else any size 1..N; |Q1| is left to be derived (q1 = 0: the smallest that
  // meets every phase-2 quorum).
  p.swarm = {
      {"leader_timeout",
       "min log-uniform in [max(20ms, 10 round trips), max(400ms, 20 round trips)], max = min x 1.5 to 3",
       [](sim::Rng& rng, const nlohmann::json& drawn) {
         const sim::Duration rt = sim::round_trip(drawn);
         const sim::Duration min = sim::log_uniform(rng, std::max(sim::Duration::millis(20), rt * 10),
                                                    std::max(sim::Duration::millis(400), rt * 20));
         const sim::Duration max =
             sim::two_digits(sim::Duration::nanos(static_cast<int64_t>(static_cast<double>(min.ns()) * rng.uniform_real(1.5, 3))));
         return nlohmann::json::array({sim::format_duration(min), sim::format_duration(max)});
       }},
      {"heartbeat", "log-uniform in [leader_timeout min / 10, leader_timeout min / 5]",
       [](sim::Rng& rng, const nlohmann::json& drawn) {
         const sim::Duration min = sim::drawn_duration(drawn, "leader_timeout");
         return nlohmann::json(sim::format_duration(
             sim::log_uniform(rng, std::max(sim::Duration::millis(1), min / 10), std::max(sim::Duration::millis(1), min / 5))));
       }},
      {"retry", "min log-uniform in [1ms, 50ms], max = min x 2 to 10",
       [](sim::Rng& rng, const nlohmann::json&) {
         const sim::Duration min = sim::log_uniform(rng, sim::Duration::millis(1), sim::Duration::millis(50));
         const sim::Duration max =
             sim::two_digits(sim::Duration::nanos(static_cast<int64_t>(static_cast<double>(min.ns()) * rng.uniform_real(2, 10))));
         return nlohmann::json::array({sim::format_duration(min), sim::format_duration(max)});
       }},
      sim::knob_timeout("phase_timeout", sim::Duration::millis(10), 4, 5),
      {"q2", "0 (a majority) with probability 1/2, else uniform in 1..N",
       [](sim::Rng& rng, const nlohmann::json& drawn) {
         const int64_t n = drawn.value("$servers", int64_t{3});
         return nlohmann::json(rng.bernoulli(0.5) ? 0 : rng.uniform_int(1, std::max<int64_t>(1, n)));
       }},
  };
  p.min_nodes = 1;
  p.check_params = check_params;
  p.check_workload = [](const sim::Scenario& s, sim::ConfigReader& workload) {
    if (Config::from(s.config).mode == Mode::single)
      workload.fail("clients", "single-decree Paxos has no clients (its proposers propose their own values); use "
                               "\"mode\": \"multi\" for a replicated key-value store");
  };
  p.make_factory = [](const sim::ProtocolConfig& config) -> sim::ProcessFactory {
    const Config cfg = Config::from(config);
    const Workload w = Workload::from(config);
    return [cfg, w](sim::NodeId id, const sim::Topology& t) -> std::unique_ptr<sim::Process> {
      if (t.role(id) == sim::Role::server) return std::make_unique<Node>(cfg);
      return std::make_unique<Client>(w);
    };
  };
  p.decode = sim::message_decoder<Message>();
  p.decode_observation = decode_observation();
  p.observation_types = observation_types();
  p.decode_timer = sim::timer_decoder<ServerTimer, ClientTimer>();
  p.timer_types = sim::timer_names<ServerTimer, ClientTimer>();
  p.story = sim::observation_names<PrepareStarted, BecameLeader, SteppedDown, Recovered>();
  p.heartbeat = [](const sim::Envelope& m) { return std::holds_alternative<Heartbeat>(m.as<Message>()); };
  return p;
}

}  // namespace dsim::paxos
