// Paxos's safety properties ("Paxos Made Simple" §2.1 and §2.2) and a liveness check, from the
// trace only: the observations a server makes (promised, accepted, proposed, learned,
// became_leader, stepped_down, recovered) and crash events. No invariant reads a node.
//
// paxos.agreement              at most one value is chosen per slot, ever: every learner learns
//                              the same value in a slot, and no two values are each accepted by
//                              a phase-2 quorum (|Q2| acceptors in one ballot) in one slot
// paxos.validity               only a proposed value is chosen: every learned value was put to
//                              phase 2 as a fresh value (a client command, a proposer's own
//                              value, a no-op)
// paxos.integrity              a learner learns a slot at most once (across restarts)
// paxos.promise_monotonic      an acceptor's promise never decreases, across restarts
// paxos.accept_respects_promise an acceptor accepts ballot n only if it has not promised a
//                              higher one (P1a), across restarts
// paxos.liveness               after the last fault heals: single mode, every server learns the
//                              value within the bound; multi mode, one leader settles within
//                              the bound and stays, and every client operation completes
//                              (operations invoked after it settled complete ok)
#pragma once

#include <memory>

#include "sim/invariant.h"

namespace dsim::paxos {

std::unique_ptr<sim::Invariant> make_agreement(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_validity(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_integrity(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_promise_monotonic(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_accept_respects_promise(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_liveness(const sim::InvariantEnv& env);

// paxos.liveness's bound, in the largest of the leader timeout (multi) or the retry back-off
// plus the phase timeout (single): once the last fault heals, a leader must settle (or every
// server learn) within this many.
inline constexpr int kSettleTimeouts = 5;

}  // namespace dsim::paxos
