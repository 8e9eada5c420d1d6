// Registers the quorum store with the protocol registry: parameters, workload, invariants, known
// bugs, a Byzantine strategy, selectors, the fault budget and the checks of N, R and W against the
// cluster.
#include <algorithm>

#include "protocols/quorum/client.h"
#include "protocols/quorum/invariants.h"
#include "protocols/quorum/metrics.h"
#include "protocols/quorum/node.h"
#include "protocols/quorum/observations.h"
#include "protocols/quorum/timers.h"
#include "protocols/registry.h"
#include "sim/config.h"
#include "sim/scenario.h"

namespace dsim::quorum {

namespace {

void check_params(const sim::Scenario& s, const sim::ConfigSource& source) {
  const Config cfg = Config::from(s.config);
  const uint32_t servers = s.nodes;
  const auto at = [](const char* key) { return std::string("/protocol/params/") + key; };
  if (cfg.n > servers)
    sim::fail_at(source, at("n"), std::to_string(cfg.n) + " replicas per key, but only " + std::to_string(servers) + " servers");
  if (cfg.r > cfg.n)
    sim::fail_at(source, at("r"), "a read quorum of " + std::to_string(cfg.r) + " is more than the N = " + std::to_string(cfg.n) +
                                      " replicas of a key");
  if (cfg.w > cfg.n)
    sim::fail_at(source, at("w"), "a write quorum of " + std::to_string(cfg.w) + " is more than the N = " + std::to_string(cfg.n) +
                                      " replicas of a key");
  if (cfg.mode == Mode::abd && cfg.r + cfg.w <= cfg.n)
    sim::fail_at(source, at("r"), "ABD needs intersecting quorums: R + W = " + std::to_string(cfg.r + cfg.w) +
                                      " must exceed N = " + std::to_string(cfg.n));
  if (cfg.joiners + cfg.leavers > servers)
    sim::fail_at(source, at("joiners"), std::to_string(cfg.joiners) + " joiners and " + std::to_string(cfg.leavers) +
                                            " leavers, but only " + std::to_string(servers) + " servers");
  if (servers - cfg.joiners < cfg.n)
    sim::fail_at(source, at("joiners"), "the ring starts with " + std::to_string(servers - cfg.joiners) +
                                            " servers, fewer than the N = " + std::to_string(cfg.n) + " replicas of a key");
  if (servers - cfg.leavers < cfg.n)
    sim::fail_at(source, at("leavers"), "after the leaves the ring would have " + std::to_string(servers - cfg.leavers) +
                                            " servers, fewer than the N = " + std::to_string(cfg.n) + " replicas of a key");
  if (cfg.mode == Mode::abd && cfg.joiners + cfg.leavers > 0)
    sim::fail_at(source, at("joiners"), "joins and leaves are for the dynamo mode (ABD's replica sets are fixed)");
  // (The workload is read after this check: its raw value here.)
  const nlohmann::json& root = source.root();
  const bool pbs = root.contains("workload") && root.at("workload").is_object() &&
                   root.at("workload").contains("experiment") && root.at("workload").at("experiment") == "pbs";
  if (cfg.mode == Mode::abd && pbs)
    sim::fail_at(source, "/workload/experiment", "the staleness experiments measure the dynamo mode (ABD never reads stale)");
  if (cfg.mode == Mode::abd && cfg.fanout == Fanout::quorum)
    sim::fail_at(source, at("fanout"), "ABD's phases wait for quorums of every replica; fanout applies to the dynamo mode");
  if (cfg.mode == Mode::abd && cfg.resolution == Resolution::lww)
    sim::fail_at(source, at("resolution"), "ABD orders writes by its own tags; resolution applies to the dynamo mode");
}

}  // namespace

sim::ProtocolSpec protocol_spec() {
  sim::ProtocolSpec p;
  p.name = "quorum";
  p.description =
      "Quorum replication (DeCandia et al., \"Dynamo\", SOSP 2007): a consistent-hashing ring with virtual nodes, N "
      "replicas per key, reads that wait for R replies and writes for W acknowledgements, dotted version vectors "
      "with siblings (or last-writer-wins by the coordinator's clock), read repair, sloppy quorums with hinted "
      "hand-off, Merkle-tree anti-entropy, joins and leaves; or (mode abd) the ABD linearizable register (Attiya, "
      "Bar-Noy & Dolev 1995), whose reads write back before returning. Workload experiment pbs measures staleness as "
      "in Bailis et al., \"Probabilistically Bounded Staleness\" (VLDB 2012): t-visibility and k-staleness.";
  p.params = config_params().specs();
  p.workload = workload_params().specs();
  p.history_model = "kv";
  p.invariants = {
      {"quorum.no_lost_write",
       "after quiescence (faults healed, writes stopped, then time for hand-off and a read sweep of every key), every "
       "acknowledged write is held, or followed by a version that is held, by an up home replica of its key",
       make_no_lost_write},
      {"quorum.convergence", "after quiescence, the up home replicas of every key hold the same versions",
       make_convergence},
      {"quorum.fresh_reads",
       "a read returns every write of its key acknowledged before the read was invoked, or a version that follows it "
       "(strict quorums with R + W > N guarantee it; R + W <= N and sloppy quorums under partition do not)",
       make_fresh_reads, fresh_not_promised},
      {"quorum.sessions",
       "each client process's read-your-writes, monotonic writes and writes-follow-reads hold (Terry et al. 1994), by "
       "the history checker, a read of siblings standing for the latest of them (checked at the end; strict quorums "
       "give them, R + W <= N and sloppy quorums under partition do not)",
       make_sessions, fresh_not_promised},
      {"quorum.monotonic_reads",
       "each client process's reads never go back (Terry et al. 1994), by the same checker: not even strict quorums "
       "give it, since a read can see a write in progress on one replica that the next read's quorum misses",
       make_monotonic_reads, monotonic_not_promised},
  };
  p.bugs = bug_switches().specs();
  p.message_types = sim::message_type_names<Message>();
  p.byzantine = {{"forget", "answer every read with an empty copy, as if the key had never been written",
                  [](const sim::MessagePtr& msg, sim::NodeId, sim::NodeId, sim::Rng&) -> sim::MessagePtr {
                    if (const auto* r = std::get_if<ReadReply>(&msg->as<Message>()); r && !r->object.empty()) {
                      ReadReply lie = *r;
                      lie.object = Object{};
                      return sim::make_message<Message>(lie);
                    }
                    return msg;
                  }}};
  p.metrics = [](const sim::ProtocolConfig&) { return make_metrics(); };
  p.curve = [](const sim::ProtocolConfig& c) {
    if (Workload::from(c).experiment != Experiment::pbs)
      throw sim::InputError("--curve: the quorum store's curve is that of the staleness experiments: set workload.experiment "
                            "to \"pbs\" (see scenarios/quorum/pbs.json)");
    return make_curve();
  };
  p.selectors = {sim::selector_on<Wrote>("coordinator", "the server that most recently coordinated a write"),
                 sim::selector_on<Hinted>("hint_holder", "the server that most recently took a hinted copy"),
                 sim::selector_on<Stored>("replica", "the home replica whose copy of a key most recently changed"),
                 sim::selector_on<Joined>("joiner", "the server that most recently joined the ring")};
  // Progress: a sloppy quorum needs max(R, W) servers up anywhere; strict quorums and ABD need them
  // among a key's N home replicas. Durability holds whatever crashes: every copy is synced.
  p.budget.max_crashed = [](uint32_t servers, const sim::ProtocolConfig& config) {
    const Config cfg = Config::from(config);
    const uint32_t need = std::max(cfg.r, cfg.w);
    const uint32_t pool = cfg.sloppy && cfg.mode == Mode::dynamo ? servers : std::min(cfg.n, servers);
    return pool > need ? pool - need : 0;
  };
  p.budget.byzantine = false;
  p.budget.lost_unsynced = true;
  p.budget.summary =
      "sloppy quorums: at most S - max(R, W) servers crashed at once; strict quorums and ABD: at most N - max(R, W); any "
      "partitions, omissions, message loss and clock skew; no Byzantine nodes";
  // Swarm knobs: the replication (N, R, W: §4.5 "typical (N,R,W) is (3,2,2)", and applications
  // tune them, W = 1 for writes that never wait; R + W <= N leaves quorum.fresh_reads and
  // quorum.sessions unpromised), sloppy or strict quorums (the same), the coordinator's
  // timeouts (above 5 round trips), the local failure detector and the hand-off interval.
  p.swarm = {
      {"n", "uniform in 1..3 (at most the servers)",
       [](sim::Rng& rng, const nlohmann::json& drawn) {
         return nlohmann::json(rng.uniform_int(1, std::clamp<int64_t>(drawn.value("$servers", int64_t{3}), 1, 3)));
       }},
      sim::knob_up_to("r", "n", "N"),
      sim::knob_up_to("w", "n", "N"),
      sim::knob_boolean("sloppy"),
      sim::knob_timeout("replica_timeout", sim::Duration::millis(20), 5, 5),
      {"request_timeout", "replica_timeout x 3 to 10",
       [](sim::Rng& rng, const nlohmann::json& drawn) {
         const sim::Duration r = sim::drawn_duration(drawn, "replica_timeout");
         return nlohmann::json(sim::format_duration(sim::two_digits(
             sim::Duration::nanos(static_cast<int64_t>(static_cast<double>(r.ns()) * rng.uniform_real(3, 10))))));
       }},
      sim::knob_duration("suspect_for", sim::Duration::millis(100), sim::Duration::seconds(2)),
      sim::knob_duration("handoff_every", sim::Duration::millis(100), sim::Duration::seconds(1)),
  };
  p.min_nodes = 1;
  p.check_params = check_params;
  p.make_factory = [](const sim::ProtocolConfig& config) -> sim::ProcessFactory {
    const Config cfg = Config::from(config);
    const Workload w = Workload::from(config);
    return [cfg, w](sim::NodeId id, const sim::Topology& t) -> std::unique_ptr<sim::Process> {
      if (t.role(id) == sim::Role::server) return std::make_unique<Server>(cfg);
      return std::make_unique<Client>(w, cfg.vnodes, cfg.joiners, cfg.n);
    };
  };
  p.decode = sim::message_decoder<Message>();
  p.decode_observation = decode_observation();
  p.observation_types = observation_types();
  p.decode_timer = sim::timer_decoder<ServerTimer, ClientTimer>();
  p.timer_types = sim::timer_names<ServerTimer, ClientTimer>();
  p.story = sim::observation_names<Hinted, HandedOff, Repaired, Joined, Left, Transferred>();
  return p;
}

}  // namespace dsim::quorum
