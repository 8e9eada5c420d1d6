#include "protocols/raft/params.h"

namespace dsim::raft {

sim::ParamTable<Config> config_params() {
  return {
      sim::param("election_timeout", &Config::election_timeout_min, &Config::election_timeout_max,
                 "randomized election timeout [min, max] (local clock), §5.2"),
      sim::param("heartbeat", &Config::heartbeat, "leader heartbeat interval (local clock)"),
      sim::param("pre_vote", &Config::pre_vote, "PreVote before a real election (dissertation §9.6)"),
      sim::param("check_quorum", &Config::check_quorum,
                 "a leader steps down when it has not heard from a majority for an election timeout; followers "
                 "ignore votes within the minimum election timeout of hearing from a leader (dissertation §6.2, "
                 "§4.2.3)"),
      sim::param("snapshot_every", &Config::snapshot_every,
                 "snapshot the state machine every N applied entries (0 = off)", 0, 1'000'000'000),
      sim::param("max_batch", &Config::max_batch, "most entries in one AppendEntries", 1, 1'000'000),
      sim::param("read_mode", &Config::read_mode,
                 "linearizable reads through the log, by ReadIndex, or by a leader lease (unsafe under clock drift)",
                 {{"log", ReadMode::log}, {"read_index", ReadMode::read_index}, {"lease", ReadMode::lease}}),
  };
}

Config Config::from(const sim::ProtocolConfig& c) {
  Config out = config_params().parse(c.params);
  out.bugs = bug_switches().parse(c);
  return out;
}

}  // namespace dsim::raft
