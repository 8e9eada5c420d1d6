// 3PC's parameters, known-bug switches and the node configuration.
//
// 3PC is correct only in a synchronous system: every message arrives within a bound Δ, and
// the timeouts are set well above it, so a timeout means a crash. With `timeout` = T (Δ <= T/4
// assumed): the coordinator waits T for votes and T for pre-commit acks; a participant waits
// 2T for CanCommit (working), 2T for the coordinator's next message (uncertain or
// committable); a termination round waits T for states, T for acks, and participants give a
// round 4T before they move on to the next recovery coordinator.
#pragma once

#include "sim/registry.h"
#include "protocols/commit/config.h"

namespace dsim::threepc {

struct Bugs {
  // Skeen's naive timeout transitions instead of the termination protocol: an uncertain
  // participant that times out aborts, a committable one commits, each on its own. When the
  // coordinator dies between pre-committing some participants and the rest, they decide
  // differently. Caught by threepc.ac1_agreement.
  bool no_termination = false;
  static Bugs from(const sim::ProtocolConfig& c) { return Bugs{c.has_bug("no_termination")}; }
};

using Config = commit::Config<Bugs>;

}  // namespace dsim::threepc
