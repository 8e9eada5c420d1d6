// 2PC's parameters and the node configuration built from them.
#pragma once

#include "protocols/twopc/bugs.h"
#include "sim/time.h"

namespace dsim::twopc {

// One base timeout drives every wait: the coordinator's wait for votes, a working
// participant's wait for the vote request (twice it), a prepared participant's wait for the
// decision before it asks (then backing off to 8x), and the coordinator's resend interval.
struct Config {
  sim::Duration timeout = sim::Duration::millis(100);
  double vote_no = 0;
  Bugs bugs;
  static Config from(const sim::ProtocolConfig& c) {
    return Config{c.params.duration("timeout"), c.workload.number("vote_no"), Bugs::from(c)};
  }
};

}  // namespace dsim::twopc
