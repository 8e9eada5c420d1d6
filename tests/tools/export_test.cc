// `dsim export`: a recorded run as Chrome trace-event JSON (Perfetto, chrome://tracing) and as
// a ShiViz log. The outputs are read back here as the viewers would read them and checked
// against the trace itself (tools/cli/trace_text.h): every message arrow has both ends inside
// the handlers that sent and received it, and the vector clocks order two events exactly when
// a causal path joins them.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tests/support/subprocess.h"
#include "tools/cli/trace_text.h"

namespace {

using namespace dsim_test;
using dsim::sim::TraceKind;
namespace fs = std::filesystem;

const std::string kExportRoot = DSIM_SOURCE_DIR;
const std::string kExportShivizRegex = R"((?<event>.*)\n(?<host>\S*) (?<clock>{.*}))";

// Three pingmesh nodes for 300ms over a lossy, duplicating network, n2 down from 100ms to 200ms:
// every kind of event ShiViz shows, in a trace small enough to compare every pair of events.
const std::string kExportSmall = R"({
  "name": "export-small",
  "protocol": {"name": "pingmesh", "params": {"interval": "20ms"}},
  "nodes": 3,
  "duration": "300ms",
  "network": {"latency": {"dist": "uniform", "min": "1ms", "max": "10ms"}, "loss": 0.1, "duplicate": 0.2},
  "faults": [{"at": "100ms", "crash": "n2", "for": "100ms"}]
})";

// Runs the scenario (a path under the source tree, or a file this test wrote) with a trace.
std::string export_traced(const std::string& scenario, const std::string& extra = "") {
  const std::string path = tmp("run.jsonl");
  const std::string file = fs::exists(scenario) ? scenario : kExportRoot + "/" + scenario;
  Result r = run_dsim("run " + file + " --trace " + path + " " + extra);
  EXPECT_TRUE(r.code == 0 || r.code == 1) << r.err;
  EXPECT_TRUE(fs::exists(path)) << r.out << r.err;
  return path;
}

std::string export_to_file(const std::string& trace, const std::string& format, const std::string& extra = "") {
  const std::string out = tmp("export." + format);
  Result r = run_dsim("export " + trace + " --format " + format + " -o " + out + " " + extra);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;
  return slurp(out);
}

size_t export_count(const dsim::cli::LoadedTrace& t, TraceKind kind) {
  return static_cast<size_t>(std::count_if(t.events.begin(), t.events.end(), [&](const auto& e) { return e.kind == kind; }));
}

// ---- Perfetto --------------------------------------------------------------------------

struct ExportSlice {
  double ts, dur;
  std::string name;
  std::vector<std::string> lines;  // args.events, or args.crash for a down slice
};

// The X slices of each track (tid), in file order.
std::map<int, std::vector<ExportSlice>> export_slices(const nlohmann::json& events) {
  std::map<int, std::vector<ExportSlice>> tracks;
  for (const auto& e : events) {
    if (e["ph"] != "X") continue;
    ExportSlice s{e["ts"].get<double>(), e["dur"].get<double>(), e["name"].get<std::string>(), {}};
    if (e["args"].contains("events"))
      for (const auto& l : e["args"]["events"]) s.lines.push_back(l.get<std::string>());
    if (e["args"].contains("crash")) s.lines.push_back(e["args"]["crash"].get<std::string>());
    tracks[e["tid"].get<int>()].push_back(s);
  }
  return tracks;
}

// The slice of track `tid` whose time span holds `ts` (slices of a track do not overlap: checked
// below), or nullptr.
const ExportSlice* export_enclosing(const std::map<int, std::vector<ExportSlice>>& tracks, int tid, double ts) {
  auto it = tracks.find(tid);
  if (it == tracks.end()) return nullptr;
  const auto& slices = it->second;
  auto after = std::upper_bound(slices.begin(), slices.end(), ts, [](double v, const ExportSlice& s) { return v < s.ts; });
  if (after == slices.begin()) return nullptr;
  const ExportSlice& s = *(after - 1);
  return s.ts < ts && ts < s.ts + s.dur ? &s : nullptr;
}

