// Faults at run time: installs a scenario's faults into a simulation as timed actions that
// use the engine's mechanisms (crash/restart, connectivity, clocks, message filters), runs
// the random nemesis, and remembers every fault that fired with its concrete targets so the
// run can be written out as a fixed schedule (--emit-schedule) that replays identically.
//
// Every fault that fires is a trace event ("fault") whose data is the fault in canonical form
// with concrete targets; every fault that ends is another ("heal", "restart",
// "clock_restore", "end"). A fault whose selector matched no node says so in its record
// ("note") and in notes(). Faults draw randomness only from their own named streams.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "faults/spec.h"
#include "sim/scenario.h"
#include "sim/simulation.h"

namespace dsim::faults {

// The scenario section that reads and validates "faults".
const sim::ScenarioSection& section();

// Kinds with an example each, for `dsim list` and the README.
const std::vector<std::pair<std::string, std::string>>& fault_kinds();

class Installed {
 public:
  virtual ~Installed() = default;
  // Every fault that fired so far, in firing order, in canonical form with concrete targets.
  virtual const std::vector<nlohmann::json>& fired() const = 0;
  // What the run should say about its faults: a fault whose selector matched no node
  // ("fault 0 (crash leader at 1000.000ms) hit no node: no node matched \"leader\" (...)").
  virtual const std::vector<std::string>& notes() const = 0;
};

// The scenario's faults read back from its resolved form (what the trace header records).
std::vector<Fault> resolved_faults(const sim::Scenario& scenario);

// Installs the scenario's faults (nullptr when it has none). Keep it alive for the run.
std::unique_ptr<Installed> install(sim::Simulation& simulation, const sim::Scenario& scenario);

// The scenario with its faults replaced by the explicit schedule that fired.
nlohmann::json explicit_schedule(const sim::Scenario& scenario, const Installed* installed);

}  // namespace dsim::faults
