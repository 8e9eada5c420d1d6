// pingmesh invariants, from the trace only (send and deliver events with their messages).
//
// reply_matches_ping: every Reply delivered to A from B echoes the id of a Ping that A sent
//   to B earlier. Always applies.
// reply_within_bound: on a lossless network without faults, every Ping is answered within
//   2x the largest link latency. Skipped when the scenario has loss, faults or an unbounded
//   latency distribution (the bound then does not exist).
#pragma once

#include <memory>

#include "sim/invariant.h"

namespace dsim::pingmesh {

std::unique_ptr<sim::Invariant> make_reply_matches_ping(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_reply_within_bound(const sim::InvariantEnv& env);

}  // namespace dsim::pingmesh
