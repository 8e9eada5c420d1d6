// Scenario files: the strict loader that turns a JSON-with-comments file (plus --set
// overrides) into a validated Scenario, and the canonical JSON form of a Scenario that every
// trace header records (so `dsim check` and `dsim replay` rebuild exactly the same run).
//
// Validation happens here, once, at the boundary: unknown keys, wrong types, unitless or
// negative durations, unknown protocols, parameters, bug switches and invariants, and node
// names out of range are InputErrors naming the key path and the file position.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/network.h"
#include "sim/registry.h"
#include "sim/simulation.h"
#include "sim/topology.h"

namespace dsim::sim {

struct NodeClockSpec {
  NodeId node;
  Duration offset;
  int64_t drift_ppb = 0;
};

struct Expectation {
  // "holds": no invariant may be violated. Otherwise the named invariant must be violated
  // (teaching scenarios that demonstrate a bug).
  std::string violation;  // empty = safety holds
  // Invariants that may break too, as consequences of the expected one (a split commit
  // decision also leaves the shards' states non-atomic). Nothing else may.
  std::vector<std::string> may_also_violate;
  bool expects_violation() const { return !violation.empty(); }
  bool allows(const std::string& invariant) const {
    return invariant == violation ||
           std::find(may_also_violate.begin(), may_also_violate.end(), invariant) != may_also_violate.end();
  }
};

// The most client nodes a scenario may have ("workload": {"clients": M}).
inline constexpr uint32_t kMaxClients = 100'000;

struct Scenario {
  std::string origin;  // file path or "trace header"
  std::string name;
  std::string description;
  uint64_t seed = 1;
  Duration duration = Duration::seconds(10);
  // Stop the run early, at a given time ("until", what `dsim run --until` sets) or at the first
  // safety violation ("stop_at_violation"). The run is then a prefix of the full run (nothing in
  // it depends on the duration), and liveness invariants are skipped: an "eventually" cannot
  // be judged on a run cut short. Both are recorded in the trace header, so `dsim check` and
  // `dsim replay` cut at the same place.
  std::optional<Duration> until;
  bool stop_at_violation = false;
  bool shuffle_ties = false;
  const ProtocolSpec* protocol = nullptr;
  ProtocolConfig config;
  uint32_t nodes = 0;
  uint32_t clients = 0;  // client nodes c1..cM ("workload": {"clients": M})
  NetworkConfig network;
  StorageModel storage;
  std::vector<NodeClockSpec> clocks;
  std::vector<std::string> invariants;  // resolved names: the protocol's, then generic ones
  Expectation expect;
  nlohmann::json resolved;  // canonical form, defaults filled in

  Topology topology() const { return Topology(nodes, clients); }
  // Where the simulation stops: "until" when set, else the duration.
  Duration run_length() const { return until.value_or(duration); }
  SimOptions options() const { return SimOptions{seed, run_length(), shuffle_ties}; }
};

// A top-level scenario section owned by another layer (faults/ reads "faults"), so the
// engine's loader validates it strictly without naming what it contains. read() is called
// after the protocol, nodes and network are known; it validates the section through the
// reader (errors carry positions) and writes its canonical form into `resolved[key()]`,
// which is all the run will use.
class ScenarioSection {
 public:
  virtual ~ScenarioSection() = default;
  virtual std::string_view key() const = 0;
  // Called first, before anything reads the document: a section may rewrite it (swarm mode
  // writes its per-seed draws as ordinary keys, faults/swarm.h). Errors are InputErrors.
  virtual void expand(ConfigSource& /*source*/, const Registry& /*registry*/) const {}
  virtual void read(ConfigReader& root, const Scenario& scenario, nlohmann::json& resolved) const = 0;
};
using Sections = std::vector<const ScenarioSection*>;

// Loads and validates a scenario file. `sets` are "a.b=value" overrides applied in order
// before validation. Throws InputError.
Scenario load_scenario(const std::string& path, const std::vector<std::string>& sets, const Registry& registry,
                       const Sections& sections = {});
// Validates an already parsed document (used for trace headers and tests).
Scenario parse_scenario(ConfigSource source, const Registry& registry, const Sections& sections = {});

}  // namespace dsim::sim
