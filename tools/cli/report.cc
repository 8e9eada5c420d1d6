#include "tools/cli/report.h"

#include "faults/swarm.h"

#include "tools/cli/format.h"

namespace dsim::cli {

void print_verdicts(std::FILE* out, const sim::Scenario& scenario, const std::vector<sim::InvariantResult>& results,
                    const std::string& stopped) {
  size_t width = 0;
  for (const auto& r : results) width = std::max(width, r.name.size());
  std::fprintf(out, "invariants:\n");
  if (results.empty()) std::fprintf(out, "  (none checked)\n");
  for (const auto& r : results) {
    std::string verdict(sim::to_string(r.verdict));
    if (r.verdict == sim::Verdict::skipped) verdict += " (" + r.detail + ")";
    if (r.verdict == sim::Verdict::violated && scenario.expect.allows(r.name)) verdict += " (expected)";
    std::fprintf(out, "  %-*s  %s\n", static_cast<int>(width), r.name.c_str(), verdict.c_str());
  }
  for (const auto& r : results) {
    if (!r.violation) continue;
    const auto& v = *r.violation;
    // A liveness violation is found at the end of the run, not at an event.
    const std::string where = v.at_end ? "the end of the run" : "trace event #" + std::to_string(v.seq);
    std::fprintf(out, "VIOLATION %s at t=%s (%s): %s\n", v.invariant.c_str(),
                 sim::format_ms(v.time - sim::Time::zero()).c_str(), where.c_str(), v.what.c_str());
    // A long text (a linearizability counterexample) comes in lines: indent them under the first.
    std::string event = v.event;
    for (size_t at = event.find('\n'); at != std::string::npos; at = event.find('\n', at + 1)) event.insert(at + 1, 7, ' ');
    std::fprintf(out, "  event: %s\n", event.c_str());
  }
  if (scenario.expect.expects_violation() && results.empty()) {
    std::fprintf(out, "expected:   a violation of %s (not checked: no invariants ran)\n", scenario.expect.violation.c_str());
  } else if (scenario.expect.expects_violation()) {
    bool seen = false, skipped = false;
    for (const auto& r : results) {
      if (r.name != scenario.expect.violation) continue;
      seen |= r.verdict == sim::Verdict::violated;
      skipped |= r.verdict == sim::Verdict::skipped;
    }
    if (!seen && skipped && !stopped.empty())
      std::fprintf(out, "expected:   a violation of %s: not judged, the run was stopped early\n",
                   scenario.expect.violation.c_str());
    else if (!seen)
      std::fprintf(out,
                   "EXPECTED VIOLATION MISSING: the scenario expects %s to be violated and it was not "
                   "(a lesson run with its bug switched off: add --expect-safe)\n",
                   scenario.expect.violation.c_str());
  }
}

void print_summary(std::FILE* out, const sim::Scenario& s, const RunOutcome& o) {
  std::fprintf(out, "scenario:   %s (%s), protocol %s, %u nodes, seed %llu\n", s.name.c_str(), s.origin.c_str(),
               s.protocol->name.c_str(), s.nodes, static_cast<unsigned long long>(s.seed));
  if (const nlohmann::json* drawn = faults::swarm_drawn(s))
    std::fprintf(out, "swarm:      %s\n", faults::swarm_summary(*drawn).c_str());
  const double eps = o.wall_seconds > 0 ? static_cast<double>(o.stats.events) / o.wall_seconds : 0;
  std::fprintf(out, "simulated:  %s in %.3fms wall (%.0fx real time)\n",
               sim::format_ms(o.stats.end - sim::Time::zero()).c_str(), o.wall_seconds * 1e3,
               o.wall_seconds > 0 ? o.stats.end.seconds_f() / o.wall_seconds : 0.0);
  if (!o.stopped.empty()) std::fprintf(out, "stopped:    early: %s; liveness is not judged\n", o.stopped.c_str());
  std::fprintf(out, "events:     %s processed, %s events/s\n", with_commas(o.stats.events).c_str(), rate(eps).c_str());
  std::string drops;
  for (const auto& [cause, n] : o.stats.drops_by_cause)
    drops += (drops.empty() ? " (" : ", ") + cause + " " + with_commas(n);
  if (!drops.empty()) drops += ")";
  std::fprintf(out, "messages:   sent %s, delivered %s, dropped %s%s\n", with_commas(o.stats.sent).c_str(),
               with_commas(o.stats.delivered).c_str(), with_commas(o.stats.dropped).c_str(), drops.c_str());
  if (o.stats.syncs_delayed)
    std::fprintf(out, "storage:    %s syncs took time (their sends waited for them)\n", with_commas(o.stats.syncs_delayed).c_str());
  for (const auto& note : o.notes) std::fprintf(out, "note:       %s\n", note.c_str());
  for (const auto& [name, value] : o.metrics) std::fprintf(out, "%-11s %s\n", (name + ":").c_str(), value.c_str());
  print_verdicts(out, s, o.invariants, o.stopped);
  if (!o.digest.empty()) std::fprintf(out, "digest:     %s\n", o.digest.c_str());
}

}  // namespace dsim::cli
