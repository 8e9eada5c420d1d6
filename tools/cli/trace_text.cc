#include "tools/cli/trace_text.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "protocols/registry.h"
#include "sim/printable.h"
#include "tools/cli/runner.h"

namespace dsim::cli {

LoadedTrace load_trace(const std::string& path) {
  LoadedTrace t;
  t.path = path;
  OfflineInvariants invariants;
  t.read = sim::read_trace(
      path, protocols::registry(), sections(), [&](const sim::Scenario& s) { invariants.start(s); },
      [&](const sim::TraceEvent& ev) {
        invariants.on_event(ev);
        sim::StoredEvent s = sim::StoredEvent::copy(ev);
        // Read back, envelopes come from the heap (no pool): share them.
        if (ev.msg) s.msg = sim::MessagePtr(const_cast<sim::Envelope*>(ev.msg));
        if (ev.data) s.data = *ev.data;
        t.events.push_back(std::move(s));
      },
      [&](sim::Time time, sim::NodeId node, const nlohmann::json& changes) {
        t.states.push_back(StateChange{t.events.size(), time, node, changes});
      });
  t.verdicts = invariants.finish(sim::Time::from_ns(t.read.footer.end_ns));
  t.stopped = invariants.stopped();
  t.topology = t.read.scenario.topology();
  for (uint32_t i = 0; i < t.topology.size(); ++i) t.names.push_back(t.topology.name(sim::NodeId(i)));
  // The violation to show: the earliest at an event, else one found at the end.
  for (const auto& r : t.verdicts) {
    if (r.verdict != sim::Verdict::violated || !r.violation) continue;
    const sim::Violation& v = *r.violation;
    const bool better = !t.violation || (t.violation->at_end && !v.at_end) ||
                        (!t.violation->at_end && !v.at_end && v.seq < t.violation->seq);
    if (better) t.violation = v;
  }
  if (t.violation && !t.violation->at_end && t.violation->seq < t.events.size()) t.violation_event = t.violation->seq;
  return t;
}

TimeUnit parse_unit(const std::string& text) {
  if (text == "s") return TimeUnit::s;
  if (text == "ms") return TimeUnit::ms;
  if (text == "us") return TimeUnit::us;
  if (text == "ns") return TimeUnit::ns;
  throw sim::InputError("--unit " + sim::printable(text, 20) + ": the unit must be s, ms, us or ns");
}

std::string format_time(sim::Time t, TimeUnit unit) {
  const int64_t ns = t.ns();
  char buf[48];
  switch (unit) {
    case TimeUnit::s:
      std::snprintf(buf, sizeof buf, "%lld.%06llds", static_cast<long long>(ns / 1'000'000'000),
                    static_cast<long long>(ns % 1'000'000'000 / 1000));
      return buf;
    case TimeUnit::ms: return sim::format_ms(t - sim::Time::zero());
    case TimeUnit::us:
      std::snprintf(buf, sizeof buf, "%lld.%03lldus", static_cast<long long>(ns / 1000), static_cast<long long>(ns % 1000));
      return buf;
    case TimeUnit::ns: return std::to_string(ns) + "ns";
  }
  return std::to_string(ns) + "ns";
}

namespace {
bool is_word(const std::string& s) { return s.size() <= 60 && sim::is_bare_word(s); }

std::string signed_ms(int64_t ns) {
  return (ns >= 0 ? "+" : "") + sim::format_ms(sim::Duration::nanos(ns));
}
}  // namespace

std::string fields_text(const nlohmann::json& data, std::initializer_list<std::string_view> skip) {
  if (!data.is_object()) return data.is_null() ? "" : value_text(data);
  std::string out;
  for (const auto& [k, v] : data.items()) {
    if (std::find(skip.begin(), skip.end(), k) != skip.end()) continue;
    if (!out.empty()) out.push_back(' ');
    out += k + "=" + value_text(v);
  }
  return out;
}

std::string value_text(const nlohmann::json& v, size_t max_bytes) {
  std::string s;
  if (v.is_string()) s = is_word(v.get<std::string>()) ? v.get<std::string>() : v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  else if (v.is_array() && !v.empty() && std::all_of(v.begin(), v.end(), [](const auto& e) { return e.is_string() || e.is_number(); })) {
    s = "[";
    for (const auto& e : v) s += (s.size() > 1 ? " " : "") + value_text(e, max_bytes);
    s += "]";
  } else s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  s = sim::printable(s, 1 << 20);
  if (s.size() > max_bytes) s = s.substr(0, max_bytes) + "...";
  return s;
}

std::vector<bool> heartbeat_events(const LoadedTrace& trace) {
  const auto& protocol = trace.protocol();
  std::vector<bool> out(trace.events.size(), false);
  std::set<uint64_t> hidden_messages;  // heartbeats and their answers, by message id
  sim::NodeId handler_node;             // the handler of a heartbeat delivery...
  sim::Time handler_time = sim::Time::from_ns(-1);
  sim::NodeId heartbeat_sender;         // ...and whom it answers
  for (size_t i = 0; i < trace.events.size(); ++i) {
    const sim::StoredEvent& ev = trace.events[i];
    const bool new_handler = ev.kind == sim::TraceKind::deliver || ev.kind == sim::TraceKind::timer ||
                             ev.node != handler_node || ev.time != handler_time;
    if (new_handler) handler_node = sim::NodeId();
    if (ev.kind != sim::TraceKind::send && ev.kind != sim::TraceKind::deliver && ev.kind != sim::TraceKind::drop) continue;
    bool heartbeat = hidden_messages.count(ev.id) > 0;
    if (!heartbeat && ev.kind == sim::TraceKind::send && ev.msg && protocol.heartbeat && protocol.heartbeat(*ev.msg))
      heartbeat = true;
    if (!heartbeat && ev.kind == sim::TraceKind::send && handler_node.valid() && ev.peer == heartbeat_sender)
      heartbeat = true;  // the answer to a heartbeat
    if (heartbeat && ev.kind == sim::TraceKind::send) hidden_messages.insert(ev.id);
    if (heartbeat && ev.kind == sim::TraceKind::deliver) {
      handler_node = ev.node;
      handler_time = ev.time;
      heartbeat_sender = ev.peer;
    }
    out[i] = heartbeat;
  }
  return out;
}

bool event_matches(const sim::StoredEvent& ev, std::string_view pattern) {
  const bool prefix = !pattern.empty() && pattern.back() == '*';
  if (prefix) pattern.remove_suffix(1);
  for (std::string_view s : {sim::to_string(ev.kind), std::string_view(ev.name)})
    if (prefix ? s.substr(0, pattern.size()) == pattern : s == pattern) return true;
  return false;
}

std::string actor_name(const LoadedTrace& trace, const sim::StoredEvent& ev) {
  std::string name = ev.node.valid() && ev.node.value < trace.names.size() ? trace.names[ev.node.value] : "-";
  if (ev.kind == sim::TraceKind::client) {
    const uint32_t p = sim::client_process(ev.view()).process;
    if (p != 0) name += "p" + std::to_string(p);
  }
  return name;
}

std::string event_text(const LoadedTrace& trace, const sim::StoredEvent& ev) {
  const auto name = [&](sim::NodeId n) { return n.valid() && n.value < trace.names.size() ? trace.names[n.value] : std::string("-"); };
  const std::string node = name(ev.node);
  std::string out;
  const auto message = [&]() {
    if (ev.msg) ev.msg->write_text(out, &trace.names);
    else out += ev.name;
  };
  switch (ev.kind) {
    case sim::TraceKind::send:
      out = node + " -> " + name(ev.peer) + " #" + std::to_string(ev.id) + " ";
      message();
      if (ev.tag) out += "  (rewritten by a Byzantine fault)";
      break;
    case sim::TraceKind::deliver:
      out = node + " <- " + name(ev.peer) + " #" + std::to_string(ev.id) + " ";
      out += ev.name;
      if (ev.tag) out += " (duplicate)";
      break;
    case sim::TraceKind::drop:
      out = node + " -x " + name(ev.peer) + " #" + std::to_string(ev.id) + " " + ev.name + " dropped: " + ev.cause;
      break;
    case sim::TraceKind::timer:
      out = node + " timer: ";
      message();
      break;
    case sim::TraceKind::crash:
      out = node + " CRASH";
      if (ev.data.is_object() && ev.data.value("lose_unsynced", false)) out += " (unsynced writes lost)";
      break;
    case sim::TraceKind::restart:
      out = node + " RESTART";
      if (ev.data.is_object() && ev.data.contains("incarnation")) out += " (incarnation " + value_text(ev.data["incarnation"]) + ")";
      break;
    case sim::TraceKind::observe:
      out = node + " ";
      message();
      break;
    case sim::TraceKind::client: {
      out = actor_name(trace, ev) + " " + ev.name;
      if (const sim::ClientEvent* c = ev.view().client()) {
        out += " " + std::string(sim::enum_name(c->f));
        if (!c->key.empty()) out += " " + value_text(nlohmann::json(c->key));
        if (!c->value.is_null()) out += (ev.name == "invoke" ? " " : " -> ") + value_text(c->value);
      }
      break;
    }
    case sim::TraceKind::fault: {
      out = "FAULT " + ev.name;
      const std::string f = fields_text(ev.data, {"stream", "at", "note"});
      if (!f.empty()) out += " " + f;
      // A fault that hit nothing says so in full (faults/schedule.h).
      if (ev.data.is_object() && ev.data.contains("note") && ev.data["note"].is_string())
        out += " -- " + sim::printable(ev.data["note"].get<std::string>(), 300);
      if (ev.node.valid()) out = node + " " + out;
      break;
    }
    case sim::TraceKind::clock: {
      out = node + " clock " + ev.name;
      if (ev.data.is_object()) {
        if (ev.data.contains("jump_ns") && ev.data["jump_ns"].is_number_integer())
          out += " " + signed_ms(ev.data["jump_ns"].get<int64_t>());
        if (ev.data.contains("offset_ns") && ev.data["offset_ns"].is_number_integer())
          out += ", now " + signed_ms(ev.data["offset_ns"].get<int64_t>()) + " from true time";
        if (ev.data.contains("drift_ppb") && ev.data["drift_ppb"].is_number_integer())
          out += ", drift " + std::to_string(ev.data["drift_ppb"].get<int64_t>()) + "ppb";
      }
      break;
    }
  }
  return out;
}

// ---- state ----------------------------------------------------------------------------

StateFold::StateFold(const LoadedTrace& trace) : trace_(&trace), nodes_(trace.topology.size()) {
  for (const auto& c : trace.read.scenario.clocks)
    if (c.node.value < nodes_.size()) nodes_[c.node.value].clock = sim::LocalClock(c.offset, c.drift_ppb);
}

void StateFold::apply_states_through(size_t events) {
  const auto& all = trace_->states;
  for (; states_ < all.size() && all[states_].after <= events; ++states_) {
    const StateChange& c = all[states_];
    nlohmann::json& s = nodes_[c.node.value].state;
    for (const auto& [k, v] : c.changes.items()) {
      if (v.is_null()) s.erase(k);
      else s[k] = v;
    }
  }
}

void StateFold::apply_event(const sim::StoredEvent& ev) {
  if (!ev.node.valid() || ev.node.value >= nodes_.size()) return;
  NodeView& n = nodes_[ev.node.value];
  switch (ev.kind) {
    case sim::TraceKind::crash:  // the last state stays on show (durable parts survive), marked down
      n.up = false;
      n.since = ev.time;
      break;
    case sim::TraceKind::restart:
      n.up = true;
      n.since = ev.time;
      n.state = nlohmann::json::object();  // the new incarnation records its state in full
      if (ev.data.is_object() && ev.data.contains("incarnation") && ev.data["incarnation"].is_number_unsigned())
        n.incarnation = ev.data["incarnation"].get<uint32_t>();
      break;
    case sim::TraceKind::clock:
      if (!ev.data.is_object()) break;
      if (ev.name == "jump" && ev.data.contains("jump_ns") && ev.data["jump_ns"].is_number_integer())
        n.clock.jump(ev.time, sim::Duration::nanos(ev.data["jump_ns"].get<int64_t>()));
      if (ev.name == "drift" && ev.data.contains("drift_ppb") && ev.data["drift_ppb"].is_number_integer())
        n.clock.set_drift_ppb(ev.time, ev.data["drift_ppb"].get<int64_t>());
      break;
    default: break;
  }
}

void StateFold::advance_to(size_t events) {
  events = std::min(events, trace_->events.size());
  if (events < events_) {  // backwards: start again
    *this = StateFold(*trace_);
  }
  for (; events_ < events; ++events_) {
    apply_states_through(events_);
    apply_event(trace_->events[events_]);
  }
  apply_states_through(events_);
}

namespace {
// A state field's value as text; "log" runs as "first-last:term ...".
std::string field_text(const std::string& key, const nlohmann::json& v) {
  if (key == "log" && v.is_array()) {
    if (v.empty()) return "(empty)";
    std::string out;
    for (const auto& run : v) {
      if (!run.is_array() || run.size() != 3) return value_text(v);
      if (!out.empty()) out.push_back(' ');
      const std::string a = run[0].dump(), b = run[1].dump();
      out += (a == b ? a : a + "-" + b) + ":t" + run[2].dump();
    }
    return out;
  }
  if (v.is_null()) return "-";
  if (v.is_object()) {
    if (v.empty()) return "{}";
    std::string out = "{";
    for (const auto& [k, e] : v.items()) out += (out.size() > 1 ? " " : "") + k + "=" + value_text(e, 60);
    return out + "}";
  }
  return value_text(v, 200);
}

std::string pad(std::string s, size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

// The term of `index` from a node's log runs, or nullopt past its end; 0 for a compacted index.
struct LogRow {
  std::vector<std::array<uint64_t, 3>> runs;
  uint64_t commit = 0, snapshot = 0, last = 0;
  std::optional<uint64_t> term_at(uint64_t i) const {
    if (i <= snapshot) return 0;
    for (const auto& r : runs)
      if (i >= r[0] && i <= r[1]) return r[2];
    return std::nullopt;
  }
};

std::optional<LogRow> log_row(const nlohmann::json& state) {
  auto it = state.find("log");
  if (it == state.end() || !it->is_array()) return std::nullopt;
  LogRow row;
  for (const auto& r : *it) {
    if (!r.is_array() || r.size() != 3 || !r[0].is_number_unsigned() || !r[1].is_number_unsigned() ||
        !r[2].is_number_unsigned())
      return std::nullopt;
    row.runs.push_back({r[0].get<uint64_t>(), r[1].get<uint64_t>(), r[2].get<uint64_t>()});
    row.last = std::max(row.last, r[1].get<uint64_t>());
  }
  if (auto c = state.find("commit_index"); c != state.end() && c->is_number_unsigned()) row.commit = c->get<uint64_t>();
  if (auto s = state.find("snapshot"); s != state.end() && s->is_string()) {
    const std::string text = s->get<std::string>();
    row.snapshot = std::strtoull(text.c_str(), nullptr, 10);
    row.last = std::max(row.last, row.snapshot);
  }
  return row;
}
}  // namespace

namespace {
bool continues_handler(const sim::StoredEvent& prev, const sim::StoredEvent& ev) {
  using K = sim::TraceKind;
  const bool output = ev.kind == K::send || ev.kind == K::observe || ev.kind == K::client || ev.kind == K::drop;
  return output && ev.node == prev.node && ev.time == prev.time && prev.kind != K::crash && prev.kind != K::fault;
}
}  // namespace

size_t handler_end(const LoadedTrace& trace, size_t index) {
  size_t j = index + 1;
  while (j < trace.events.size() && continues_handler(trace.events[j - 1], trace.events[j])) ++j;
  return j;
}

bool starts_handler(const LoadedTrace& trace, size_t index) {
  return index == 0 || !continues_handler(trace.events[index - 1], trace.events[index]);
}

std::vector<std::string> change_lines(const LoadedTrace& trace, const StateFold& before, size_t index) {
  std::vector<std::string> lines;
  if (!starts_handler(trace, index)) return lines;
  const size_t end = handler_end(trace, index);
  auto it = std::lower_bound(trace.states.begin(), trace.states.end(), index + 1,
                             [](const StateChange& c, size_t v) { return c.after < v; });
  std::map<uint32_t, nlohmann::json> seen;  // the nodes these records change, as they were
  for (; it != trace.states.end() && it->after <= end; ++it) {
    auto [at, fresh] = seen.try_emplace(it->node.value);
    if (fresh) at->second = before.nodes()[it->node.value].state;
    nlohmann::json& old = at->second;
    std::string line = trace.names[it->node.value] + ":";
    for (const auto& [k, v] : it->changes.items()) {
      const auto was = old.find(k);
      line += " " + k + " " + (was == old.end() ? std::string("-") : field_text(k, *was)) + " -> " + field_text(k, v);
      if (v.is_null()) old.erase(k);
      else old[k] = v;
    }
    lines.push_back(line);
  }
  return lines;
}

void print_states(std::FILE* out, const LoadedTrace& trace, const StateFold& fold, sim::Time at, TimeUnit unit) {
  const auto& nodes = fold.nodes();
  bool clocks = false;
  for (const auto& n : nodes) clocks |= !n.clock.is_identity();
  size_t width = 0;
  for (const auto& name : trace.names) width = std::max(width, name.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const NodeView& n = nodes[i];
    std::string line = pad(trace.names[i], width + 2);
    if (!n.up) line += "DOWN since " + format_time(n.since, unit) + " (last state) ";
    if (clocks) line += "[local clock " + format_time(n.clock.local_at(at), unit) + "] ";
    std::string fields;
    for (const auto& [k, v] : n.state.items()) fields += (fields.empty() ? "" : " ") + k + "=" + field_text(k, v);
    line += fields.empty() ? "(no state recorded)" : fields;
    std::fprintf(out, "%s\n", line.c_str());
  }
  // The log matrix (the picture of the Raft paper's Figure 8): servers x indexes, terms in cells.
  std::vector<std::optional<LogRow>> rows;
  uint64_t last = 0;
  bool any = false;
  for (const auto& n : nodes) {
    rows.push_back(log_row(n.state));
    if (rows.back()) {
      any = true;
      last = std::max(last, rows.back()->last);
    }
  }
  if (!any) return;
  constexpr uint64_t kColumns = 30;
  const uint64_t first = last > kColumns ? last - kColumns + 1 : 1;
  uint64_t max_term = 0;
  for (const auto& r : rows)
    if (r)
      for (const auto& run : r->runs) max_term = std::max(max_term, run[2]);
  const size_t cell = std::max(std::to_string(last).size(), std::to_string(max_term).size()) + 2;
  const size_t label = std::max<size_t>(width, 5) + 1;  // room for "index"
  std::fprintf(out, "\nlog: the term of each entry; * marks the commit index, s a compacted (snapshot) entry%s\n",
               first > 1 ? (", indexes before " + std::to_string(first) + " not shown").c_str() : "");
  std::string header = pad("index", label);
  for (uint64_t i = first; i <= last; ++i) {
    std::string c = std::to_string(i);
    header += std::string(cell - c.size() - 1, ' ') + c + " ";
  }
  std::fprintf(out, "%s\n", header.c_str());
  for (size_t n = 0; n < rows.size(); ++n) {
    if (!rows[n]) continue;
    std::string line = pad(trace.names[n], label);
    for (uint64_t i = first; i <= last; ++i) {
      const auto t = rows[n]->term_at(i);
      std::string c = !t ? "." : i <= rows[n]->snapshot ? "s" : std::to_string(*t);
      line += std::string(cell - c.size() - 1, ' ') + c + (i == rows[n]->commit && t ? "*" : " ");
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::fprintf(out, "%s%s\n", line.c_str(), nodes[n].up ? "" : "   (down)");
  }
}

size_t resolve_point(const LoadedTrace& trace, const std::string& at, sim::Time* time) {
  const size_t count = trace.events.size();
  if (!at.empty() && at[0] == '#') {
    const std::string digits = at.substr(1);
    if (digits.empty() || digits.size() > 19 || !std::all_of(digits.begin(), digits.end(), ::isdigit))
      throw sim::InputError("--at " + sim::printable(at, 40) + ": an event is '#N' with N a number (the seq of `dsim log`)");
    const uint64_t n = std::stoull(digits);
    if (n >= count)
      throw sim::InputError("--at " + at + ": the trace has events #0 to #" + std::to_string(count == 0 ? 0 : count - 1));
    *time = trace.events[n].time;
    return handler_end(trace, n);
  }
  std::string error;
  const auto d = sim::parse_duration(at, &error);
  if (!d) throw sim::InputError("--at " + sim::printable(at, 40) + ": " + error + " (a time such as 2.842s, or '#N' for after event N)");
  const sim::Time t = sim::Time::zero() + *d;
  if (t.ns() > trace.read.footer.end_ns)
    throw sim::InputError("--at " + at + ": the run ends at " + format_time(sim::Time::from_ns(trace.read.footer.end_ns), TimeUnit::ms));
  *time = t;
  return static_cast<size_t>(std::upper_bound(trace.events.begin(), trace.events.end(), t,
                                              [](sim::Time v, const sim::StoredEvent& e) { return v < e.time; }) -
                             trace.events.begin());
}

}  // namespace dsim::cli