bool export_lists(const ExportSlice* s, uint64_t seq) {
  if (!s) return false;
  const std::string prefix = "#" + std::to_string(seq) + " ";
  return std::any_of(s->lines.begin(), s->lines.end(), [&](const std::string& l) { return l.rfind(prefix, 0) == 0; });
}

void export_check_perfetto(const std::string& trace_path) {
  const dsim::cli::LoadedTrace t = dsim::cli::load_trace(trace_path);
  const nlohmann::json doc = nlohmann::json::parse(export_to_file(trace_path, "perfetto"));
  ASSERT_TRUE(doc["traceEvents"].is_array());
  EXPECT_EQ(doc["displayTimeUnit"], "ms");
  const nlohmann::json& events = doc["traceEvents"];

  // One named, ordered track per node; the process is the scenario.
  std::map<int, std::string> thread_names;
  std::map<int, int> sort_index;
  std::string process;
  for (const auto& e : events) {
    if (e["ph"] != "M") continue;
    if (e["name"] == "thread_name") thread_names[e["tid"].get<int>()] = e["args"]["name"];
    if (e["name"] == "thread_sort_index") sort_index[e["tid"].get<int>()] = e["args"]["sort_index"];
    if (e["name"] == "process_name") process = e["args"]["name"];
  }
  EXPECT_EQ(process, t.read.scenario.name);
  ASSERT_EQ(thread_names.size(), t.names.size());
  for (size_t n = 0; n < t.names.size(); ++n) {
    EXPECT_EQ(thread_names[static_cast<int>(n + 1)], t.names[n]);
    EXPECT_EQ(sort_index[static_cast<int>(n + 1)], static_cast<int>(n));
  }

  // Slices on one track never overlap, so every viewer nests them the same way.
  const auto tracks = export_slices(events);
  for (const auto& [tid, slices] : tracks)
    for (size_t i = 1; i < slices.size(); ++i)
      EXPECT_GE(slices[i].ts, slices[i - 1].ts + slices[i - 1].dur) << "track " << tid << " slice " << i << " " << slices[i].name;

  // Every delivery, timer and send is listed by exactly one slice of its node's track.
  std::map<uint64_t, size_t> listed;  // seq -> how many slices list it
  for (const auto& [tid, slices] : tracks)
    for (const auto& s : slices)
      for (const auto& l : s.lines) ++listed[std::stoull(l.substr(1))];
  for (const auto& ev : t.events) {
    if (ev.kind == TraceKind::deliver || ev.kind == TraceKind::timer || ev.kind == TraceKind::send)
      EXPECT_EQ(listed[ev.seq], 1u) << "#" << ev.seq << " " << dsim::cli::event_text(t, ev);
  }

  // Flows: one start and one end per id, same name, the end bound to its enclosing slice, no
  // earlier than the start; the start inside the slice listing the send, the end inside the
  // slice listing the delivery.
  std::map<uint64_t, std::vector<nlohmann::json>> starts, ends;
  for (const auto& e : events) {
    if (e["ph"] == "s") starts[e["id"].get<uint64_t>()].push_back(e);
    if (e["ph"] == "f") ends[e["id"].get<uint64_t>()].push_back(e);
  }
  std::map<uint64_t, const dsim::sim::StoredEvent*> send_of, by_seq;
  std::multimap<uint64_t, const dsim::sim::StoredEvent*> delivers_of;
  for (const auto& ev : t.events) {
    by_seq[ev.seq] = &ev;
    if (ev.kind == TraceKind::send) send_of[ev.id] = &ev;
    if (ev.kind == TraceKind::deliver) delivers_of.emplace(ev.id, &ev);
  }
  size_t flows = 0;
  std::map<uint64_t, size_t> arrows_of_message;
  for (const auto& [id, s] : starts) {
    ASSERT_EQ(s.size(), 1u) << "flow " << id;
    ASSERT_EQ(ends[id].size(), 1u) << "flow " << id;
    const nlohmann::json& f = ends[id][0];
    EXPECT_EQ(f["bp"], "e");
    EXPECT_EQ(f["name"], s[0]["name"]);
    EXPECT_EQ(f["cat"], s[0]["cat"]);
    EXPECT_GE(f["ts"].get<double>(), s[0]["ts"].get<double>()) << "flow " << id;
    // Which delivery: the one listed by the slice the end falls in.
    const ExportSlice* to = export_enclosing(tracks, f["tid"].get<int>(), f["ts"].get<double>());
    ASSERT_NE(to, nullptr) << "flow " << id << " ends outside any slice";
    const dsim::sim::StoredEvent* deliver = nullptr;
    for (const auto& l : to->lines)
      if (const auto* ev = by_seq.at(std::stoull(l.substr(1))); ev->kind == TraceKind::deliver && ev->name == f["name"]) deliver = ev;
    ASSERT_NE(deliver, nullptr) << "flow " << id << ": its end's slice delivers no " << f["name"];
    EXPECT_EQ(f["tid"].get<int>(), static_cast<int>(deliver->node.value + 1));
    const dsim::sim::StoredEvent* send = send_of.at(deliver->id);
    EXPECT_EQ(s[0]["tid"].get<int>(), static_cast<int>(send->node.value + 1));
    EXPECT_TRUE(export_lists(export_enclosing(tracks, s[0]["tid"].get<int>(), s[0]["ts"].get<double>()), send->seq))
        << "flow " << id << ": its start is not in the slice of send #" << send->seq;
    ++arrows_of_message[deliver->id];
    ++flows;
  }
  for (const auto& [id, e] : ends) EXPECT_EQ(starts.count(id), 1u) << "flow end " << id << " without a start";
  // An arrow per delivered copy; a message never delivered (dropped, or in flight at the end)
  // has none, so arrows + undelivered sends account for every send.
  EXPECT_EQ(flows, export_count(t, TraceKind::deliver));
  size_t undelivered = 0;
  for (const auto& [id, send] : send_of) {
    const auto arrows = arrows_of_message.find(id);
    EXPECT_EQ(arrows == arrows_of_message.end() ? 0 : arrows->second, delivers_of.count(id)) << "message #" << id;
    if (!delivers_of.count(id)) ++undelivered;
  }
  EXPECT_EQ(arrows_of_message.size() + undelivered, export_count(t, TraceKind::send));

  // Drops are instants named by their cause, on the sender's track.
  size_t drops = 0;
  for (const auto& e : events) {
    if (e["ph"] != "i" || e["name"].get<std::string>().rfind("drop: ", 0) != 0) continue;
    EXPECT_EQ(e["s"], "t");
    ++drops;
  }
  EXPECT_EQ(drops, export_count(t, TraceKind::drop));
}

