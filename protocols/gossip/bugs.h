// Known-bug switches of the gossip protocol: each re-introduces a mistake at exactly one guarded
// site (grep for `cfg_.bugs.<name>`), found by a sweep and caught by the invariant named below.
#pragma once

#include "sim/declare.h"

namespace dsim::gossip {

struct Bugs {
  // Demers et al. §1.4: a rumor must lose interest ("after k unnecessary contacts", or by coin).
  // Here it never does: every member that learns an update pushes it forever and traffic grows
  // without bound. Caught by gossip.traffic (and gossip.rumors_die).
  bool no_feedback = false;
  // §1.1: a key's newest version wins ("last writer wins" by timestamp). Here a member that holds
  // any version of a key keeps it, so overwrites never spread to members that saw an older
  // version. Caught by gossip.convergence.
  bool first_writer_wins = false;
};

inline sim::BugTable<Bugs> bug_switches() {
  return {
      {"no_feedback", &Bugs::no_feedback,
       "rumors never lose interest: every member pushes every update forever, traffic grows without bound (caught "
       "by gossip.traffic and gossip.rumors_die)"},
      {"first_writer_wins", &Bugs::first_writer_wins,
       "a member keeps the first version of a key it sees; newer versions do not replace it (caught by "
       "gossip.convergence)"},
  };
}

}  // namespace dsim::gossip
