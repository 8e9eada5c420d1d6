// A commit protocol node's configuration: the base timeout, the workload's no-vote probability
// (participants draw it) and the protocol's known-bug switches.
#pragma once

#include "sim/registry.h"
#include "sim/time.h"

namespace dsim::commit {

template <class Bugs>
struct Config {
  sim::Duration timeout = sim::Duration::millis(100);
  double vote_no = 0;
  Bugs bugs;
  static Config from(const sim::ProtocolConfig& c) {
    return Config{c.params.duration("timeout"), c.workload.number("vote_no"), Bugs::from(c)};
  }
};

}  // namespace dsim::commit
