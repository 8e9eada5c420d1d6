#include "protocols/gossip/params.h"

namespace dsim::gossip {

sim::ParamTable<Config> config_params() {
  return {
      sim::param("spread", &Config::spread,
                 "rumor: rumor mongering (Demers et al. 1987 §1.4, a complex epidemic); anti_entropy: every member "
                 "reconciles its whole store with a random peer every period (§1.3, a simple epidemic)",
                 {{"rumor", Spread::rumor}, {"anti_entropy", Spread::anti_entropy}}),
      sim::param("direction", &Config::direction,
                 "push: the caller sends; pull: the caller asks; push_pull: both (anti-entropy only)",
                 {{"push", Direction::push}, {"pull", Direction::pull}, {"push_pull", Direction::push_pull}}),
      sim::param("loss", &Config::loss,
                 "rumor: feedback (a contact counts against the rumor only if the peer already knew it) or blind "
                 "(every contact counts)",
                 {{"feedback", Loss::feedback}, {"blind", Loss::blind}}),
      sim::param("stop", &Config::stop,
                 "rumor: counter (lose interest after k counted contacts) or coin (lose interest with probability 1/k "
                 "at each)",
                 {{"counter", Stop::counter}, {"coin", Stop::coin}}),
      sim::param("k", &Config::k, "rumor: the counter or coin parameter", 1, 1'000'000),
      sim::param("period", &Config::period, "the gossip period (a cycle)"),
      sim::param("timing", &Config::timing,
                 "cycles: every member acts at exactly the same instants, multiples of the period (the paper's "
                 "cycles); async: each member's own timer, a random phase and a period jittered by +-10%",
                 {{"cycles", Timing::cycles}, {"async", Timing::async}}),
      sim::param("digest", &Config::digest,
                 "anti-entropy: send versions first and then only the entries that differ (instead of the whole "
                 "store)"),
      sim::param("backup", &Config::backup,
                 "rumor: also run an anti-entropy exchange every this many periods, the paper's backstop against "
                 "residue (0 = none)",
                 0, 1'000'000),
      sim::param("updates", &Config::updates, "updates injected; update u by member u mod N", 0, 1'000'000'000),
      sim::param("first_update", &Config::first_update, "when the first update is injected (0: at start)", sim::Duration{}),
      sim::param("update_every", &Config::update_every, "time between injected updates"),
      sim::param("keys", &Config::keys,
                 "update u writes key u mod keys with version u + 1 (last writer wins by version); 0 = one key per "
                 "update",
                 0, 1'000'000'000),
  };
}

Config Config::from(const sim::ProtocolConfig& c) {
  Config out = config_params().parse(c.params);
  out.bugs = bug_switches().parse(c);
  return out;
}

}  // namespace dsim::gossip