TEST(ExportPerfetto, RaftLeaderCrashArrowsTracksAndDrops) {
  export_check_perfetto(export_traced("scenarios/raft/leader-crash.json", "--set duration=5s"));
}

TEST(ExportPerfetto, DuplicatedAndDroppedMessages) {
  const std::string trace = export_traced(write("small.json", kExportSmall));
  const dsim::cli::LoadedTrace t = dsim::cli::load_trace(trace);
  size_t duplicates = 0;
  for (const auto& ev : t.events) duplicates += ev.kind == TraceKind::deliver && ev.tag;
  ASSERT_GE(duplicates, 1u) << "the scenario should duplicate some message";
  ASSERT_GE(export_count(t, TraceKind::drop), 1u) << "the scenario should drop some message";
  export_check_perfetto(trace);
}

// A crash is a slice "down" on the node's track from the crash to the restart's handler.
TEST(ExportPerfetto, CrashesShowAsDownUntilTheRestart) {
  const std::string trace = export_traced("scenarios/raft/leader-crash.json", "--set duration=5s");
  const dsim::cli::LoadedTrace t = dsim::cli::load_trace(trace);
  const auto tracks = export_slices(nlohmann::json::parse(export_to_file(trace, "perfetto"))["traceEvents"]);
  size_t crashes = 0;
  for (const auto& ev : t.events) {
    if (ev.kind != TraceKind::crash) continue;
    ++crashes;
    const auto& slices = tracks.at(static_cast<int>(ev.node.value + 1));
    auto down = std::find_if(slices.begin(), slices.end(), [&](const ExportSlice& s) { return export_lists(&s, ev.seq); });
    ASSERT_NE(down, slices.end()) << "no slice for crash #" << ev.seq;
    EXPECT_EQ(down->name, "down");
    EXPECT_GE(down->ts, static_cast<double>(ev.time.ns()) / 1000.0);
    EXPECT_LT(down->ts, static_cast<double>(ev.time.ns()) / 1000.0 + 1.0);
    // The node's restart heads the next slice on its track.
    const auto restart = std::find_if(t.events.begin() + static_cast<std::ptrdiff_t>(&ev - t.events.data()), t.events.end(),
                                      [&](const auto& e) { return e.kind == TraceKind::restart && e.node == ev.node; });
    ASSERT_NE(restart, t.events.end());
    ASSERT_NE(down + 1, slices.end());
    EXPECT_EQ((down + 1)->name, "restart");
    EXPECT_TRUE(export_lists(&*(down + 1), restart->seq));
    EXPECT_NEAR(down->ts + down->dur, (down + 1)->ts, 0.0011);  // drawn 1 ns short of it
  }
  EXPECT_EQ(crashes, 2u);
}

