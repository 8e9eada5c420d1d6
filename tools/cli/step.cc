// `dsim step TRACE`: walk through a recorded run one event at a time, forwards and back,
// seeing each event and the state it changed. Commands come from stdin, so a lesson (or a
// test) can be a script: `printf 'break became_leader\ncontinue\nstate\n' | dsim step t.jsonl`.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <sstream>

#include "sim/printable.h"
#include "tools/cli/commands.h"
#include "tools/cli/trace_text.h"

namespace dsim::cli {
namespace {

constexpr const char* kHelp =
    "commands (one per line; an empty line repeats 'next'):\n"
    "  n, next [K]          the next K events (default 1)\n"
    "  p, prev [K]          back K events\n"
    "  g, goto TIME | #N    to the last event at or before TIME (2.5s), or to event N\n"
    "  b, break PATTERN     stop 'continue' at events matching PATTERN: an event kind (crash, timer...),\n"
    "                       a message type (raft.request_vote), an observation (became_leader), a client\n"
    "                       outcome (fail, info) or a fault; 'raft.*' matches a prefix\n"
    "  breaks               the breakpoints; 'clear' removes them\n"
    "  c, continue          forward to the next breakpoint, or the violation, or the end\n"
    "  rc, reverse          back to the previous breakpoint (or the violation, or the start)\n"
    "  s, state [NODE]      every node's state (or one node's) after the current event\n"
    "  l, log [K]           the K events before and after the current one (default 5)\n"
    "  v, violation         to the violating event\n"
    "  q, quit              leave\n";

struct Stepper {
  const LoadedTrace& trace;
  TimeUnit unit;
  std::vector<std::string> breaks;
  // The current event (its effects applied) or none (before the first).
  std::optional<size_t> at;

  bool matches(size_t i) const {
    for (const auto& b : breaks)
      if (event_matches(trace.events[i], b)) return true;
    return trace.violation_event && *trace.violation_event == i;
  }

  std::string line(size_t i) const {
    const sim::StoredEvent& ev = trace.events[i];
    std::string s = "#" + std::to_string(ev.seq) + " " + format_time(ev.time, unit) + "  " + event_text(trace, ev);
    if (trace.violation_event && *trace.violation_event == i)
      s += "\n  ^ VIOLATION of " + trace.violation->invariant + ": " + trace.violation->what;
    return s;
  }

  void show() const {
    if (!at) {
      std::printf("(before the first event; %zu events, 'n' to start)\n", trace.events.size());
      return;
    }
    std::printf("%s\n", line(*at).c_str());
    StateFold before(trace);
    before.advance_to(*at);
    for (const auto& c : change_lines(trace, before, *at)) std::printf("  state %s\n", c.c_str());
  }

  size_t applied() const { return at ? *at + 1 : 0; }

