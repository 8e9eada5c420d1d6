// SWIM's properties, from observations only (status, refuted, joined, left), crash and restart
// events, and the fault events (to know when the network is calm: nothing worse than message loss).
//
// swim.accuracy      no member declares dead, by its own probe or its own suspicion timing out, a
//                    member that has been up for the accuracy window while the network has been calm
//                    for as long (message loss alone allowed). Basic SWIM (suspicion off) breaks it
//                    under loss; with suspicion (§4.2) a live member refutes in time.
// swim.completeness  a member that crashes (and stays down) or leaves is held dead or left by every
//                    member up since then within the completeness bound, counted from the crash or
//                    from when the network last became calm, whichever is later.
// swim.convergence   after the last fault heals and the last join or leave, within the convergence
//                    bound, every live member is in the group and all live members' views agree: each
//                    holds exactly the live members as members (alive or suspected).
#pragma once

#include <cstdint>
#include <memory>

#include "protocols/gossip/swim/params.h"
#include "sim/invariant.h"

namespace dsim::swim {

std::unique_ptr<sim::Invariant> make_accuracy(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_completeness(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_convergence(const sim::InvariantEnv& env);

// In periods, for N members. Dissemination (§4.1): an update reaches every member within
// 2(log2 N + ln N) periods with high probability (each informed member passes it on at least
// once a period, so it spreads faster than the push epidemic of Demers et al.).
uint64_t dissemination_periods(uint32_t members);
// First detection: a crashed member escapes every other member's probe for p periods with
// probability about e^-p (§3.1: each member is probed in a period with probability
// 1 - (1 - 1/(N-1))^(N-1) ~ 1 - 1/e, round robin included); 12 periods, then one more for the probe
// to time out, then the suspicion timeout, then the dissemination of the declaration, plus 10.
sim::Duration completeness_bound(const Config& cfg, uint32_t members);
// After the faults heal: a member held dead by mistake (a healed partition, a restart) hears it
// within reconnect_every + 2 periods (it pings a member holding it dead, or is pinged, or rejoins),
// refutes, and its refutation spreads; crashes that happened just before need the completeness bound.
sim::Duration convergence_bound(const Config& cfg, uint32_t members);
// A declaration is judged only if its member has been up, and the network calm, this long before.
sim::Duration accuracy_window(const Config& cfg, uint32_t members);

}  // namespace dsim::swim
