// `dsim export TRACE --format perfetto|shiviz [-o OUT]`: a recorded run for other viewers,
// Perfetto / chrome://tracing (a timeline per node with message arrows) or ShiViz (a space-time
// diagram from vector clocks). The conversions are in export_perfetto.cc and export_shiviz.cc.
#include <cstdio>

#include "tools/cli/commands.h"
#include "tools/cli/export.h"
#include "tools/cli/output.h"

namespace dsim::cli {
namespace {

struct ExportArgs {
  std::string trace, format, out;
  bool timers = false;
};

}  // namespace

Command add_export(CLI::App& app) {
  auto a = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand("export", "Convert a trace for Perfetto / chrome://tracing or ShiViz");
  cmd->add_option("trace", a->trace, "trace written by 'dsim run --trace'")->required();
  cmd->add_option("--format", a->format,
                  "perfetto: Chrome trace-event JSON (ui.perfetto.dev, chrome://tracing); "
                  "shiviz: a log with vector clocks (ShiViz)")
      ->required()
      ->check(CLI::IsMember({"perfetto", "shiviz"}));
  cmd->add_option("-o,--out", a->out, "where to write (default: standard output); never the trace itself");
  cmd->add_flag("--timers", a->timers,
                "shiviz: include timer firings as events (left out by default: they are local events that "
                "crowd the diagram and carry no causality between nodes)");
  cmd->footer(
      "Examples:\n"
      "  dsim run scenarios/raft/leader-crash.json --trace /tmp/raft.jsonl\n"
      "  dsim export /tmp/raft.jsonl --format perfetto -o /tmp/raft.json\n"
      "  dsim export /tmp/raft.jsonl --format shiviz -o /tmp/raft.log\n"
      "Perfetto: open https://ui.perfetto.dev, 'Open trace file', pick the .json (or chrome://tracing, 'Load').\n"
      "  One track per node; each handler is a slice at most 1 us wide (simulated handlers take no\n"
      "  time) listing its events; a delivered message is an arrow from the sender's handler to the receiver's (a\n"
      "  duplicated delivery gets its own arrow); drops, observations, client events and clock changes\n"
      "  are instants; a crash is a slice 'down' until the restart; faults are global instants.\n"
      "ShiViz: open https://bestchai.bitbucket.io/shiviz/ and load the file as it is: its first line is\n"
      "  the log parsing regular expression (ShiViz's default)\n"
      "    (?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})\n"
      "  and its second line the multiple-executions delimiter, empty (one run). To paste the log\n"
      "  instead, put that expression in the regular expression field and leave the delimiter empty.\n"
      "  Events: sends, deliveries, drops (on the sender), crashes, restarts, observations, client\n"
      "  events and clock changes; timers with --timers; faults, recorded at no node, are left out.\n"
      "  Hosts are the nodes with at least one event.\n"
      "Exit code: 0, or 2 for an unreadable trace, a bad flag or an output that would replace the trace.");
  return [a]() {
    if (a->timers && a->format != "shiviz")
      throw sim::InputError("--timers applies to --format shiviz (Perfetto always shows timers, as slices)");
    if (!a->out.empty()) {
      OutputPlan files;
      files.input("the trace", a->trace);
      files.output("-o", a->out);
      files.check();
    }
    const LoadedTrace trace = load_trace(a->trace);
    const std::string text = a->format == "perfetto" ? perfetto_json(trace) : shiviz_log(trace, a->timers);
    if (a->out.empty()) {
      if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
        throw sim::InputError("standard output: write failed");
      return 0;
    }
    write_file_atomically(a->out, text);
    std::printf("wrote %s (%s, %zu trace events)\n", a->out.c_str(), a->format.c_str(), trace.events.size());
    return 0;
  };
}

}  // namespace dsim::cli
