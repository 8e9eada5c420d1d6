// Known-bug switches: each re-introduces a classic Paxos mistake at exactly one guarded site
// (grep for `cfg_.bugs.<name>`), so the test suite can show that a sweep finds it and that the
// invariant named below catches it. bug_switches() declares them for the registry.
#pragma once

#include "sim/declare.h"

namespace dsim::paxos {

struct Bugs {
  // "Paxos Made Simple" §2.3 ("an acceptor must remember this information even if it fails and
  // then restarts"): the promise is kept only in memory, so a restarted acceptor may promise
  // or accept a ballot below one it already promised. Caught by paxos.promise_monotonic.
  bool forget_promise = false;
  // §2.2, phase 2(a): "v is the value of the highest-numbered proposal among the responses, or
  // is any value if the responses reported no proposals". The proposer ignores the reported
  // values and proposes its own (a no-op for an unresolved slot in Multi-Paxos), so a chosen
  // value can be replaced. Caught by paxos.agreement.
  bool ignore_accepted = false;
  // §2.2, P1a: "An acceptor can accept a proposal numbered n iff it has not responded to a
  // prepare request having a number greater than n." The acceptor accepts any ballot.
  // Caught by paxos.accept_respects_promise.
  bool accept_lower_ballot = false;
  // Flexible Paxos (Howard, Malkhi, Spiegelman 2016) needs every phase-1 quorum to intersect
  // every phase-2 quorum, |Q1| + |Q2| > N. This switch lets a scenario run with quorums that do
  // not, so two leaders can choose different values. Caught by paxos.agreement.
  bool non_intersecting_quorums = false;
  // The learner keeps its decisions only in memory, so a restarted learner learns (and reports)
  // the same slots again. Harmless to agreement, but a learner must learn a slot once.
  // Caught by paxos.integrity.
  bool forget_decisions = false;
};

inline sim::BugTable<Bugs> bug_switches() {
  return {
      {"forget_promise", &Bugs::forget_promise,
       "acceptors keep their promise only in memory; a restarted acceptor forgets it (caught by "
       "paxos.promise_monotonic)"},
      {"ignore_accepted", &Bugs::ignore_accepted,
       "phase 2 proposes the proposer's own value instead of the highest-ballot value reported in the promises "
       "(caught by paxos.agreement)"},
      {"accept_lower_ballot", &Bugs::accept_lower_ballot,
       "acceptors accept a ballot below their promise (caught by paxos.accept_respects_promise)"},
      {"non_intersecting_quorums", &Bugs::non_intersecting_quorums,
       "Flexible Paxos quorums that need not intersect: sizes with |Q1| + |Q2| <= N are accepted, and a phase-1 "
       "quorum left to be derived (q1 = 0) is one too small (caught by paxos.agreement)"},
      {"forget_decisions", &Bugs::forget_decisions,
       "learners keep their decisions only in memory; a restarted learner learns slots again (caught by "
       "paxos.integrity)"},
  };
}

}  // namespace dsim::paxos
