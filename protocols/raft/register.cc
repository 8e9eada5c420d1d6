// Registers Raft with the protocol registry: parameters, workload, invariants, known bugs, the
// Byzantine strategy, the "leader" selector and the fault budget.
#include "protocols/raft/client.h"
#include "protocols/raft/invariants.h"
#include "protocols/raft/metrics.h"
#include "protocols/raft/node.h"
#include "protocols/raft/observations.h"
#include "protocols/raft/timers.h"
#include "protocols/registry.h"

namespace dsim::raft {

sim::ProtocolSpec protocol_spec() {
  sim::ProtocolSpec p;
  p.name = "raft";
  p.description =
      "Raft consensus (Ongaro & Ousterhout 2014) with PreVote, CheckQuorum, snapshots and a replicated key-value "
      "store (get, put, append, cas) with exactly-once client sessions; reads through the log, ReadIndex or leases.";
  p.params = config_params().specs();
  p.workload = workload_params().specs();
  p.history_model = "kv";
  p.invariants = {
      {"raft.election_safety", "at most one leader per term (§5.2)", make_election_safety},
      {"raft.leader_append_only", "a leader never overwrites or deletes its log entries (§5.3)", make_leader_append_only},
      {"raft.log_matching", "entries with the same index and term have identical log prefixes (§5.3)", make_log_matching},
      {"raft.leader_completeness", "a leader holds every entry committed in earlier terms (§5.4)",
       make_leader_completeness},
      {"raft.state_machine_safety", "no two servers apply different commands at one index (§5.4.3)",
       make_state_machine_safety},
      {"raft.liveness",
       "after the last fault heals, one leader settles within " + std::to_string(kSettleElectionTimeouts) +
           " election timeouts (the largest) and every client operation completes (skipped if faults never heal or "
           "heal too late)",
       make_liveness, liveness_not_promised},
  };
  p.bugs = bug_switches().specs();
  p.message_types = sim::message_type_names<Message>();
  p.byzantine = {{"vote_for_all", "grant every RequestVote (and PreVote), whatever the log and earlier votes",
                  [](const sim::MessagePtr& msg, sim::NodeId, sim::NodeId, sim::Rng&) -> sim::MessagePtr {
                    if (const auto* r = std::get_if<RequestVoteReply>(&msg->as<Message>())) {
                      RequestVoteReply lie = *r;
                      lie.vote_granted = true;
                      return sim::make_message<Message>(lie);
                    }
                    return msg;
                  }}};
  p.metrics = [](const sim::ProtocolConfig&) { return make_metrics(); };
  p.selectors = {sim::selector_on<BecameLeader>("leader", "the server that most recently became leader")};
  p.budget.max_crashed = [](uint32_t n, const sim::ProtocolConfig&) { return n > 0 ? (n - 1) / 2 : 0; };
  p.budget.byzantine = false;
  p.budget.lost_unsynced = true;  // Raft syncs before it replies
  p.budget.summary = "a minority of servers crashed at once, any partitions, omissions and clock skew; no Byzantine nodes";
  // Swarm knobs: timing and features. Safety holds whatever their values; liveness needs more
  // (§5.6: "broadcastTime << electionTimeout << MTBF"; §9.3: a randomised range breaks split
  // votes). So the timeout's minimum is drawn in round trips of this run (latency and sync as
  // drawn), from 1 to 200 of them (at least 5ms, and the heartbeat at least 500us, which
  // bounds a run's message count), and its range from 1% to 200% wider: the short, narrow settings
  // provoke the split votes and quick leader changes that election bugs need, and
  // raft.liveness is promised (and checked) only when the minimum is at least 10 round trips
  // and the range 1.5x wide. The heartbeat stays below a fifth of the minimum, so a few lost
  // heartbeats in a row do not start an election.
  p.swarm = {
      {"election_timeout",
       "min = m round trips (at least 5ms), m log-uniform in [1, 200]; max = min x (1 + w), w log-uniform in [0.01, 2] (§5.6, §9.3)",
       [](sim::Rng& rng, const nlohmann::json& drawn) {
         const sim::Duration rt = std::max(sim::Duration::micros(100), sim::round_trip(drawn));
         const sim::Duration min = std::max(sim::Duration::millis(5), sim::log_uniform(rng, rt, rt * 200));
         // The range's width over the minimum, log-uniform in [1%, 200%]: as many narrow ranges
         // (split votes repeat, §9.3's 150-151ms) as wide ones.
         const double width = std::exp(rng.uniform_real(std::log(0.01), std::log(2.0)));
         const sim::Duration max = sim::two_digits(sim::Duration::nanos(static_cast<int64_t>(static_cast<double>(min.ns()) * (1 + width))));
         return nlohmann::json::array({sim::format_duration(min), sim::format_duration(std::max(min, max))});
       }},
      {"heartbeat", "log-uniform in [election_timeout min / 10, election_timeout min / 5]",
       [](sim::Rng& rng, const nlohmann::json& drawn) {
         const sim::Duration min = sim::drawn_duration(drawn, "election_timeout");
         return nlohmann::json(sim::format_duration(sim::log_uniform(rng, std::max(sim::Duration::micros(500), min / 10),
                                                                     std::max(sim::Duration::micros(500), min / 5))));
       }},
      sim::knob_boolean("pre_vote"),
      sim::knob_boolean("check_quorum"),
      sim::knob_integer("max_batch", 1, 64),
      {"snapshot_every", "0 (off) or uniform in 5..100",
       [](sim::Rng& rng, const nlohmann::json&) { return nlohmann::json(rng.bernoulli(0.5) ? rng.uniform_int(5, 100) : 0); }},
      sim::knob_choice("read_mode", {"log", "read_index"}),
  };
  p.min_nodes = 1;
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
  p.story = sim::observation_names<ElectionStarted, BecameLeader, SteppedDown, LogTruncate, SnapshotInstalled>();
  p.heartbeat = [](const sim::Envelope& m) {
    const auto* a = std::get_if<AppendEntries>(&m.as<Message>());
    return a && a->entries.empty();
  };
  return p;
}

}  // namespace dsim::raft
