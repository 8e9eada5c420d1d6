#include "protocols/gossip/swim/params.h"

namespace dsim::swim {

sim::ParamTable<Config> config_params() {
  return {
      sim::param("period", &Config::period, "the protocol period T': each member probes one member per period (§3.1)"),
      sim::param("ping_timeout", &Config::ping_timeout,
                 "how long a probe waits for the direct ack before asking k members to ping the target (ping-req); "
                 "must be shorter than the period"),
      sim::param("k", &Config::k, "members asked to ping an unresponsive target on the prober's behalf (ping-req)", 0, 64),
      sim::param("suspicion", &Config::suspicion,
                 "true: a target that misses its probe is first suspected and declared dead only if it does not "
                 "refute within the suspicion timeout (§4.2); false: basic SWIM, declared dead at once (§3.1)"),
      sim::param("suspicion_timeout", &Config::suspicion_timeout,
                 "how long a suspected member has to refute before it is declared dead (0: 5 x max(1, log10 N) "
                 "periods)",
                 sim::Duration{}),
      sim::param("retransmit_mult", &Config::retransmit_mult,
                 "lambda: each member piggybacks each update on ceil(lambda ln(N + 1)) messages (§4.1's lambda log n)",
                 0.1, 100),
      sim::param("piggyback", &Config::piggyback, "membership updates carried by one message at most (the least sent first)",
                 1, 4096),
      sim::param("probe", &Config::probe,
                 "round_robin: each member probes the others in a random order, reshuffled after every traversal "
                 "(§4.3, time-bounded completeness); random: a uniformly random member each period (§3.1)",
                 {{"round_robin", Probe::round_robin}, {"random", Probe::random}}),
      sim::param("reconnect_every", &Config::reconnect_every,
                 "every this many periods, ping one member held dead, telling it so (it refutes if alive: how the "
                 "two sides of a healed partition find each other again, as Serf's reconnect does; 0 = never)",
                 0, 1'000'000),
      sim::param("sync_every", &Config::sync_every,
                 "every this many periods, exchange whole views (the entries that differ from the initial membership) "
                 "with a random member, the anti-entropy backup of memberlist's push-pull: what the piggybacked "
                 "dissemination missed, such as a join heard on one side of a partition only (0 = never)",
                 0, 1'000'000),
      sim::param("joiners", &Config::joiners,
                 "the last `joiners` members start outside the group and join through a random initial member", 0,
                 1'000'000'000),
      sim::param("join_at", &Config::join_at, "when the first joiner joins", sim::Duration{}),
      sim::param("join_every", &Config::join_every, "time between joins", sim::Duration{}),
      sim::param("leavers", &Config::leavers,
                 "the last `leavers` initial members leave the group voluntarily (announcing it), one every "
                 "leave_every from leave_at",
                 0, 1'000'000'000),
      sim::param("leave_at", &Config::leave_at, "when the first leaver leaves", sim::Duration{}),
      sim::param("leave_every", &Config::leave_every, "time between leaves", sim::Duration{}),
  };
}

Config Config::from(const sim::ProtocolConfig& c) {
  Config out = config_params().parse(c.params);
  out.bugs = bug_switches().parse(c);
  return out;
}

}  // namespace dsim::swim