// ---- ShiViz ----------------------------------------------------------------------------

struct ExportShivizEvent {
  uint64_t seq;
  std::string host;
  std::map<std::string, uint64_t> clock;
};

// Reads the log back as ShiViz does: line 1 the expression, line 2 the (empty) delimiter, then
// the event's text and "host {clock}" on the next line.
std::vector<ExportShivizEvent> export_parse_shiviz(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  EXPECT_GE(lines.size(), 2u);
  if (lines.size() < 2) return {};
  EXPECT_EQ(lines[0], kExportShivizRegex);
  EXPECT_EQ(lines[1], "");
  EXPECT_EQ(lines.size() % 2, 0u);
  const std::regex event_line(R"(#(\d+) .*)"), host_line(R"((\S*) (\{.*\}))");
  std::vector<ExportShivizEvent> out;
  for (size_t i = 2; i + 1 < lines.size(); i += 2) {
    std::smatch e, h;
    EXPECT_TRUE(std::regex_match(lines[i], e, event_line)) << lines[i];
    EXPECT_TRUE(std::regex_match(lines[i + 1], h, host_line)) << lines[i + 1];
    if (e.empty() || h.empty()) return {};
    ExportShivizEvent ev{std::stoull(e[1].str()), h[1].str(), {}};
    const nlohmann::json clock = nlohmann::json::parse(h[2].str());
    for (const auto& [k, v] : clock.items()) ev.clock[k] = v.get<uint64_t>();
    out.push_back(ev);
  }
  return out;
}

bool export_leq(const std::map<std::string, uint64_t>& a, const std::map<std::string, uint64_t>& b) {
  for (const auto& [k, v] : a) {
    auto it = b.find(k);
    if (v > (it == b.end() ? 0 : it->second)) return false;
  }
  return true;
}

