// The quorum store's properties, from observations only (wrote, stored, put_ok, get_ok), the
// clients' invoke events and crash/restart events. Causality comes from `wrote`: a version's
// past is the context its client wrote with, so version b follows version a exactly when b's past
// covers a's dot (contexts only grow, so this is transitive without a closure).
//
// quorum.no_lost_write  after quiescence (faults healed, writes stopped, then time for hand-off,
//                       suspicions to expire and the clients' read sweep to pass every key), every
//                       acknowledged write is held, or followed by a version held, by at least one
//                       up home replica of its key (Dynamo mode)
// quorum.convergence    after quiescence, the up home replicas of every key hold the same versions
//                       (Dynamo mode)
// quorum.fresh_reads    a read returns every write of its key acknowledged before the read was
//                       invoked, or a version that follows it: what strict quorums (R + W > N, home
//                       replicas only) guarantee; expected to break with R + W <= N and with sloppy
//                       quorums under partition (Dynamo mode)
// quorum.sessions       read-your-writes, monotonic writes and writes-follow-reads (Terry et al.
//                       1994) for each client process, by the history checker of
//                       sim/check/session.h, a read of siblings standing for the latest of them:
//                       what intersecting quorums and the client's causal context give; expected
//                       to break with R + W <= N and sloppy quorums under partition (Dynamo mode)
// quorum.monotonic_reads the fourth session guarantee, by the same checker: not given even by
//                       strict quorums, since a read can see a write still in progress (or one that
//                       failed) on one replica that the next read's quorum misses; ABD's write-back
//                       is what gives it (Dynamo mode)
// Home replicas are those of the ring at the end (the initial members, plus the servers observed
// joining, minus those observed leaving). In ABD mode the generic `linearizable` invariant (model
// kv) is the check.
#pragma once

#include <memory>

#include "sim/invariant.h"
#include "sim/time.h"

namespace dsim::quorum {

std::unique_ptr<sim::Invariant> make_no_lost_write(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_convergence(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_fresh_reads(const sim::InvariantEnv& env);
// Why a configuration does not promise fresh reads and sessions, or monotonic reads ("" when it
// does): swarm mode skips them then.
std::string fresh_not_promised(const sim::InvariantEnv& env);
std::string monotonic_not_promised(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_sessions(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_monotonic_reads(const sim::InvariantEnv& env);

}  // namespace dsim::quorum