  void move_to(std::optional<size_t> target) {
    at = target;
    show();
  }
};

std::optional<uint64_t> count_arg(std::istringstream& words, const std::string& cmd, uint64_t fallback = 1) {
  std::string k;
  if (!(words >> k)) return fallback;
  if (k.empty() || k.size() > 9 || k.find_first_not_of("0123456789") != std::string::npos || k == "0") {
    std::printf("'%s %s': K must be a positive number\n", cmd.c_str(), sim::printable(k, 20).c_str());
    return std::nullopt;
  }
  return std::stoull(k);
}

}  // namespace

Command add_step(CLI::App& app) {
  auto trace_path = std::make_shared<std::string>();
  auto unit = std::make_shared<std::string>("ms");
  CLI::App* cmd = app.add_subcommand("step", "Step through a trace event by event (commands from stdin)");
  cmd->add_option("trace", *trace_path, "trace written by 'dsim run --trace'")->required();
  cmd->add_option("--unit", *unit, "time unit: s, ms (default), us, ns");
  cmd->footer(std::string("Examples:\n"
                          "  dsim step /tmp/f8.jsonl\n"
                          "  printf 'break became_leader\\ncontinue\\ncontinue\\nstate\\n' | dsim step /tmp/f8.jsonl\n") +
              kHelp + "Exit code: 0, or 2 for an unreadable trace.");
  return [trace_path, unit]() {
    const TimeUnit u = parse_unit(*unit);
    const LoadedTrace trace = load_trace(*trace_path);
    Stepper st{trace, u, {}, std::nullopt};
    const bool interactive = isatty(STDIN_FILENO) != 0;
    std::printf("%s: %zu events, %s of simulated time%s. 'help' for commands.\n", trace.read.scenario.name.c_str(),
                trace.events.size(), format_time(sim::Time::from_ns(trace.read.footer.end_ns), u).c_str(),
                trace.violation ? (", violation of " + trace.violation->invariant).c_str() : "");
    const size_t count = trace.events.size();
    std::string text, last = "next";
    for (;;) {
      if (interactive) {
        std::printf("(dsim step) ");
        std::fflush(stdout);
      }
      if (!std::getline(std::cin, text)) break;
      if (text.size() > 4096) text.resize(4096);
      if (text.find_first_not_of(" \t\r") == std::string::npos) text = last;
      last = text;
      std::istringstream words(text);
      std::string c;
      words >> c;
      if (!interactive) std::printf("> %s\n", sim::printable(text, 200).c_str());
      if (c == "q" || c == "quit" || c == "exit") break;
      if (c == "h" || c == "help" || c == "?") {
        std::printf("%s", kHelp);
      } else if (c == "n" || c == "next") {
        const auto k = count_arg(words, c);
        if (!k) continue;
        if (count == 0 || (st.at && *st.at + 1 >= count)) { std::printf("(at the end of the run)\n"); continue; }
        const size_t target = std::min<size_t>(count - 1, st.applied() + static_cast<size_t>(*k) - 1);
        for (size_t i = st.applied(); i < target; ++i) std::printf("%s\n", st.line(i).c_str());
        st.move_to(target);
      } else if (c == "p" || c == "prev") {
        const auto k = count_arg(words, c);
        if (!k) continue;
        if (!st.at) { std::printf("(at the start of the run)\n"); continue; }
        st.move_to(*st.at >= *k ? std::optional<size_t>(*st.at - static_cast<size_t>(*k)) : std::nullopt);
      } else if (c == "g" || c == "goto") {
        std::string where;
        if (!(words >> where)) { std::printf("goto what? a time (2.5s) or an event (#N)\n"); continue; }
        try {
          sim::Time t;
          const size_t n = resolve_point(trace, where, &t);
          if (where[0] == '#') st.move_to(std::stoull(where.substr(1)));  // that very event
          else st.move_to(n == 0 ? std::nullopt : std::optional<size_t>(n - 1));
        } catch (const sim::InputError& e) {
          std::printf("%s\n", e.what());
        }
      } else if (c == "b" || c == "break") {
        std::string p;
        if (!(words >> p)) { std::printf("break on what? e.g. 'break became_leader', 'break crash', 'break raft.*'\n"); continue; }
        st.breaks.push_back(p);
        std::printf("breakpoint %zu: %s\n", st.breaks.size(), p.c_str());
      } else if (c == "breaks") {
        if (st.breaks.empty()) std::printf("no breakpoints (continue stops at the violation or the end)\n");
        for (size_t i = 0; i < st.breaks.size(); ++i) std::printf("breakpoint %zu: %s\n", i + 1, st.breaks[i].c_str());
      } else if (c == "clear") {
        st.breaks.clear();
        std::printf("breakpoints cleared\n");
      } else if (c == "c" || c == "continue") {
        size_t i = st.applied();
        while (i < count && !st.matches(i)) ++i;
        if (i >= count) { std::printf("(no breakpoint ahead: at the end of the run)\n"); if (count) st.move_to(count - 1); continue; }
        st.move_to(i);
      } else if (c == "rc" || c == "reverse") {
        if (!st.at) { std::printf("(at the start of the run)\n"); continue; }
        size_t i = *st.at;
        while (i > 0 && !st.matches(i - 1)) --i;
        st.move_to(i == 0 ? std::nullopt : std::optional<size_t>(i - 1));
      } else if (c == "v" || c == "violation") {
        if (!trace.violation_event) { std::printf("%s\n", trace.violation ? "the violation was found at the end of the run, not at an event" : "this run has no violation"); continue; }
        st.move_to(*trace.violation_event);
      } else if (c == "s" || c == "state") {
        StateFold fold(trace);
        fold.advance_to(st.at ? handler_end(trace, *st.at) : 0);
        const sim::Time t = st.at ? trace.events[*st.at].time : sim::Time::zero();
        std::string node;
        if (words >> node) {
          auto id = trace.topology.find(node);
          if (!id) { std::printf("no node %s in this run\n", sim::printable(node, 40).c_str()); continue; }
          const LoadedTrace& tr = trace;
          std::string fields;
          for (const auto& [k, v] : fold.nodes()[id->value].state.items()) fields += "  " + k + " = " + value_text(v, 400) + "\n";
          std::printf("%s%s:\n%s", tr.names[id->value].c_str(), fold.nodes()[id->value].up ? "" : " (down)", fields.empty() ? "  (no state recorded)\n" : fields.c_str());
        } else {
          print_states(stdout, trace, fold, t, u);
        }
      } else if (c == "l" || c == "log") {
        const auto k = count_arg(words, c, 5);
        if (!k) continue;
        const size_t center = st.at.value_or(0), n = static_cast<size_t>(std::min<uint64_t>(*k, 1000));
        for (size_t i = center > n ? center - n : 0; i < count && i <= center + n; ++i)
          std::printf("%s %s\n", st.at && i == *st.at ? "=>" : "  ", st.line(i).c_str());
      } else {
        std::printf("unknown command '%s' ('help' lists them)\n", sim::printable(c, 40).c_str());
      }
    }
    return 0;
  };
}

}  // namespace dsim::cli
