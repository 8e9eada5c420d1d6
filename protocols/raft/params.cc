#include "protocols/raft/params.h"

namespace dsim::raft {

std::vector<sim::ParamSpec> param_specs() {
  using sim::ParamType;
  return {
      {"election_timeout", ParamType::duration_range, nlohmann::json::array({"150ms", "300ms"}),
       "randomized election timeout [min, max] (local clock), §5.2", 1000, 1e18, {}},
      {"heartbeat", ParamType::duration, "50ms", "leader heartbeat interval (local clock)", 1000, 1e18, {}},
      {"pre_vote", ParamType::boolean, true, "PreVote before a real election (dissertation §9.6)", -1e18, 1e18, {}},
      {"check_quorum", ParamType::boolean, true,
       "a leader steps down when it has not heard from a majority for an election timeout; followers ignore votes "
       "within the minimum election timeout of hearing from a leader (dissertation §6.2, §4.2.3)",
       -1e18, 1e18, {}},
      {"snapshot_every", ParamType::integer, 0, "snapshot the state machine every N applied entries (0 = off)", 0, 1e9, {}},
      {"max_batch", ParamType::integer, 64, "most entries in one AppendEntries", 1, 1e6, {}},
      {"read_mode", ParamType::string, "log",
       "linearizable reads through the log, by ReadIndex, or by a leader lease (unsafe under clock drift)", -1e18,
       1e18, {"log", "read_index", "lease"}},
  };
}

std::vector<sim::ParamSpec> workload_specs() {
  using sim::ParamType;
  return {
      {"rate", ParamType::number, 20.0,
       "operations offered per second per client node (open loop; skipped and counted when all its processes are "
       "busy)",
       0, 1e6, {}},
      {"concurrency", ParamType::integer, 4,
       "logical processes per client node, each with one operation outstanding and its own session (client id, "
       "sequence numbers) and Jepsen process id",
       1, 255, {}},
      {"keys", ParamType::integer, 3, "number of keys k0..k(N-1)", 1, 1e6, {}},
      {"read_ratio", ParamType::number, 0.5, "fraction of operations that are gets", 0, 1, {}},
      {"timeout", ParamType::duration, "200ms", "client timeout per attempt", 1000, 1e18, {}},
      {"attempts", ParamType::integer, 8, "attempts (sends) before an operation is given up as info", 1, 1000, {}},
      {"arrivals", ParamType::string, "poisson",
       "poisson: exponential gaps of mean 1/rate; periodic: exactly every 1/rate, the first at 1/rate (for "
       "scenarios that time faults against given operations)",
       -1e18, 1e18, {"poisson", "periodic"}},
      {"count", ParamType::integer, 0, "operations per client node (0 = no limit)", 0, 1e9, {}},
  };
}

Config Config::from(const sim::ProtocolConfig& c) {
  Config out;
  const auto [lo, hi] = c.params.duration_range("election_timeout");
  out.election_timeout_min = lo;
  out.election_timeout_max = hi;
  out.heartbeat = c.params.duration("heartbeat");
  out.pre_vote = c.params.boolean("pre_vote");
  out.check_quorum = c.params.boolean("check_quorum");
  out.snapshot_every = static_cast<uint64_t>(c.params.integer("snapshot_every"));
  out.max_batch = static_cast<uint64_t>(c.params.integer("max_batch"));
  const std::string mode = c.params.string("read_mode");
  out.read_mode = mode == "read_index" ? ReadMode::read_index : mode == "lease" ? ReadMode::lease : ReadMode::log;
  out.bugs = Bugs::from(c);
  return out;
}

Workload Workload::from(const sim::ProtocolConfig& c) {
  Workload w;
  w.rate = c.workload.number("rate");
  w.concurrency = static_cast<uint32_t>(c.workload.integer("concurrency"));
  w.keys = static_cast<uint32_t>(c.workload.integer("keys"));
  w.read_ratio = c.workload.number("read_ratio");
  w.timeout = c.workload.duration("timeout");
  w.attempts = static_cast<uint32_t>(c.workload.integer("attempts"));
  w.periodic = c.workload.string("arrivals") == "periodic";
  w.count = static_cast<uint64_t>(c.workload.integer("count"));
  return w;
}

}  // namespace dsim::raft
