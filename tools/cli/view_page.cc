#include "tools/cli/view_page.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "sim/check/client_history.h"
#include "sim/check/linearizability.h"
#include "sim/check/models.h"
#include "sim/printable.h"

namespace dsim::cli {

namespace view_assets {
extern const std::string_view page_html;
extern const std::string_view view_css;
extern const std::string_view view_js;
}  // namespace view_assets

namespace {

using nlohmann::json;

// Raw DEFLATE (no zlib header): what the browser's DecompressionStream("deflate-raw") reads.
std::string view_deflate(std::string_view in) {
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("deflateInit2 failed");
  std::string out;
  char buf[1 << 16];
  size_t pos = 0;
  int rc = Z_OK;
  do {
    const size_t piece = std::min<size_t>(in.size() - pos, 1u << 30);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + pos));
    z.avail_in = static_cast<uInt>(piece);
    pos += piece;
    const int flush = pos == in.size() ? Z_FINISH : Z_NO_FLUSH;
    do {
      z.next_out = reinterpret_cast<Bytef*>(buf);
      z.avail_out = sizeof buf;
      rc = deflate(&z, flush);
      out.append(buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0);
  } while (pos < in.size());
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("deflate did not finish");
  return out;
}

void view_base64(std::string_view in, std::string& out) {
  static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out.reserve(out.size() + (in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t v = uint32_t(uint8_t(in[i])) << 16 | uint32_t(uint8_t(in[i + 1])) << 8 | uint8_t(in[i + 2]);
    out.push_back(kDigits[v >> 18]);
    out.push_back(kDigits[(v >> 12) & 63]);
    out.push_back(kDigits[(v >> 6) & 63]);
    out.push_back(kDigits[v & 63]);
  }
  if (i < in.size()) {
    uint32_t v = uint32_t(uint8_t(in[i])) << 16;
    if (i + 1 < in.size()) v |= uint32_t(uint8_t(in[i + 1])) << 8;
    out.push_back(kDigits[v >> 18]);
    out.push_back(kDigits[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kDigits[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
}

void view_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// JSON safe inside <script>: every '<' written as \u003c (a '<' can only be inside a JSON
// string), so no "</script" ends the element early and no "<!--" changes how it is parsed.
std::string view_script_json(const json& j) {
  const std::string s = j.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '<') out += "\\u003c";
    else out.push_back(c);
  }
  return out;
}

class ViewStrings {
 public:
  uint32_t id(std::string_view s) {
    auto it = ids_.find(std::string(s));
    if (it != ids_.end()) return it->second;
    const uint32_t id = static_cast<uint32_t>(list_.size());
    list_.emplace_back(s);
    ids_.emplace(list_.back(), id);
    return id;
  }
  const std::vector<std::string>& list() const { return list_; }

 private:
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<std::string> list_;
};

// The node names a fault's data mentions, in node order (an empty list: it names none).
std::vector<uint32_t> view_nodes_named(const json& data, const std::vector<std::string>& names) {
  std::set<std::string> found;
  std::vector<const json*> todo{&data};
  while (!todo.empty()) {
    const json* j = todo.back();
    todo.pop_back();
    if (j->is_string()) found.insert(j->get<std::string>());
    else if (j->is_structured())
      for (const auto& v : *j) todo.push_back(&v);
  }
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < names.size(); ++i)
    if (found.count(names[i])) out.push_back(i);
  return out;
}

// One event's own text for the details panel and the badges: the message's or observation's
// fields with node names, a client event's operation, a fault's data. A delivery or a drop
// shows its send's fields (the page links them), so it carries only what differs.
std::string view_detail(const LoadedTrace& trace, const sim::StoredEvent& ev) {
  std::string out;
  switch (ev.kind) {
    case sim::TraceKind::send:
      out = "#" + std::to_string(ev.id);
      if (ev.msg) {
        out.push_back(' ');
        ev.msg->write_fields(out, &trace.names);
      }
      break;
    case sim::TraceKind::deliver:
    case sim::TraceKind::drop:
      out = "#" + std::to_string(ev.id);
      break;
    case sim::TraceKind::timer:
    case sim::TraceKind::observe:
      if (ev.msg) ev.msg->write_fields(out, &trace.names);
      break;
    case sim::TraceKind::client:
      out = event_text(trace, ev);
      break;
    default:
      out = fields_text(ev.data, {"stream"});
      break;
  }
  return sim::printable(out, 1 << 20);
}

// Node lists as people write them: ["n1","n2"] -> "n1 n2", groups -> "n1 n2 | n3 n4".
std::string view_nodes_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string out;
    const bool groups = !v.empty() && std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_array(); });
    for (const json& e : v) out += (out.empty() ? "" : groups ? " | " : " ") + view_nodes_text(e);
    return out;
  }
  if (v.is_object() && v.contains("from") && v.contains("to")) return view_nodes_text(v["from"]) + " -> " + view_nodes_text(v["to"]);
  return value_text(v);
}

