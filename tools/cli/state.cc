// `dsim state TRACE --at T`: every node's state at one moment of a recorded run (from the
// trace's state records), and for protocols with a replicated log the log matrix.
#include <cstdio>

#include "tools/cli/commands.h"
#include "tools/cli/trace_text.h"

namespace dsim::cli {

Command add_state(CLI::App& app) {
  auto trace_path = std::make_shared<std::string>();
  auto at = std::make_shared<std::string>();
  auto unit = std::make_shared<std::string>("ms");
  CLI::App* cmd = app.add_subcommand("state", "Print every node's state at a moment of a trace");
  cmd->add_option("trace", *trace_path, "trace written by 'dsim run --trace'")->required();
  cmd->add_option("--at", *at,
                  "a time (2.842s: after every event up to that time), '#N' (after event N, as numbered by "
                  "'dsim log'), or 'violation' (after the violating event); default: the end of the run");
  cmd->add_option("--unit", *unit, "time unit: s, ms (default), us, ns");
  cmd->footer(
      "Examples:\n"
      "  dsim run scenarios/teaching/raft-figure8.json --trace /tmp/f8.jsonl\n"
      "  dsim state /tmp/f8.jsonl --at violation\n"
      "  dsim state /tmp/f8.jsonl --at 1.25s\n"
      "  dsim state /tmp/f8.jsonl --at '#4168'\n"
      "A trace written with --no-state (or by an older dsim) has no state records to show.\n"
      "Exit code: 0, or 2 for an unreadable trace or a bad --at.");
  return [trace_path, at, unit]() {
    const TimeUnit u = parse_unit(*unit);
    LoadedTrace trace = load_trace(*trace_path);
    sim::Time time = sim::Time::from_ns(trace.read.footer.end_ns);
    size_t events = trace.events.size();
    std::string where = "at the end of the run";
    if (*at == "violation") {
      if (!trace.violation_event)
        throw sim::InputError("--at violation: " + *trace_path +
                              (trace.violation ? " has a violation found at the end of the run, not at an event (see 'dsim log --story')"
                                               : " has no violation"));
      events = handler_end(trace, *trace.violation_event);
      time = trace.events[*trace.violation_event].time;
      where = "after event #" + std::to_string(*trace.violation_event) + " (the violation)";
    } else if (!at->empty()) {
      events = resolve_point(trace, *at, &time);
      where = (*at)[0] == '#' ? "after event " + *at : "at " + format_time(time, u) + " (after " + std::to_string(events) + " events)";
    }
    StateFold fold(trace);
    fold.advance_to(events);
    std::printf("%s, %s\n", trace.read.scenario.name.c_str(), where.c_str());
    if (trace.states.empty()) std::printf("(this trace has no state records)\n");
    print_states(stdout, trace, fold, time, u);
    if (trace.violation && trace.violation_event && *trace.violation_event < events)
      std::printf("\nviolation at #%zu: %s: %s\n", *trace.violation_event, trace.violation->invariant.c_str(),
                  trace.violation->what.c_str());
    return 0;
  };
}

}  // namespace dsim::cli
