// Runs one scenario: builds the simulation from a validated Scenario, attaches the digest,
// the optional JSONL trace and the invariants, runs it and reports the outcome. Shared by
// `dsim run`, `dsim bench` and the tests (and later sweeps), so all of them run a scenario
// in exactly the same way.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/invariant.h"
#include "sim/metrics.h"
#include "sim/json_source.h"
#include "sim/scenario.h"
#include "sim/simulation.h"

namespace dsim::cli {

struct RunRequest {
  const sim::Scenario* scenario = nullptr;
  std::string trace_path;  // empty: no JSONL file
  std::string history_path;  // empty: no client history file (dsim run --history)
  bool trace_states = true;  // the file records nodes' states (for dsim state/step/view)
  bool digest = true;
  bool invariants = true;
  bool emit_schedule = false;  // fill RunOutcome::schedule
  std::vector<sim::TraceSink*> extra_sinks;  // e.g. replay's comparing sink
  bool metrics = false;                       // compute summary metrics (RunOutcome::metrics)
  sim::LogSink* log = nullptr;                // the nodes' log lines (dsim run --log-level)
};

struct RunOutcome {
  sim::RunStats stats;
  std::string digest;  // empty when the digest was off
  std::vector<sim::InvariantResult> invariants;
  double wall_seconds = 0;
  nlohmann::json schedule;  // the scenario with its faults written out as fired (emit_schedule)
  sim::MetricLines metrics;
  // Why the run ended before the scenario's end ("until", "stop_at_violation"); "" when it
  // ran to its end. Liveness invariants were then skipped with this reason.
  std::string stopped;
  // Notes on the run's faults (a selector that matched no node), one line each.
  std::vector<std::string> notes;
  bool any_violation() const;
  // Expectation met: no violation (safety "holds"), or exactly the expected one happened (or,
  // on a run cut short, it was skipped there: a liveness violation cannot show before the end).
  bool as_expected(const sim::Expectation& expect) const;
};

// The scenario sections other layers own ("faults").
const sim::Sections& sections();
// Loads and validates a scenario file with every section (what `dsim run` does).
sim::Scenario load(const std::string& path, const std::vector<std::string>& sets);
// Validates an in-memory scenario document (plus --set overrides) with every section.
sim::Scenario load_document(sim::JsonDocument doc, const std::vector<std::string>& sets);

// Builds the invariants a scenario asks for. The invariants may keep pointers into `scenario`
// and the set's topology: keep the scenario alive as long as the set.
void add_invariants(const sim::Scenario& scenario, sim::InvariantSet& set);

RunOutcome execute(const RunRequest& request);

// A trace's invariants checked offline, as `dsim check` does: built from the scenario in the
// trace header (start), fed every event read back, finished at the recorded end.
class OfflineInvariants {
 public:
  void start(const sim::Scenario& scenario);  // and stops at the first violation when it did
  void on_event(const sim::TraceEvent& ev) { set_->on_event(ev); }
  // A run cut short ("until", "stop_at_violation") skips liveness as it did live; stopped()
  // says why it ended early ("" when it ran to its end).
  std::vector<sim::InvariantResult> finish(sim::Time end);
  const std::string& stopped() const { return stopped_; }

 private:
  std::unique_ptr<sim::Scenario> scenario_;  // the invariants' env points into these
  std::unique_ptr<sim::Topology> topology_;
  std::unique_ptr<sim::InvariantSet> set_;
  std::string stopped_;
};

// Why a run ended before the scenario's end ("" when it ran to its end): the scenario's
// "until", or the violation that stopped it under "stop_at_violation" (the set must have been
// told with stop_at_violation()). The same text live and in `dsim check`.
std::string cut_reason(const sim::Scenario& scenario, const sim::InvariantSet& invariants);
// Sets the scenario's "until" from `dsim run --until` (overriding the file's), validated
// against its duration: an InputError naming `flag` otherwise.
void set_until(sim::Scenario& scenario, const std::string& flag, const std::string& value);

// The build identity written into trace headers.
std::string build_id();

}  // namespace dsim::cli