// A fault's label for its band: "partition n1 n2 | n3 n4 c1 for 2s", "cut n1 -> n2 n3 for 1s".
std::string view_fault_label(const sim::StoredEvent& ev) {
  std::string label = ev.name;
  if (!ev.data.is_object()) return label;
  const json& d = ev.data;
  if (d.contains(ev.name)) label += " " + view_nodes_text(d[ev.name]);
  for (const auto& [k, v] : d.items()) {
    if (k == ev.name || k == "stream" || k == "at" || k == "note" || k == "for") continue;
    label += " " + k + "=" + value_text(v);
  }
  if (d.contains("for")) {
    // A nemesis writes exact durations ("198916167ns"): shown in ms, as everywhere else.
    const json& f = d["for"];
    std::string text = value_text(f);
    if (f.is_string()) {
      const std::string v = f.get<std::string>();
      if (v.size() > 2 && v.size() < 20 && v.compare(v.size() - 2, 2, "ns") == 0 &&
          v.find_first_not_of("0123456789") == v.size() - 2)
        text = sim::format_ms(sim::Duration::nanos(std::stoll(v.substr(0, v.size() - 2))));
    }
    label += " for " + text;
  }
  return label;
}

// A clock event as [index, what happened, the clock afterwards]: "jump -300.000ms",
// "offset -300.000ms, drift -500000 ppm".
json view_clock(const sim::StoredEvent& ev) {
  const json& d = ev.data;
  const auto number = [&](const char* key) -> std::optional<int64_t> {
    if (d.is_object() && d.contains(key) && d[key].is_number_integer()) return d[key].get<int64_t>();
    return std::nullopt;
  };
  const auto ms = [](int64_t ns) { return (ns >= 0 ? "+" : "") + sim::format_ms(sim::Duration::nanos(ns)); };
  const auto ppm = [](int64_t ppb) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%+.3f ppm", static_cast<double>(ppb) / 1000.0);
    return std::string(buf);
  };
  std::string what = ev.name;
  if (ev.name == "jump" && number("jump_ns")) what = "jump " + ms(*number("jump_ns"));
  else if (ev.name == "drift" && number("drift_ppb")) what = "drift " + ppm(*number("drift_ppb"));
  else if (const std::string f = fields_text(d); !f.empty()) what += " " + f;
  std::string after;
  if (number("offset_ns")) after = "offset " + ms(*number("offset_ns"));
  if (number("drift_ppb")) after += (after.empty() ? "" : ", ") + std::string("drift ") + ppm(*number("drift_ppb"));
  return json{ev.seq, what, after};
}

json view_state_of(const NodeView& n) {
  return json{{"up", n.up}, {"inc", n.incarnation}, {"s", n.state}};
}

