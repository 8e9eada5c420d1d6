// The gossip protocol's properties, from observations only (injected, received, infective,
// lost_interest) and crash/restart events.
//
// gossip.convergence   after the last fault heals and the last update is injected, within the
//                      bound, every live member holds the newest version of every key that any
//                      live member holds (skipped for rumor mongering without an anti-entropy
//                      backup: it leaves a residue by design, Demers et al. §1.4)
// gossip.rumors_die    no member keeps a rumor hot for longer than the bound: every rumor loses
//                      interest (rumor mongering only)
// gossip.traffic       no update is carried by more rumor messages (pushes and pull answers) than
//                      twice the rumor life bound per member: traffic stays bounded (rumor
//                      mongering only)
// gossip.validity      a member only ever holds versions that were injected, under their key
#pragma once

#include <cstdint>
#include <memory>

#include "sim/invariant.h"

namespace dsim::gossip {

std::unique_ptr<sim::Invariant> make_convergence(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_rumors_die(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_traffic(const sim::InvariantEnv& env);
std::unique_ptr<sim::Invariant> make_validity(const sim::InvariantEnv& env);

// The bounds, in periods, for N members (and rumor parameter k, and the backup interval):
// anti-entropy spreads in O(log N) periods (§1.3: push takes about log2 N + ln N), and a backup
// fixes the rumors' residue within about ten of its push-pull rounds; rumors
// spread within about log2 N + ln N cycles and then die after about k more contacts (the coin's
// tail is geometric, hence the generous multiple).
uint64_t convergence_bound_periods(uint32_t members, uint32_t backup);
uint64_t rumor_life_bound_periods(uint32_t members, uint32_t k);

}  // namespace dsim::gossip
