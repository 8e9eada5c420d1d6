// `dsim log TRACE`: the run as readable lines, one per event, with filters, a story view, a
// window around the violation, and lanes (one column per node, a printed space-time diagram).
#include <algorithm>
#include <cstdio>
#include <set>

#include "sim/printable.h"
#include "tools/cli/commands.h"
#include "tools/cli/args.h"
#include "tools/cli/trace_text.h"

namespace dsim::cli {
namespace {

struct LogArgs {
  std::string trace;
  std::vector<std::string> nodes, types, hides;
  std::string from, to, grep, unit = "ms";
  std::optional<uint64_t> around;
  bool lanes = false, story = false, states = false;
  uint64_t width = 26;
};

sim::Time parse_time_flag(const std::string& flag, const std::string& text) {
  std::string error;
  const auto d = sim::parse_duration(text, &error);
  if (!d) throw sim::InputError(flag + " " + sim::printable(text, 40) + ": " + error);
  return sim::Time::zero() + *d;
}

// The message type without the protocol's prefix ("append_entries"), for narrow lanes.
std::string short_type(const std::string& t) {
  const auto dot = t.find('.');
  return dot == std::string::npos ? t : t.substr(dot + 1);
}

std::string lane_text(const LoadedTrace& trace, const sim::StoredEvent& ev) {
  const auto name = [&](sim::NodeId n) { return n.valid() ? trace.names[n.value] : std::string("-"); };
  switch (ev.kind) {
    case sim::TraceKind::send: return "-> " + name(ev.peer) + " " + short_type(ev.name);
    case sim::TraceKind::deliver: return "<- " + name(ev.peer) + " " + short_type(ev.name);
    case sim::TraceKind::drop: return "x " + name(ev.peer) + " " + short_type(ev.name) + " (" + ev.cause + ")";
    default: {
      // The full text without the leading node name.
      std::string t = event_text(trace, ev);
      const std::string prefix = actor_name(trace, ev) + " ";
      if (t.compare(0, prefix.size(), prefix) == 0) t = t.substr(prefix.size());
      return t;
    }
  }
}

}  // namespace

Command add_log(CLI::App& app) {
  auto a = std::make_shared<LogArgs>();
  CLI::App* cmd = app.add_subcommand("log", "Print a trace as readable lines (filters, story, lanes)");
  cmd->add_option("trace", a->trace, "trace written by 'dsim run --trace'")->required();
  cmd->add_option("--node", a->nodes, "only events at or to/from this node (repeatable)");
  cmd->add_option("--type", a->types,
                  "only events of this kind (send, deliver, drop, timer, crash, restart, observe, fault, clock, "
                  "client), message type, observation, client outcome (invoke, ok, fail, info) or fault; "
                  "'raft.*' matches a prefix (repeatable)");
  cmd->add_option("--hide", a->hides,
                  "leave out events matching this (as --type; repeatable); 'heartbeats' hides messages that only "
                  "say 'alive' (Raft: empty AppendEntries) and the replies sent in answer");
  cmd->add_option("--from", a->from, "only events at or after this time (e.g. 2.5s)");
  cmd->add_option("--to", a->to, "only events at or before this time");
  cmd->add_option("--grep", a->grep, "only lines containing this text");
  add_number(cmd, "--around-violation", a->around,
             "only the N events before and after the first violation (which is marked)", 0, 1000000);
  cmd->add_flag("--story", a->story,
                "only the events that tell the story: faults, crashes, restarts, clock changes, the protocol's key "
                "observations (elections, decisions), failed or indeterminate client operations, the violation");
  cmd->add_flag("--lanes", a->lanes, "one column per node, as in a space-time diagram");
  add_number(cmd, "--width", a->width, "column width for --lanes (default 26)", 8, 200);
  cmd->add_flag("--states", a->states, "after each event, the state changes of its handler");
  cmd->add_option("--unit", a->unit, "time unit: s, ms (default), us, ns");
  cmd->footer(
      "Examples:\n"
      "  dsim run scenarios/teaching/raft-figure8.json --trace /tmp/f8.jsonl\n"
      "  dsim log /tmp/f8.jsonl --story\n"
      "  dsim log /tmp/f8.jsonl --around-violation 20 --hide heartbeats\n"
      "  dsim log /tmp/f8.jsonl --node n1 --type 'raft.request_vote*' --from 1s --to 2s\n"
      "  dsim log /tmp/f8.jsonl --lanes --hide heartbeats --from 1s --to 1.2s\n"
      "Each line: #seq (the event's number, for 'dsim state --at #N'), time, then the event.\n"
      "Exit code: 0, or 2 for an unreadable trace or a bad flag.");
  return [a]() {
    const TimeUnit unit = parse_unit(a->unit);
    const sim::Time from = a->from.empty() ? sim::Time::zero() : parse_time_flag("--from", a->from);
    const sim::Time to = a->to.empty() ? sim::Time::from_ns(INT64_MAX) : parse_time_flag("--to", a->to);
    LoadedTrace trace = load_trace(a->trace);
    std::set<uint32_t> nodes;
    for (const auto& n : a->nodes) {
      auto id = trace.topology.find(n);
      if (!id) {
        std::string known;
        for (const auto& name : trace.names) known += (known.empty() ? "" : ", ") + name;
        throw sim::InputError("--node " + sim::printable(n, 40) + ": no such node in this run (nodes: " + sim::printable(known, 200) + ")");
      }
      nodes.insert(id->value);
    }
    if (a->around && !trace.violation)
      throw sim::InputError("--around-violation: " + a->trace + " has no violation (every invariant holds or is skipped)");
    const bool hide_heartbeats = std::find(a->hides.begin(), a->hides.end(), "heartbeats") != a->hides.end();
    const auto& protocol = trace.protocol();
    std::set<std::string> story(protocol.story.begin(), protocol.story.end());

    // Pass 1: which events to show.
    std::vector<size_t> shown;
    const std::vector<bool> heartbeats = hide_heartbeats ? heartbeat_events(trace) : std::vector<bool>();
    for (size_t i = 0; i < trace.events.size(); ++i) {
      const sim::StoredEvent& ev = trace.events[i];
      const bool violating = trace.violation_event && *trace.violation_event == i;
      if (hide_heartbeats && heartbeats[i] && !violating) continue;
      if (!violating) {
        if (ev.time < from || ev.time > to) continue;
        if (!nodes.empty() && !nodes.count(ev.node.value) && !(ev.peer.valid() && nodes.count(ev.peer.value))) continue;
        if (!a->types.empty() &&
            std::none_of(a->types.begin(), a->types.end(), [&](const std::string& t) { return event_matches(ev, t); }))
          continue;
        if (std::any_of(a->hides.begin(), a->hides.end(), [&](const std::string& t) { return t != "heartbeats" && event_matches(ev, t); }))
          continue;
        if (a->story) {
          using K = sim::TraceKind;
          const bool keep = ev.kind == K::fault || ev.kind == K::crash || ev.kind == K::restart || ev.kind == K::clock ||
                            (ev.kind == K::observe && (story.empty() || story.count(ev.name))) ||
                            (ev.kind == K::client && (ev.name == "fail" || ev.name == "info"));
          if (!keep) continue;
        }
        if (!a->grep.empty() && event_text(trace, ev).find(a->grep) == std::string::npos) continue;
      }
      shown.push_back(i);
    }
    if (a->around) {
      const size_t n = static_cast<size_t>(*a->around);
      if (trace.violation_event) {
        const size_t at = std::lower_bound(shown.begin(), shown.end(), *trace.violation_event) - shown.begin();
        const size_t lo = at > n ? at - n : 0, hi = std::min(shown.size(), at + n + 1);
        shown = std::vector<size_t>(shown.begin() + static_cast<std::ptrdiff_t>(lo), shown.begin() + static_cast<std::ptrdiff_t>(hi));
      } else if (shown.size() > n) {  // found at the end of the run: the last N events
        shown.erase(shown.begin(), shown.end() - static_cast<std::ptrdiff_t>(n));
      }
    }

    // Pass 2: print.
    size_t seq_width = std::to_string(trace.events.empty() ? 0 : trace.events.size() - 1).size() + 1;
    size_t time_width = format_time(sim::Time::from_ns(trace.read.footer.end_ns), unit).size();
    StateFold fold(trace);
    const auto violation_note = [&]() {
      const sim::Violation& v = *trace.violation;
      std::printf("%*s  ^ VIOLATION of %s: %s\n", static_cast<int>(seq_width + time_width + 1), "", v.invariant.c_str(),
                  sim::printable(v.what, 2000).c_str());
    };
    if (a->lanes) {
      std::string head = std::string(seq_width + time_width + 2, ' ');
      for (const auto& name : trace.names) {
        std::string c = name;
        c.resize(a->width, ' ');
        head += "| " + c;
      }
      std::printf("%s\n", head.c_str());
    }
    for (size_t i : shown) {
      const sim::StoredEvent& ev = trace.events[i];
      const bool violating = trace.violation_event && *trace.violation_event == i;
      std::string prefix = (violating ? ">" : "#") + std::to_string(ev.seq);
      prefix.insert(0, seq_width > prefix.size() ? seq_width - prefix.size() : 0, ' ');
      std::string t = format_time(ev.time, unit);
      t.insert(0, time_width > t.size() ? time_width - t.size() : 0, ' ');
      if (a->lanes) {
        std::string row;
        const size_t w = static_cast<size_t>(a->width);
        const std::string text = lane_text(trace, ev);
        for (size_t n = 0; n < trace.names.size(); ++n) {
          std::string cell;
          if (ev.node.valid() ? ev.node.value == n : n == 0) cell = ev.node.valid() ? text : event_text(trace, ev);
          if (cell.size() > w) cell = cell.substr(0, w - 1) + "~";
          cell.resize(w, ' ');
          row += "| " + cell;
        }
        while (!row.empty() && row.back() == ' ') row.pop_back();
        std::printf("%s %s %s\n", prefix.c_str(), t.c_str(), row.c_str());
      } else {
        std::printf("%s %s  %s\n", prefix.c_str(), t.c_str(), event_text(trace, ev).c_str());
      }
      if (violating) violation_note();
      if (a->states) {
        fold.advance_to(i);
        for (const auto& line : change_lines(trace, fold, i))
          std::printf("%*s    state %s\n", static_cast<int>(seq_width + time_width), "", line.c_str());
      }
    }
    if (trace.violation && trace.violation->at_end) {
      std::printf("at the end of the run:\n");
      violation_note();
    }
    if (!trace.stopped.empty()) std::printf("(%s)\n", trace.stopped.c_str());
    return 0;
  };
}

}  // namespace dsim::cli
