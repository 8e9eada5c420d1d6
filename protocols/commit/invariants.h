// The atomic commitment properties (Bernstein, Hadzilacos & Goodman 1987, §7.2: AC1-AC5) and
// the atomicity of the shards' final states, from the trace only. Both 2PC and 3PC register
// them under their own prefix (twopc.ac1_agreement, threepc.ac1_agreement, ...).
//
// Observations read (all carry "txn"):
//   client       submit {participants, writes}          outcome {outcome}
//   coordinator  begin {participants}                    decide {decision}
//   participant  vote {vote: yes|no}   decide {decision}   apply {writes} (made visible on commit)
// plus crash and restart events (who is up) and fault, drop and clock events (AC4's "no
// failures" and AC5's "after the faults heal").
//
// ac1_agreement      no two processes decide differently on a transaction
// ac2_irreversible   no process decides twice differently (across its restarts too)
// ac3_commit_needs_all_yes  commit is decided only if every participant voted yes
// ac4_validity       if all voted yes and nothing failed while the transaction ran, the
//                    decision is commit (checked on transactions whose whole life lies before
//                    the first failure of the run, or after every fault healed)
// ac5_termination    once the faults heal (a node may stay crashed), every process that is up
//                    and took part in a transaction decides it within `bound`, unless every
//                    process that took part crashed while in doubt (total failure: even 3PC
//                    may block until the last process to fail recovers)
// atomic_state       a committed transaction's writes are visible at every participant that
//                    decided it (exactly the writes the client sent), an aborted one's nowhere
#pragma once

#include <memory>

#include "sim/invariant.h"
#include "sim/registry.h"

namespace dsim::commit {

std::unique_ptr<sim::Invariant> make_agreement(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_irreversible(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_commit_needs_all_yes(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_validity(const sim::InvariantEnv& env);
// `bound_timeouts`: how many of the protocol's `timeout` parameter the termination may take.
std::unique_ptr<sim::Invariant> make_termination(const sim::InvariantEnv& env, int64_t bound_timeouts);
std::unique_ptr<sim::Invariant> make_atomic_state(const sim::InvariantEnv& env);

// The six, named "<prefix>.ac1_agreement" and so on, for a protocol's registration.
// `model` names the protocol in the help texts; AC5's bound is `bound_timeouts` x timeout.
std::vector<sim::InvariantSpec> invariant_specs(const std::string& prefix, int64_t bound_timeouts);

}  // namespace dsim::commit