// Checks the clocks of a ShiViz log against its trace; returns the parsed events.
std::vector<ExportShivizEvent> export_check_shiviz(const dsim::cli::LoadedTrace& t, const std::string& text, bool timers) {
  const std::vector<ExportShivizEvent> events = export_parse_shiviz(text);
  std::map<uint64_t, const dsim::sim::StoredEvent*> by_seq;
  for (const auto& ev : t.events) by_seq[ev.seq] = &ev;
  // Which events: all with a node, timers only when asked, in trace order.
  size_t want = 0;
  std::set<std::string> active;
  for (const auto& ev : t.events)
    if (ev.node.valid() && (ev.kind != TraceKind::timer || timers)) {
      ++want;
      active.insert(t.names[ev.node.value]);
    }
  EXPECT_EQ(events.size(), want);
  std::map<std::string, std::map<std::string, uint64_t>> last;  // host -> its previous clock
  std::map<uint64_t, std::map<std::string, uint64_t>> sent;     // message id -> the send's clock
  size_t checked_messages = 0;
  uint64_t previous_seq = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    const ExportShivizEvent& e = events[i];
    if (!by_seq.count(e.seq)) {
      ADD_FAILURE() << "#" << e.seq << " is no event of the trace";
      return events;
    }
    const auto& ev = *by_seq[e.seq];
    if (i > 0) {
      EXPECT_GT(e.seq, previous_seq);
    }
    previous_seq = e.seq;
    EXPECT_EQ(e.host, t.names[ev.node.value]) << "#" << e.seq;
    for (const auto& [k, v] : e.clock) {
      EXPECT_TRUE(active.count(k)) << "#" << e.seq << " names " << k << ", which has no event";
      EXPECT_GT(v, 0u) << "#" << e.seq;
    }
    // The own component counts the host's events 1, 2, 3, ...; nothing ever goes back.
    auto& prev = last[e.host];
    EXPECT_EQ(e.clock.at(e.host), (prev.count(e.host) ? prev[e.host] : 0) + 1) << "#" << e.seq;
    EXPECT_TRUE(export_leq(prev, e.clock)) << "#" << e.seq;
    prev = e.clock;
    if (ev.kind == TraceKind::send) sent[ev.id] = e.clock;
    if (ev.kind == TraceKind::deliver) {
      if (!sent.count(ev.id)) {
        ADD_FAILURE() << "#" << e.seq << " delivers a message no earlier event sent";
        return events;
      }
      EXPECT_TRUE(export_leq(sent[ev.id], e.clock)) << "#" << e.seq << ": the delivery does not dominate its send";
      EXPECT_NE(sent[ev.id], e.clock);
      ++checked_messages;
    }
  }
  EXPECT_GT(checked_messages, 0u);
  return events;
}

TEST(ExportShiviz, RaftClocksRespectEveryMessage) {
  const std::string trace = export_traced("scenarios/raft/leader-crash.json", "--set duration=3s");
  const dsim::cli::LoadedTrace t = dsim::cli::load_trace(trace);
  export_check_shiviz(t, export_to_file(trace, "shiviz"), false);
}

// VC(a) < VC(b) exactly when a causal path leads from a to b (program order on a host, send to
// each delivery of its message), the path found here by a search independent of the clocks.
TEST(ExportShiviz, ClocksOrderExactlyTheCausalPaths) {
  const std::string trace = export_traced(write("small.json", kExportSmall));
  const dsim::cli::LoadedTrace t = dsim::cli::load_trace(trace);
  for (bool timers : {false, true}) {
    const auto events = export_check_shiviz(t, export_to_file(trace, "shiviz", timers ? "--timers" : ""), timers);
    ASSERT_GE(events.size(), 50u);
    ASSERT_LE(events.size(), 2000u) << "too big to compare every pair";
    std::map<uint64_t, size_t> index;  // seq -> position
    for (size_t i = 0; i < events.size(); ++i) index[events[i].seq] = i;
    std::vector<std::vector<size_t>> next(events.size());
    std::map<std::string, size_t> last_on_host;
    std::map<uint64_t, size_t> send_at;
    for (size_t i = 0; i < events.size(); ++i) {
      const auto& ev = *std::find_if(t.events.begin(), t.events.end(), [&](const auto& x) { return x.seq == events[i].seq; });
      if (auto it = last_on_host.find(events[i].host); it != last_on_host.end()) next[it->second].push_back(i);
      last_on_host[events[i].host] = i;
      if (ev.kind == TraceKind::send) send_at[ev.id] = i;
      if (ev.kind == TraceKind::deliver) next[send_at.at(ev.id)].push_back(i);
    }
    size_t ordered = 0, concurrent = 0;
    for (size_t a = 0; a < events.size(); ++a) {
      std::vector<bool> reach(events.size(), false);
      std::deque<size_t> queue{a};
      while (!queue.empty()) {
        const size_t x = queue.front();
        queue.pop_front();
        for (size_t y : next[x])
          if (!reach[y]) {
            reach[y] = true;
            queue.push_back(y);
          }
      }
      for (size_t b = 0; b < events.size(); ++b) {
        if (a == b) continue;
        const bool before = export_leq(events[a].clock, events[b].clock) && events[a].clock != events[b].clock;
        ASSERT_EQ(before, reach[b]) << "#" << events[a].seq << " -> #" << events[b].seq;
        if (before) ++ordered;
        else if (!reach[b] && !export_leq(events[b].clock, events[a].clock)) ++concurrent;
      }
    }
    EXPECT_GT(ordered, 0u);
    EXPECT_GT(concurrent, 0u);  // the test means something only if some pairs are concurrent
  }
}

