// 3PC's parameters, known-bug switches and the node configuration.
//
// 3PC is correct only in a synchronous system: every message arrives within a bound Δ, and
// the timeouts are set well above it, so a timeout means a crash. With `timeout` = T (Δ <= T/4
// assumed): the coordinator waits T for votes and T for pre-commit acks; a participant waits
// 2T for CanCommit (working), 2T for the coordinator's next message (uncertain or
// committable); a termination round waits T for states, T for acks, and participants give a
// round 4T before they move on to the next recovery coordinator.
#pragma once

#include "protocols/commit/config.h"
#include "sim/declare.h"

namespace dsim::threepc {

struct Bugs {
  // Skeen's naive timeout transitions instead of the termination protocol: an uncertain
  // participant that times out aborts, a committable one commits, each on its own. When the
  // coordinator dies between pre-committing some participants and the rest, they decide
  // differently. Caught by threepc.ac1_agreement.
  bool no_termination = false;
};

inline sim::BugTable<Bugs> bug_switches() {
  return {{"no_termination", &Bugs::no_termination,
           "no termination protocol: a participant that times out decides alone, uncertain -> abort, committable "
           "-> commit (caught by threepc.ac1_agreement)"}};
}

using Config = commit::Config<Bugs>;

}  // namespace dsim::threepc
