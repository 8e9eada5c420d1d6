// SWIM's parameters (Das, Gupta, Motivala, DSN 2002) and its known-bug switches.
#pragma once

#include <cmath>
#include <cstdint>

#include "sim/declare.h"
#include "sim/registry.h"
#include "sim/time.h"

namespace dsim::swim {

// Known-bug switches: each re-introduces a mistake at exactly one guarded site (grep for
// `cfg_.bugs.<name>`), found by a sweep and caught by the invariant named below.
struct Bugs {
  // §4.2: a suspected member refutes by gossiping Alive with a higher incarnation number. Here
  // there are no incarnation numbers to raise: a live member cannot refute a suspicion, which
  // then times out into a confirmed failure. Caught by swim.accuracy under message loss.
  bool no_incarnation = false;
  // §4.1: membership updates travel piggybacked on pings, ping-reqs and acks. Here nothing is
  // piggybacked: each member learns of a failure only by probing the failed member itself, up
  // to a whole round-robin traversal later. Caught by swim.completeness.
  bool drop_piggyback = false;
};

inline sim::BugTable<Bugs> bug_switches() {
  return {
      {"no_incarnation", &Bugs::no_incarnation,
       "no incarnation numbers: a suspected live member cannot refute, and is declared dead (caught by "
       "swim.accuracy under message loss)"},
      {"drop_piggyback", &Bugs::drop_piggyback,
       "membership updates are not piggybacked: members learn of a failure only by probing it themselves (caught "
       "by swim.completeness)"},
  };
}

enum class Probe : uint8_t { round_robin, random };

struct Config {
  sim::Duration period = sim::Duration::seconds(1);        // T', the protocol period
  sim::Duration ping_timeout = sim::Duration::millis(200);  // then ping-req through k members
  uint32_t k = 3;
  bool suspicion = true;
  sim::Duration suspicion_timeout;  // 0: 5 x max(1, log10 N) periods
  double retransmit_mult = 3;       // lambda: each update piggybacked ceil(lambda ln(N + 1)) times
  uint32_t piggyback = 16;          // updates per message at most
  Probe probe = Probe::round_robin;
  uint32_t reconnect_every = 5;  // periods between pings to a member held dead (0 = never)
  uint32_t sync_every = 30;      // periods between full state exchanges with a random member (0 = never)
  uint32_t joiners = 0;          // the last `joiners` members start outside the group and join
  sim::Duration join_at = sim::Duration::seconds(2);
  sim::Duration join_every = sim::Duration::millis(500);
  uint32_t leavers = 0;  // the `leavers` initial members before the joiners leave
  sim::Duration leave_at = sim::Duration::seconds(5);
  sim::Duration leave_every = sim::Duration::millis(500);
  Bugs bugs;

  static Config from(const sim::ProtocolConfig& c);
  uint32_t initial(uint32_t n) const { return n - joiners; }
  bool leaver(uint32_t id, uint32_t n) const { return id < initial(n) && id >= initial(n) - leavers; }
  sim::Duration suspicion_after(uint32_t n) const {
    if (suspicion_timeout > sim::Duration{}) return suspicion_timeout;
    const double periods = 5 * std::max(1.0, std::log10(static_cast<double>(std::max<uint32_t>(n, 2))));
    return sim::Duration::nanos(static_cast<int64_t>(periods * static_cast<double>(period.ns())));
  }
  uint32_t retransmits(uint32_t n) const {
    return static_cast<uint32_t>(std::ceil(retransmit_mult * std::log(static_cast<double>(n) + 1)));
  }
};

sim::ParamTable<Config> config_params();

}  // namespace dsim::swim
