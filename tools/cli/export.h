// A recorded run in other tools' formats, for `dsim export`: the Chrome trace-event JSON that
// ui.perfetto.dev and chrome://tracing open, and the vector-clock log ShiViz draws as a
// space-time diagram. Both are pure functions of the loaded trace (same trace, same bytes);
// neither reads the state records nor the verdicts.
#pragma once

#include <string>

#include "tools/cli/trace_text.h"

namespace dsim::cli {

// The slot a handler's slice is drawn in: handlers take no simulated time, so each gets this
// much (less when the node's next handler comes sooner; see export_perfetto.cc).
inline constexpr int64_t kExportSliceNs = 1000;

// The Chrome trace-event "JSON Object Format": {"traceEvents":[...],"displayTimeUnit":"ms",
// "metadata":{...}}, one event per line. One process (the scenario), one thread per node.
std::string perfetto_json(const LoadedTrace& trace);

// The regular expression ShiViz parses the log with (its own default): an event's text on
// one line, then the host and its vector clock as JSON on the next.
inline constexpr const char* kShivizRegex = R"((?<event>.*)\n(?<host>\S*) (?<clock>{.*}))";

// A ShiViz log: line 1 the regular expression, line 2 empty (no delimiter between executions:
// one run), then two lines per event. Timers are left out unless `timers`.
std::string shiviz_log(const LoadedTrace& trace, bool timers);

}  // namespace dsim::cli