// The client operations (a bar each in the history panel) and, when the run's history is not
// linearizable, the counterexample the checker finds, re-checked here from the trace.
json view_history(const LoadedTrace& trace, size_t* operations) {
  const std::string& model_name = trace.protocol().history_model;
  if (model_name.empty()) return nullptr;
  check::ClientHistory clients(trace.names);
  check::HistoryBuilder builder;
  json ops = json::array();
  std::map<int, size_t> open;  // process -> row in ops
  std::set<int> processes;
  try {
    for (const sim::StoredEvent& ev : trace.events) {
      // Every event: deliveries tell it which server answered.
      const std::optional<check::Event> e = clients.on_event(ev.view());
      if (!e) continue;
      builder.add(*e, static_cast<int64_t>(ev.seq));
      processes.insert(e->process);
      if (e->type == check::Event::Type::invoke) {
        open[e->process] = ops.size();
        ops.push_back(json{e->process, ev.seq, -1, "", e->f, e->key, e->value, nullptr, ""});
      } else if (auto it = open.find(e->process); it != open.end()) {
        json& op = ops[it->second];
        op[2] = ev.seq;
        op[3] = check::type_name(e->type);
        op[7] = e->value;
        op[8] = clients.answered_by(op[1].get<int64_t>());
        open.erase(it);
      }
    }
  } catch (const std::exception&) {
    return nullptr;  // a history the checker cannot read: `dsim check` says why; no panel
  }
  *operations = ops.size();
  json procs = json::array();
  for (int p = 0; p <= (processes.empty() ? -1 : *processes.rbegin()); ++p) procs.push_back(clients.process_name(p));
  json out{{"model", model_name}, {"ops", std::move(ops)}, {"processes", std::move(procs)}};
  // Checked again here when the run's `linearizable` invariant found a violation, or ran out
  // of its budget (a loaded machine): with a longer budget, to show the counterexample.
  const auto verdict = std::find_if(trace.verdicts.begin(), trace.verdicts.end(),
                                    [](const sim::InvariantResult& r) { return r.name == "linearizable"; });
  out["verdict"] = verdict == trace.verdicts.end() ? "not checked" : std::string(sim::to_string(verdict->verdict));
  if (verdict == trace.verdicts.end() || verdict->verdict == sim::Verdict::holds) return out;
  try {
    const check::History history = std::move(builder).finish();
    check::CheckOptions options;
    options.budget = std::chrono::milliseconds(120'000);
    const check::CheckResult r = check::check_linearizable(history, check::model_by_name(model_name), options);
    if (r.counterexample) {
      const check::Counterexample& c = *r.counterexample;
      json concurrent = json::array();
      for (size_t i = 0; i < c.concurrent.size(); ++i)
        concurrent.push_back(json{c.concurrent[i].line, i < c.concurrent_legal.size() && c.concurrent_legal[i]});
      out["counterexample"] = json{{"key", c.partition},
                                   {"blocked", c.blocked.line},
                                   {"prefix", c.prefix_lines},
                                   {"state", c.state},
                                   {"concurrent", std::move(concurrent)},
                                   {"text", c.to_text([&](const check::Operation& op) { return clients.describe(op); })}};
    } else {
      out["unchecked"] = r.to_text();
    }
  } catch (const std::exception& e) {
    out["unchecked"] = std::string("the history could not be checked: ") + e.what();
  }
  return out;
}

void view_replace(std::string& page, std::string_view mark, std::string_view with) {
  const size_t at = page.find(mark);
  if (at == std::string::npos) throw std::logic_error("view page template lacks " + std::string(mark));
  page.replace(at, mark.size(), with);
}

}  // namespace

