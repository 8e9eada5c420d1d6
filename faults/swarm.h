// Swarm mode: every seed draws its own test configuration.
//
// Swarm testing (Groce, Zhang, Eide, Chen, Regehr, "Swarm Testing", ISSTA 2012) observes that
// one configuration with every feature on is a poor test: features suppress one another (a
// partition that is always on hides the crash pattern that needs a connected majority), so a
// suite finds more bugs when each test omits a random subset of them. FoundationDB's
// simulator and TigerBeetle's VOPR do the same with their fault and timing knobs.
//
// A scenario's "swarm" section names ranges; for each seed, expand() draws from the seed's own
// "swarm" stream (child streams "swarm/faults", "swarm/network", "swarm/storage",
// "swarm/protocol", so turning one category off shifts no other) and writes the draws into the
// document as ordinary keys, before anything else reads it:
//   - faults: which fault kinds are on (each kind of the pool with probability 1/2, at least
//     one), the mean gap between faults, how many at once, the range of their lengths and how
//     often a crash loses unsynced writes: one nemesis entry appended to "faults", inside the
//     protocol's fault budget;
//   - network: the latency distribution's shape and scale, loss and duplication (keys the
//     scenario sets itself are kept);
//   - storage: the sync latency distribution, or none;
//   - protocol: every knob the protocol declares safe to vary (ProtocolSpec::swarm), except
//     parameters the scenario sets itself.
// The section is then replaced by {"seed": S, "drawn": {...}}, so the scenario is explicit:
// the trace header, --emit-schedule, replay and shrink see an ordinary scenario that gives
// the identical digest, and `dsim sweep --out` lines carry the draws.
#pragma once

#include <array>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario.h"

namespace dsim::faults {

// The "swarm" section: expands the draws (above), then validates the drawn record.
const sim::ScenarioSection& swarm_section();

// What swarm mode can vary, for `dsim list` and the README: key, default, how it is drawn.
const std::vector<std::array<std::string, 3>>& swarm_keys();

// The drawn record of a scenario ("swarm": {"drawn": ...} in its resolved form), or nullptr
// when it is not a swarm run.
const nlohmann::json* swarm_drawn(const sim::Scenario& scenario);
// One line for people: "crash+slow every 120ms, 1-2 at once, 5ms..300ms; latency ...".
std::string swarm_summary(const nlohmann::json& drawn);
// The drawn record as flat settings for comparing seeds ("fault.crash": true,
// "params.pre_vote": false, "network.loss": 0.02, ...).
nlohmann::json swarm_settings(const nlohmann::json& drawn);

}  // namespace dsim::faults
