// Raft's safety properties (Figure 3 of the paper) and a liveness check, from the trace only:
// the observations a server makes (became_leader, stepped_down, log_append, log_truncate,
// snapshot_installed, commit, apply, recovered) and crash events. No invariant reads a node.
//
// raft.election_safety       at most one leader can be elected in a given term (§5.2)
// raft.leader_append_only    a leader never overwrites or deletes entries in its log (§5.3)
// raft.log_matching          if two logs contain an entry with the same index and term, the logs
//                            are identical in all entries up through that index (§5.3)
// raft.leader_completeness   if an entry is committed in a term, it is present in the logs of the
//                            leaders of all higher-numbered terms (§5.4)
// raft.state_machine_safety  if a server has applied an entry at an index, no other server ever
//                            applies a different entry at that index (§5.4.3)
// raft.liveness              after the last fault heals (plus a grace period), a leader is in
//                            place and stays, and every client operation completes (ok, fail or
//                            info); operations invoked once the leader is settled complete ok.
//                            Skipped when a fault never heals or heals too close to the end.
//
// Logs are mirrored per server as a running hash over (term, command digest) per index, so
// log matching and leader completeness compare whole prefixes in O(1).
#pragma once

#include <memory>

#include "sim/invariant.h"

namespace dsim::raft {

std::unique_ptr<sim::Invariant> make_election_safety(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_leader_append_only(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_log_matching(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_leader_completeness(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_state_machine_safety(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_liveness(const sim::InvariantEnv& env);
// Why a drawn configuration does not promise raft.liveness ("" when it does).
std::string liveness_not_promised(const sim::InvariantEnv& env);

// raft.liveness's bound: once the last fault heals, one leader must settle within this many
// of the largest election timeout (every text that states the bound reads it from here).
inline constexpr int kSettleElectionTimeouts = 5;

}  // namespace dsim::raft