std::string view_page(const LoadedTrace& trace, const std::string& title, ViewPageStats* stats) {
  const auto& events = trace.events;
  const size_t n = events.size();
  ViewStrings strings;

  // Columns: kinds (a byte each: the kind, | 0x10 when tagged, | 0x20 a heartbeat or its
  // answer, | 0x40 an observation the protocol counts as its story), then varints for node+1, peer+1,
  // name, time delta; links (deliver/drop: distance back to the send, 0 if none) and drop
  // causes only for the events that have them.
  std::string kinds, nodes, peers, names, times, links, causes;
  kinds.reserve(n);
  std::unordered_map<uint64_t, uint64_t> send_of;  // message id -> index of its send
  int64_t last_ns = 0;
  const std::vector<bool> heartbeats = heartbeat_events(trace);
  const auto& story = trace.protocol().story;
  for (size_t i = 0; i < n; ++i) {
    const sim::StoredEvent& ev = events[i];
    const bool in_story = ev.kind == sim::TraceKind::observe && std::find(story.begin(), story.end(), ev.name) != story.end();
    kinds.push_back(static_cast<char>(static_cast<uint8_t>(ev.kind) | (ev.tag ? 0x10 : 0) | (heartbeats[i] ? 0x20 : 0) |
                                      (in_story ? 0x40 : 0)));
    view_varint(nodes, ev.node.valid() ? ev.node.value + 1ull : 0);
    view_varint(peers, ev.peer.valid() ? ev.peer.value + 1ull : 0);
    view_varint(names, strings.id(ev.name));
    const int64_t ns = ev.time.ns();
    view_varint(times, static_cast<uint64_t>(std::max<int64_t>(0, ns - last_ns)));
    last_ns = std::max(last_ns, ns);
    if (ev.kind == sim::TraceKind::send) send_of[ev.id] = i;
    if (ev.kind == sim::TraceKind::deliver || ev.kind == sim::TraceKind::drop) {
      auto it = send_of.find(ev.id);
      view_varint(links, it == send_of.end() ? 0 : i - it->second);
    }
    if (ev.kind == sim::TraceKind::drop) view_varint(causes, strings.id(ev.cause));
  }
  std::string columns;
  json column_sizes = json::array();
  for (const std::string* c : {&kinds, &nodes, &peers, &names, &times, &links, &causes}) {
    column_sizes.push_back(c->size());
    columns += *c;
  }
  const std::string columns_z = view_deflate(columns);

  // Chunks: the events' texts, the node states at the chunk's start, the changes inside it.
  std::string chunks_z;
  json chunk_sizes = json::array();
  StateFold fold(trace);
  size_t next_change = 0;
  for (size_t start = 0; start < n || (n == 0 && start == 0); start += kViewChunk) {
    const size_t end = std::min(n, start + kViewChunk);
    fold.advance_to(start);
    json snap = json::array();
    for (const NodeView& node : fold.nodes()) snap.push_back(view_state_of(node));
    while (next_change < trace.states.size() && trace.states[next_change].after <= start) ++next_change;
    json changes = json::array();
    for (; next_change < trace.states.size() && trace.states[next_change].after <= end; ++next_change) {
      const StateChange& c = trace.states[next_change];
      changes.push_back(json{c.after, c.node.value, c.changes});
    }
    json details = json::array();
    for (size_t i = start; i < end; ++i) details.push_back(view_detail(trace, events[i]));
    const std::string z = view_deflate(json{{"d", std::move(details)}, {"s", std::move(snap)}, {"c", std::move(changes)}}.dump(
        -1, ' ', false, json::error_handler_t::replace));
    chunk_sizes.push_back(z.size());
    chunks_z += z;
    if (n == 0) break;
  }

  // Spans and marks the diagram draws from the start: down time, faults, clock changes, roles.
  json down = json::array();
  std::vector<int64_t> down_since(trace.names.size(), -1);
  json faults = json::array();
  std::map<std::string, size_t> open_faults;  // stream -> row in faults
  json clocks = json::array();
  for (size_t i = 0; i < n; ++i) {
    const sim::StoredEvent& ev = events[i];
    const bool known_node = ev.node.valid() && ev.node.value < trace.names.size();
    if (ev.kind == sim::TraceKind::crash && known_node) {
      if (down_since[ev.node.value] < 0) down_since[ev.node.value] = static_cast<int64_t>(i);
    } else if (ev.kind == sim::TraceKind::restart && known_node) {
      if (down_since[ev.node.value] >= 0) down.push_back(json{ev.node.value, down_since[ev.node.value], i});
      down_since[ev.node.value] = -1;
    } else if (ev.kind == sim::TraceKind::clock && known_node) {
      clocks.push_back(view_clock(ev));
    } else if (ev.kind == sim::TraceKind::fault) {
      const std::string stream = ev.data.is_object() ? ev.data.value("stream", "") : "";
      if (ev.data.is_object() && ev.data.contains("end_of")) {
        if (auto it = open_faults.find(stream); it != open_faults.end()) {
          faults[it->second][2] = i;
          open_faults.erase(it);
        }
        continue;
      }
      const std::string label = view_fault_label(ev);
      faults.push_back(json{ev.name, i, -1, label, view_nodes_named(ev.data, trace.names)});
      if (!stream.empty()) {
        if (auto it = open_faults.find(stream); it != open_faults.end()) faults[it->second][2] = i;
        open_faults[stream] = faults.size() - 1;
      }
    }
  }
  for (uint32_t v = 0; v < down_since.size(); ++v)
    if (down_since[v] >= 0) down.push_back(json{v, down_since[v], -1});

  // Roles: a node state's "role" field over time (a Raft leader, a 2PC coordinator), for
  // colouring lanes. [node, after, role] each time it changes; a restart clears it.
  json roles = json::array();
  {
    std::vector<std::string> role(trace.names.size());
    for (const StateChange& c : trace.states) {
      if (!c.node.valid() || c.node.value >= role.size() || !c.changes.is_object() || !c.changes.contains("role")) continue;
      const json& r = c.changes["role"];
      const std::string now = r.is_string() ? r.get<std::string>() : r.is_null() ? "" : r.dump();
      if (now == role[c.node.value]) continue;
      role[c.node.value] = now;
      roles.push_back(json{c.node.value, c.after, strings.id(now)});
    }
  }

  size_t operations = 0;
  const json history = view_history(trace, &operations);
  const std::string history_z = history.is_null() ? std::string() : view_deflate(history.dump(-1, ' ', false, json::error_handler_t::replace));

  json verdicts = json::array();
  for (const sim::InvariantResult& r : trace.verdicts) {
    json v{{"name", r.name}, {"verdict", sim::to_string(r.verdict)}};
    if (!r.detail.empty()) v["detail"] = r.detail;
    if (r.violation) v["what"] = r.violation->what;
    verdicts.push_back(std::move(v));
  }
  const sim::Scenario& sc = trace.read.scenario;
  json meta{
      {"title", title.empty() ? sc.name + " (seed " + std::to_string(sc.seed) + ")" : title},
      {"scenario", sc.name},
      {"description", sc.description},
      {"protocol", sc.protocol->name},
      {"seed", sc.seed},
      {"digest", trace.read.footer.digest},
      {"end_ns", trace.read.footer.end_ns},
      {"events", n},
      {"names", trace.names},
      {"servers", trace.topology.servers()},
      {"kinds", json::array()},
      {"strings", strings.list()},
      {"columns", column_sizes},
      {"chunk", kViewChunk},
      {"chunks", chunk_sizes},
      {"down", down},
      {"faults", faults},
      {"clocks", clocks},
      {"roles", roles},
      {"verdicts", verdicts},
      {"stopped", trace.stopped},
      {"history", !history.is_null()},
      {"dsim", std::string(DSIM_VERSION)},
  };
  for (int k = 0; k <= static_cast<int>(sim::TraceKind::client); ++k)
    meta["kinds"].push_back(std::string(sim::to_string(static_cast<sim::TraceKind>(k))));
  if (trace.violation) {
    json v{{"invariant", trace.violation->invariant}, {"what", trace.violation->what}};
    if (trace.violation_event) v["event"] = *trace.violation_event;
    meta["violation"] = std::move(v);
  }

  std::string data;
  data += "<script id=\"dsim-meta\" type=\"application/json\">" + view_script_json(meta) + "</script>\n";
  data += "<script id=\"dsim-columns\" type=\"application/octet-stream\">";
  view_base64(columns_z, data);
  data += "</script>\n<script id=\"dsim-chunks\" type=\"application/octet-stream\">";
  view_base64(chunks_z, data);
  data += "</script>\n<script id=\"dsim-history\" type=\"application/octet-stream\">";
  view_base64(history_z, data);
  data += "</script>\n";

  std::string escaped_title;
  for (char c : meta["title"].get<std::string>()) {
    if (c == '<') escaped_title += "&lt;";
    else if (c == '&') escaped_title += "&amp;";
    else if (c == '>') escaped_title += "&gt;";
    else escaped_title.push_back(c);
  }
  // The template's marks are replaced in an order that never looks inside inserted text.
  std::string page(view_assets::page_html);
  view_replace(page, "<!--DSIM_TITLE-->", escaped_title);
  const size_t data_at = page.find("<!--DSIM_DATA-->");
  if (data_at == std::string::npos) throw std::logic_error("view page template lacks its data mark");
  std::string head = page.substr(0, data_at), tail = page.substr(data_at + std::string_view("<!--DSIM_DATA-->").size());
  view_replace(head, "/*DSIM_CSS*/", view_assets::view_css);
  view_replace(tail, "/*DSIM_JS*/", view_assets::view_js);
  page = head + data + tail;
  if (stats) {
    stats->events = n;
    stats->bytes = page.size();
    stats->column_bytes = columns_z.size();
    stats->chunk_bytes = chunks_z.size();
    stats->history_bytes = history_z.size();
    stats->operations = operations;
  }
  return page;
}

}  // namespace dsim::cli
