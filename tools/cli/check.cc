// `dsim check TRACE`: re-validates a recorded trace offline with the same invariant code the
// live run used, and compares the verdicts with those the live run recorded.
#include <cstdio>

#include "protocols/registry.h"
#include "sim/jsonl.h"
#include "sim/printable.h"
#include "tools/cli/commands.h"
#include "tools/cli/format.h"
#include "tools/cli/report.h"
#include "tools/cli/runner.h"

namespace dsim::cli {

Command add_check(CLI::App& app) {
  auto file = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("check", "Re-check a trace file offline with the scenario's invariants");
  cmd->add_option("trace", *file, "trace written by 'dsim run --trace'")->required();
  cmd->footer(
      "Examples:\n"
      "  dsim run scenarios/pingmesh/basic.json --trace /tmp/run.jsonl && dsim check /tmp/run.jsonl\n"
      "Exit code: 0 verdicts as the scenario expects, 1 an unexpected violation, 2 unreadable/truncated trace.");
  return [file]() {
    OfflineInvariants invariants;
    uint64_t events = 0;
    std::vector<std::string> notes;
    sim::TraceReadResult read = sim::read_trace(
        *file, protocols::registry(), sections(), [&](const sim::Scenario& s) { invariants.start(s); },
        [&](const sim::TraceEvent& ev) {
          ++events;
          invariants.on_event(ev);
          // A fault that hit no node says so in its record (faults/schedule.h): repeat it.
          if (ev.kind == sim::TraceKind::fault && ev.data && ev.data->is_object()) {
            const auto note = ev.data->find("note"), stream = ev.data->find("stream");
            if (note != ev.data->end() && note->is_string())
              notes.push_back(std::string(ev.name) + " at " + sim::format_ms(ev.time - sim::Time::zero()) +
                              (stream != ev.data->end() && stream->is_string() ? " (" + stream->get<std::string>() + ")" : "") +
                              " " + note->get<std::string>());
          }
        });
    const auto results = invariants.finish(sim::Time::from_ns(read.footer.end_ns));
    const std::string stopped = invariants.stopped();
    std::printf("trace:      %s (%s records, written by dsim %s build %s)\n", file->c_str(), with_commas(events).c_str(),
                read.header.version.c_str(), read.header.build.c_str());
    std::printf("scenario:   %s, protocol %s, %u nodes, seed %llu\n", read.scenario.name.c_str(),
                read.scenario.protocol->name.c_str(), read.scenario.nodes,
                static_cast<unsigned long long>(read.scenario.seed));
    for (const auto& note : notes) std::printf("note:       %s\n", sim::printable(note, 500).c_str());
    if (!stopped.empty()) std::printf("stopped:    early: %s; liveness is not judged\n", stopped.c_str());
    print_verdicts(stdout, read.scenario, results, stopped);
    bool agree = true;
    // A run with --no-invariants records no verdicts: there is nothing to compare with.
    const bool live_checked = !read.footer.verdicts.empty() || results.empty();
    if (!live_checked)
      std::printf("live run:   checked no invariants (--no-invariants): the verdicts above are offline only\n");
    for (const auto& r : results) {
      if (!live_checked) break;
      const auto live = read.footer.verdicts.find(r.name);
      const std::string now(sim::to_string(r.verdict));
      if (live == read.footer.verdicts.end() || *live != now) {
        agree = false;
        std::printf("DIFFERS from the live run: %s was %s live, %s offline\n", r.name.c_str(),
                    live == read.footer.verdicts.end() ? "not checked" : live->get<std::string>().c_str(), now.c_str());
      }
    }
    if (agree && live_checked) std::printf("live run:   same verdicts (digest %s)\n", read.footer.digest.c_str());
    RunOutcome o;
    o.invariants = results;
    o.stopped = stopped;
    return o.as_expected(read.scenario.expect) && agree ? 0 : 1;
  };
}

}  // namespace dsim::cli
