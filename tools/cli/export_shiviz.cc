// `dsim export --format shiviz`: the run as a ShiViz log, two lines per event (its text, then
// its host and vector clock), computed from the trace alone.
//
// The clocks follow the textbook rule (Fidge, Mattern): each event of node i that becomes a
// ShiViz event increments VC[i]; a delivery first merges, element by element, the clock its send
// carried (every copy of a duplicated message merges the same send's clock). Events left out
// (timers without --timers, faults that name no node) increment nothing, so each host's own
// component counts exactly its events 1, 2, 3, ... as ShiViz requires. Only nonzero components
// are written, so a clock names only hosts that have events.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/printable.h"
#include "tools/cli/export.h"

namespace dsim::cli {
namespace {

using VectorClock = std::vector<uint64_t>;  // by node index

// Whether the event becomes a ShiViz event: everything that happened at a node (sends,
// deliveries, drops on the sender, crashes, restarts, observations, client events, clock
// changes, faults aimed at a node), timers only when asked.
bool shiviz_includes(const sim::StoredEvent& ev, bool timers, size_t nodes) {
  if (!ev.node.valid() || ev.node.value >= nodes) return false;
  return ev.kind != sim::TraceKind::timer || timers;
}

// {"n1":3,"n2":1}: the nonzero components in node order.
std::string shiviz_clock_json(const LoadedTrace& trace, const VectorClock& vc) {
  std::string out = "{";
  for (size_t i = 0; i < vc.size(); ++i) {
    if (vc[i] == 0) continue;
    if (out.size() > 1) out += ",";
    out += nlohmann::json(trace.names[i]).dump() + ":" + std::to_string(vc[i]);
  }
  return out + "}";
}

}  // namespace

std::string shiviz_log(const LoadedTrace& trace, bool timers) {
  const size_t nodes = trace.names.size();
  std::vector<VectorClock> clocks(nodes, VectorClock(nodes, 0));
  std::unordered_map<uint64_t, VectorClock> sent;  // message id -> the clock its send carried
  std::string out = std::string(kShivizRegex) + "\n\n";
  for (const sim::StoredEvent& ev : trace.events) {
    if (!shiviz_includes(ev, timers, nodes)) continue;
    VectorClock& vc = clocks[ev.node.value];
    if (ev.kind == sim::TraceKind::deliver) {
      const auto it = sent.find(ev.id);
      if (it != sent.end())
        for (size_t i = 0; i < nodes; ++i) vc[i] = std::max(vc[i], it->second[i]);
    }
    ++vc[ev.node.value];
    if (ev.kind == sim::TraceKind::send) sent[ev.id] = vc;
    // One line whatever the message holds: printable() escapes newlines and control characters.
    out += sim::printable("#" + std::to_string(ev.seq) + " " + format_time(ev.time, TimeUnit::ms) + " " +
                              event_text(trace, ev),
                          4096);
    out += "\n" + trace.names[ev.node.value] + " " + shiviz_clock_json(trace, vc) + "\n";
  }
  return out;
}

}  // namespace dsim::cli