TEST(ExportShiviz, TimersOnlyWithTheFlag) {
  const std::string trace = export_traced(write("small.json", kExportSmall));
  const dsim::cli::LoadedTrace t = dsim::cli::load_trace(trace);
  const auto without = export_parse_shiviz(export_to_file(trace, "shiviz"));
  const auto with = export_parse_shiviz(export_to_file(trace, "shiviz", "--timers"));
  EXPECT_EQ(with.size() - without.size(), export_count(t, TraceKind::timer));
  EXPECT_GE(export_count(t, TraceKind::timer), 1u);
}

// ---- bad input and determinism ---------------------------------------------------------

void export_expect_one_line_error(const Result& r, const std::string& fragment) {
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(ExportBadInput, UnknownFormatIsOneLine) {
  const std::string trace = export_traced(write("small.json", kExportSmall));
  const std::string out = tmp("out.json");
  export_expect_one_line_error(run_dsim("export " + trace + " --format svg -o " + out), "svg");
  EXPECT_FALSE(fs::exists(out));
  export_expect_one_line_error(run_dsim("export " + trace + " -o " + out), "--format");
  export_expect_one_line_error(run_dsim("export " + trace + " --format perfetto --timers -o " + out), "--timers");
  EXPECT_FALSE(fs::exists(out));
}

TEST(ExportBadInput, OutputOverTheTraceIsRefusedAndTheTraceKept) {
  const std::string trace = export_traced(write("small.json", kExportSmall));
  const std::string before = slurp(trace);
  const fs::path p(trace);
  for (const std::string& out : {trace, (p.parent_path() / "." / p.filename()).string()}) {
    export_expect_one_line_error(run_dsim("export " + trace + " --format perfetto -o " + out), "the trace");
    EXPECT_EQ(slurp(trace), before);
  }
  for (const auto& entry : fs::directory_iterator(p.parent_path()))
    EXPECT_EQ(entry.path().filename().string().find(p.filename().string() + ".partial"), std::string::npos) << entry.path();
}

TEST(ExportBadInput, GarbledOrMissingTraceIsOneLine) {
  const std::string trace = export_traced(write("small.json", kExportSmall));
  std::string text = slurp(trace);
  const size_t third_line = text.find('\n', text.find('\n') + 1) + 1;
  text.replace(third_line, 10, "#garbage#!");
  const std::string bad = write("garbled.jsonl", text), out = tmp("out.log");
  export_expect_one_line_error(run_dsim("export " + bad + " --format shiviz -o " + out), bad + ":3:");
  EXPECT_FALSE(fs::exists(out));
  export_expect_one_line_error(run_dsim("export " + tmp("missing.jsonl") + " --format shiviz"), "missing.jsonl");
}

TEST(ExportDeterminism, SameTraceSameBytes) {
  const std::string trace = export_traced(write("small.json", kExportSmall));
  for (const std::string format : {"perfetto", "shiviz"}) {
    const std::string first = export_to_file(trace, format);
    EXPECT_EQ(export_to_file(trace, format), first) << format;
    Result r = run_dsim("export " + trace + " --format " + format);  // standard output
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, first) << format;
  }
}

}  // namespace
