#include "tools/cli/runner.h"

#include <chrono>
#include <memory>

#include "faults/healing.h"
#include "faults/schedule.h"
#include "faults/swarm.h"
#include "protocols/registry.h"
#include "sim/jsonl.h"
#include "tools/cli/history_sink.h"
#include "tools/cli/output.h"

namespace dsim::cli {

std::string build_id() { return DSIM_GIT_COMMIT; }

const sim::Sections& sections() {
  static const sim::Sections all{&faults::section(), &faults::swarm_section()};
  return all;
}

sim::Scenario load(const std::string& path, const std::vector<std::string>& sets) {
  return sim::load_scenario(path, sets, protocols::registry(), sections());
}

sim::Scenario load_document(sim::JsonDocument doc, const std::vector<std::string>& sets) {
  sim::ConfigSource source(std::move(doc));
  for (const auto& set : sets) source.apply_set(set);
  return sim::parse_scenario(std::move(source), protocols::registry(), sections());
}

bool RunOutcome::any_violation() const {
  for (const auto& r : invariants)
    if (r.verdict == sim::Verdict::violated) return true;
  return false;
}

bool RunOutcome::as_expected(const sim::Expectation& expect) const {
  for (const auto& r : invariants) {
    const bool violated = r.verdict == sim::Verdict::violated;
    if (violated && !expect.allows(r.name)) return false;
    // An expected liveness violation cannot show on a run cut short: not judged, not missing.
    const bool not_judged = r.verdict == sim::Verdict::skipped && !stopped.empty();
    if (!violated && r.name == expect.violation && !not_judged) return false;
  }
  return true;
}

void add_invariants(const sim::Scenario& scenario, sim::InvariantSet& set) {
  // The env points into the scenario and at the set's topology: both outlive the invariants
  // (the caller keeps the scenario as long as the set, and the set holds the invariants).
  sim::InvariantEnv env{&scenario.resolved, &set.topology(), faults::healing(scenario)};
  std::vector<const sim::InvariantSpec*> specs;
  for (const auto& spec : scenario.protocol->invariants) specs.push_back(&spec);
  for (const auto& spec : protocols::registry().generic()) specs.push_back(&spec);
  for (const auto& name : scenario.invariants)
    for (const auto* spec : specs)
      if (spec->name == name) {
        // A swarm draws the configuration; only what it promises is checked.
        const std::string why_not =
            scenario.resolved.contains("swarm") && spec->not_promised ? spec->not_promised(env) : std::string();
        auto inv = why_not.empty() ? spec->factory(env) : sim::skipped_invariant("not promised by the drawn configuration: " + why_not);
        inv->set_name(spec->name);
        set.add(std::move(inv));
        break;
      }
}

void OfflineInvariants::start(const sim::Scenario& scenario) {
  scenario_ = std::make_unique<sim::Scenario>(scenario);
  topology_ = std::make_unique<sim::Topology>(scenario.topology());
  set_ = std::make_unique<sim::InvariantSet>(*topology_);
  add_invariants(*scenario_, *set_);
  if (scenario.stop_at_violation) set_->stop_at_violation();
}

std::vector<sim::InvariantResult> OfflineInvariants::finish(sim::Time end) {
  stopped_ = cut_reason(*scenario_, *set_);
  set_->finish(end, stopped_);
  return set_->results();
}

std::string cut_reason(const sim::Scenario& s, const sim::InvariantSet& invariants) {
  if (const sim::Violation* v = invariants.stopped_by())
    return "the run was stopped at its first violation (" + v->invariant + " at " +
           sim::format_ms(v->time - sim::Time::zero()) + ") by --stop-at-violation";
  if (s.until)
    return "the run was stopped at " + sim::format_ms(*s.until) + " by --until, before the scenario's end at " +
           sim::format_ms(s.duration);
  return "";
}

void set_until(sim::Scenario& s, const std::string& flag, const std::string& value) {
  std::string error;
  const auto until = sim::parse_duration(value, &error);
  if (!until) throw sim::InputError(flag + ": " + error);
  if (*until <= sim::Duration{}) throw sim::InputError(flag + ": must be positive, got \"" + value + "\"");
  if (*until >= s.duration)
    throw sim::InputError(flag + " " + sim::format_duration(*until) + ": not before the end of " + s.origin +
                          " (\"duration\": \"" + sim::format_duration(s.duration) + "\")");
  s.until = *until;
  s.resolved["until"] = sim::format_duration(*until);
}

RunOutcome execute(const RunRequest& request) {
  const sim::Scenario& s = *request.scenario;
  sim::Simulation simulation(s.options(), s.topology(), s.network, sim::make_process_factory(*s.protocol, s.config));
  if (request.log != nullptr) simulation.set_log_sink(request.log);
  simulation.set_storage(s.storage);
  for (const auto& c : s.clocks) simulation.set_clock(c.node, c.offset, c.drift_ppb);
  const auto installed_faults = faults::install(simulation, s);

  std::unique_ptr<sim::DigestSink> digest;
  std::unique_ptr<OutputFile> trace_file;
  std::unique_ptr<sim::JsonlSink> jsonl;
  sim::InvariantSet invariants(simulation.topology());
  if (request.digest) {
    digest = std::make_unique<sim::DigestSink>();
    simulation.add_sink(digest.get());
  }
  if (!request.trace_path.empty()) {
    sim::TraceHeader header{sim::kTraceFormat, DSIM_VERSION, build_id(), s.resolved};
    trace_file = std::make_unique<OutputFile>(request.trace_path);
    jsonl = std::make_unique<sim::JsonlSink>(trace_file->stream(), request.trace_path, simulation.topology(), header);
    jsonl->record_state(request.trace_states);
    simulation.add_sink(jsonl.get());
  }
  std::unique_ptr<HistorySink> history;
  if (!request.history_path.empty()) {
    history = std::make_unique<HistorySink>(request.history_path, simulation.topology().names());
    simulation.add_sink(history.get());
  }
  if (request.invariants) {
    add_invariants(s, invariants);
    if (invariants.size()) simulation.add_sink(&invariants);
    // The sink order puts the digest and the trace file before the invariants, so the event
    // where the first violation shows is the last one both record.
    if (s.stop_at_violation) invariants.stop_at_violation([&simulation] { simulation.halt(); });
  }
  for (sim::TraceSink* sink : request.extra_sinks) simulation.add_sink(sink);
  sim::Metrics metrics;
  if (request.metrics) {
    if (s.protocol->metrics) metrics.add(s.protocol->metrics(s.config));
    simulation.add_sink(&metrics);
  }

  const auto start = std::chrono::steady_clock::now();  // wall time is measured outside the simulation
  RunOutcome out;
  out.stats = simulation.run();
  out.stopped = cut_reason(s, invariants);
  invariants.finish(out.stats.end, out.stopped);
  out.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.invariants = invariants.results();
  if (request.metrics) out.metrics = metrics.report(out.stats.end);
  if (installed_faults) out.notes = installed_faults->notes();
  if (request.emit_schedule) out.schedule = faults::explicit_schedule(s, installed_faults.get());
  if (digest) out.digest = digest->hex();
  if (jsonl) {
    sim::TraceFooter footer;
    footer.records = out.stats.trace_records;
    footer.events = out.stats.events;
    footer.end_ns = out.stats.end.ns();
    footer.digest = out.digest;
    for (const auto& r : out.invariants) footer.verdicts[r.name] = sim::to_string(r.verdict);
    jsonl->commit(footer);
    trace_file->commit();
  }
  if (history) history->commit();
  return out;
}

}  // namespace dsim::cli
