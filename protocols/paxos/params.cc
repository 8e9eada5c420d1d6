#include "protocols/paxos/params.h"

namespace dsim::paxos {

sim::ParamTable<Config> config_params() {
  return {
      sim::param("mode", &Config::mode,
                 "single: one value (the Synod protocol, \"Paxos Made Simple\" §2), every proposer proposing its "
                 "own; multi: a replicated log of client commands under a stable leader (§3)",
                 {{"single", Mode::single}, {"multi", Mode::multi}}),
      sim::param("q1", &Config::q1,
                 "phase-1 (prepare) quorum size, Flexible Paxos; 0 = a majority or, if larger, N - |Q2| + 1. |Q1| + |Q2| "
                 "must exceed the number of servers",
                 0, 1'000'000),
      sim::param("q2", &Config::q2, "phase-2 (accept) quorum size, Flexible Paxos; 0 = a majority", 0, 1'000'000),
      sim::param("proposers", &Config::proposers,
                 "servers n1..nK propose (single) or may lead (multi); 0 = every server", 0, 1'000'000),
      sim::param("heartbeat", &Config::heartbeat, "multi: leader heartbeat interval (local clock)"),
      sim::param("leader_timeout", &Config::leader_timeout_min, &Config::leader_timeout_max,
                 "multi: a server that hears no heartbeat for a delay drawn from [min, max] starts phase 1"),
      sim::param("retry", &Config::retry_min, &Config::retry_max,
                 "back-off before a pre-empted or timed-out proposer tries again with a higher ballot, drawn from "
                 "[min, max] (equal bounds: symmetric retries, which can duel forever, §2.4)"),
      sim::param("phase_timeout", &Config::phase_timeout,
                 "how long a proposer waits for a quorum of promises (or, single, of acceptances) before retrying"),
      sim::param("max_catch_up", &Config::max_catch_up, "most decisions sent in one answer to a lagging learner", 1,
                 1'000'000),
  };
}

Config Config::from(const sim::ProtocolConfig& c) {
  Config out = config_params().parse(c.params);
  out.bugs = bug_switches().parse(c);
  return out;
}

}  // namespace dsim::paxos
