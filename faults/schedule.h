// Scheduled faults: the scenario's "faults" list, validated at load time and installed into a
// simulation as timed actions that use the engine's mechanisms (crash/restart, connectivity,
// clocks). Every fault that fires is a trace event naming its concrete targets.
//
// Kinds so far: crash, restart, partition (groups; a node in two groups bridges them),
// isolate, cut (asymmetric: from -> to), heal, clock (jump and/or drift). `for` ends a fault
// (restart, reconnect, clock back). Targets are node names, lists, or selectors resolved when
// the fault fires: all, random, minority, majority, drawn from the fault's own rng stream
// "fault/<index>", so removing one fault changes no other fault's choices.
//
// Not yet: omission, Byzantine, slow links, duplication bursts, the random nemesis and
// protocol selectors such as "leader" (see the faults issue).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario.h"
#include "sim/simulation.h"

namespace dsim::faults {

// The scenario section that reads and validates "faults".
const sim::ScenarioSection& section();

// Kinds with their keys, for `dsim list` and the README.
const std::vector<std::pair<std::string, std::string>>& fault_kinds();

// Live state of the installed faults (cut-link reference counts, pending ends). Keep it
// alive for the whole run.
class Installed {
 public:
  virtual ~Installed() = default;
};
std::unique_ptr<Installed> install(sim::Simulation& simulation, const sim::Scenario& scenario);

}  // namespace dsim::faults
