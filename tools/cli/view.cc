// `dsim view TRACE -o run.html`: a recorded run as one self-contained HTML page (see
// view_page.h for what it holds).
#include <cstdio>

#include "sim/printable.h"
#include "tools/cli/commands.h"
#include "tools/cli/output.h"
#include "tools/cli/trace_text.h"
#include "tools/cli/view_page.h"

namespace dsim::cli {

std::string view_summary(const std::string& path, const ViewPageStats& s) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "view: %s (%zu events, %.1f MB, %.1f bytes per event)", path.c_str(), s.events,
                static_cast<double>(s.bytes) / 1e6, s.events ? static_cast<double>(s.bytes) / static_cast<double>(s.events) : 0.0);
  return buf;
}

Command add_view(CLI::App& app) {
  auto trace_path = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto title = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("view", "Write a trace as a self-contained HTML space-time diagram");
  cmd->add_option("trace", *trace_path, "trace written by 'dsim run --trace'")->required();
  cmd->add_option("-o,--output", *out, "the HTML file to write")->required();
  cmd->add_option("--title", *title, "the page's title (default: the scenario's name and seed)");
  cmd->footer(
      "The page opens offline in any current browser (Chromium, Firefox, Safari): nothing is fetched.\n"
      "One lane per node, messages as arrows, drops, crashes, partitions and clock changes marked,\n"
      "the violation (if any) selected; arrow keys step, the wheel zooms, dragging pans, '?' shows\n"
      "every key. The node-state panel needs state records (a trace written without --no-state).\n"
      "Examples:\n"
      "  dsim run scenarios/teaching/raft-figure8.json --trace /tmp/f8.jsonl\n"
      "  dsim view /tmp/f8.jsonl -o /tmp/f8.html\n"
      "  dsim run scenarios/teaching/threepc-partition.json --view /tmp/3pc.html   (both in one step)\n"
      "Exit code: 0, or 2 for an unreadable trace or an output that cannot be written.");
  return [trace_path, out, title]() {
    OutputPlan plan;
    plan.input("the trace", *trace_path);
    plan.output("-o", *out);
    plan.check();
    const LoadedTrace trace = load_trace(*trace_path);
    ViewPageStats stats;
    const std::string page = view_page(trace, *title, &stats);
    write_file_atomically(*out, page);
    std::fprintf(stderr, "%s\n", view_summary(*out, stats).c_str());
    return 0;
  };
}

}  // namespace dsim::cli
