// `dsim export --format perfetto`: the run as Chrome trace-event JSON (the "JSON Object
// Format"), which ui.perfetto.dev and chrome://tracing open.
//
// The picture: one process named after the scenario, one thread (track) per node in node
// order (servers, then clients). Each handler (a delivery, a timer or a restart, with what the
// node emitted right after: trace_text.h's handler_end) is a complete slice ("X") whose args
// list its events; a crash is a slice "down" lasting until the restart (or the end of the run).
// A delivered message is an arrow: a flow start ("s") inside the sender's handler, a flow end
// ("f", bound to the enclosing slice) inside the receiver's. Drops, observations, client events
// and clock changes are instants on their node's track; faults are global instants (on the
// node's track when they name one).
//
// Time: "ts" is simulated time in microseconds. Handlers take no simulated time, so each gets
// a slot of kExportSliceNs (1 us), less when the node's next handler comes sooner; handlers of
// one node at the very same nanosecond share the slot side by side, in trace order (the only
// place a slice starts after its true time, by less than 1 us). Flow events and instants sit
// in the middle of their handler's slice, where viewers bind them to it.
#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/cli/export.h"

namespace dsim::cli {
namespace {

using sim::TraceKind;
constexpr int64_t kPsPerNs = 1000;
constexpr size_t kNoSlice = SIZE_MAX;

// A slice on a node's track: a handler (events [begin, end)) or a down period (begin: the crash).
struct TrackSlice {
  size_t begin = 0, end = 0;
  uint32_t node = 0;
  bool down = false;
  int64_t start_ps = 0, width_ps = 0, dur_ps = 0;  // as drawn, in picoseconds
  int64_t middle_ps() const { return start_ps + width_ps / 2; }
};

struct TrackLayout {
  std::vector<TrackSlice> slices;   // in trace order
  std::vector<size_t> slice_of;     // event index -> its handler slice, or kNoSlice
};

// Cuts the trace into handlers. A crash, a fault or a clock change is never part of a handler
// (trace_text.cc): a crash opens a down slice, the others are instants. A drop that comes first
// is an instant too: a copy dropped on arrival (at a crashed or cut-off node), recorded on the
// sender's track at that time, where no handler ran.
TrackLayout find_track_slices(const LoadedTrace& trace) {
  TrackLayout l;
  l.slice_of.assign(trace.events.size(), kNoSlice);
  const size_t nodes = trace.names.size();
  const auto on_track = [&](const sim::StoredEvent& ev) { return ev.node.valid() && ev.node.value < nodes; };
  for (size_t b = 0; b < trace.events.size();) {
    const size_t e = handler_end(trace, b);
    size_t first = b;
    for (; first < e; ++first) {
      const sim::StoredEvent& lead = trace.events[first];
      if (lead.kind == TraceKind::crash && on_track(lead)) l.slices.push_back(TrackSlice{first, first + 1, lead.node.value, true});
      if (lead.kind != TraceKind::crash && lead.kind != TraceKind::fault && lead.kind != TraceKind::clock &&
          lead.kind != TraceKind::drop)
        break;
    }
    if (first < e && on_track(trace.events[first])) {
      for (size_t i = first; i < e; ++i) l.slice_of[i] = l.slices.size();
      l.slices.push_back(TrackSlice{first, e, trace.events[first].node.value, false});
    }
    b = e;
  }
  return l;
}

// A slice is drawn 1 ns short of its slot when the slot allows: viewers round microseconds
// down to whole nanoseconds, and two slices that touched could then overlap by one.
int64_t drawn_ps(int64_t slot_ps) { return slot_ps > 2 * kPsPerNs ? slot_ps - kPsPerNs : slot_ps; }

// Places each node's slices (see the file comment); a down period lasts until the node's next
// slice (its restart) or the end of the run.
void place_track_slices(const LoadedTrace& trace, std::vector<TrackSlice>& slices) {
  std::vector<std::vector<size_t>> tracks(trace.names.size());
  for (size_t s = 0; s < slices.size(); ++s) tracks[slices[s].node].push_back(s);
  const auto time_ns = [&](size_t s) { return trace.events[slices[s].begin].time.ns(); };
  for (const auto& track : tracks) {
    for (size_t i = 0; i < track.size();) {
      const int64_t t = time_ns(track[i]);
      size_t j = i;
      while (j < track.size() && time_ns(track[j]) == t) ++j;
      const int64_t gap_ns = j < track.size() ? time_ns(track[j]) - t : kExportSliceNs;
      const int64_t width = std::max<int64_t>(1, std::min(kExportSliceNs, gap_ns) * kPsPerNs / static_cast<int64_t>(j - i));
      for (size_t k = i; k < j; ++k) {
        TrackSlice& s = slices[track[k]];
        s.start_ps = t * kPsPerNs + static_cast<int64_t>(k - i) * width;
        s.width_ps = width;
        s.dur_ps = drawn_ps(width);
      }
      i = j;
    }
    for (size_t i = 0; i < track.size(); ++i) {
      TrackSlice& s = slices[track[i]];
      if (!s.down) continue;
      const int64_t until = i + 1 < track.size() ? slices[track[i + 1]].start_ps : trace.read.footer.end_ns * kPsPerNs;
      s.dur_ps = drawn_ps(std::max(until - s.start_ps, s.width_ps));
    }
  }
}

// Trace-event timestamps are microseconds, as doubles: the nearest double to the exact value,
// within a tenth of a nanosecond for any run shorter than a day.
double export_us(int64_t ps) { return static_cast<double>(ps) / 1e6; }

std::string export_line(const LoadedTrace& trace, const sim::StoredEvent& ev) {
  return "#" + std::to_string(ev.seq) + " " + event_text(trace, ev);
}

// The slice's name: what triggered the handler.
std::string handler_name(const sim::StoredEvent& lead) {
  switch (lead.kind) {
    case TraceKind::deliver: return lead.name;
    case TraceKind::timer: return "timer: " + lead.name;
    case TraceKind::restart: return "restart";
    default: return "start";  // output with no trigger before it: a node starting
  }
}

class PerfettoWriter {
 public:
  explicit PerfettoWriter(const LoadedTrace& trace) : trace_(trace), layout_(find_track_slices(trace)) {
    place_track_slices(trace, layout_.slices);
    for (const auto& ev : trace.events)
      if (ev.kind == TraceKind::send || ev.kind == TraceKind::deliver || ev.kind == TraceKind::drop)
        next_extra_flow_ = std::max(next_extra_flow_, ev.id + 1);
  }

  std::string write() {
    out_ = "{\"traceEvents\":[\n";
    metadata();
    size_t next = 0;  // the next slice to open
    for (size_t i = 0; i < trace_.events.size(); ++i) {
      for (; next < layout_.slices.size() && layout_.slices[next].begin == i; ++next) slice(layout_.slices[next]);
      event(i);
    }
    nlohmann::json meta = {
        {"scenario", trace_.read.scenario.name},
        {"seed", trace_.read.scenario.seed},
        {"protocol", trace_.protocol().name},
        {"events", trace_.events.size()},
        {"end_ns", trace_.read.footer.end_ns},
        {"digest", trace_.read.footer.digest},
        {"exported_by", "dsim export --format perfetto"},
        {"handler_slot_us", static_cast<double>(kExportSliceNs) / 1000.0},
    };
    out_ += "\n],\n\"displayTimeUnit\":\"ms\",\n\"metadata\":" + dump(meta) + "}\n";
    return std::move(out_);
  }

 private:
  static std::string dump(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

  void emit(const nlohmann::json& j) {
    if (!first_) out_ += ",\n";
    first_ = false;
    out_ += dump(j);
  }

  nlohmann::json on_track(const char* ph, const std::string& name, uint32_t node, int64_t ps) {
    return {{"ph", ph}, {"name", name}, {"pid", 1}, {"tid", node + 1}, {"ts", export_us(ps)}};
  }

  void metadata() {
    emit({{"ph", "M"}, {"name", "process_name"}, {"pid", 1}, {"tid", 0}, {"args", {{"name", trace_.read.scenario.name}}}});
    for (uint32_t n = 0; n < trace_.names.size(); ++n) {
      emit({{"ph", "M"}, {"name", "thread_name"}, {"pid", 1}, {"tid", n + 1}, {"args", {{"name", trace_.names[n]}}}});
      emit({{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", 1}, {"tid", n + 1}, {"args", {{"sort_index", n}}}});
    }
  }

  void slice(const TrackSlice& s) {
    const sim::StoredEvent& lead = trace_.events[s.begin];
    nlohmann::json j = on_track("X", s.down ? "down" : handler_name(lead), s.node, s.start_ps);
    j["dur"] = export_us(s.dur_ps);
    j["cat"] = s.down ? "crash" : "handler";
    if (s.down) {
      j["args"] = {{"crash", export_line(trace_, lead)}};
    } else {
      nlohmann::json lines = nlohmann::json::array();
      for (size_t i = s.begin; i < s.end; ++i) lines.push_back(export_line(trace_, trace_.events[i]));
      j["args"] = {{"events", lines}};
    }
    emit(j);
  }

  // An instant on the event's track, in the middle of its handler's slice when it has one.
  void instant(size_t i, const std::string& name) {
    const sim::StoredEvent& ev = trace_.events[i];
    const size_t s = layout_.slice_of[i];
    nlohmann::json j = on_track("i", name, ev.node.value, s == kNoSlice ? ev.time.ns() * kPsPerNs : layout_.slices[s].middle_ps());
    j["s"] = "t";
    j["cat"] = std::string(sim::to_string(ev.kind));
    j["args"] = {{"event", export_line(trace_, ev)}};
    emit(j);
  }

  // The arrow of one delivered copy: the first copy of message M is flow M, a duplicate gets a
  // fresh id above every message id (a flow has one end).
  void flow(size_t deliver) {
    const sim::StoredEvent& ev = trace_.events[deliver];
    const auto sent = send_of_.find(ev.id);
    if (sent == send_of_.end()) return;
    const size_t from = layout_.slice_of[sent->second], to = layout_.slice_of[deliver];
    if (from == kNoSlice || to == kNoSlice) return;
    const uint64_t id = delivered_.insert(ev.id).second ? ev.id : next_extra_flow_++;
    nlohmann::json start = on_track("s", ev.name, layout_.slices[from].node, layout_.slices[from].middle_ps());
    start["cat"] = "message";
    start["id"] = id;
    emit(start);
    nlohmann::json end = on_track("f", ev.name, ev.node.value, layout_.slices[to].middle_ps());
    end["cat"] = "message";
    end["id"] = id;
    end["bp"] = "e";
    emit(end);
  }

  void event(size_t i) {
    const sim::StoredEvent& ev = trace_.events[i];
    switch (ev.kind) {
      case TraceKind::send: send_of_.emplace(ev.id, i); break;
      case TraceKind::deliver: flow(i); break;
      case TraceKind::drop: instant(i, "drop: " + ev.cause); break;
      case TraceKind::observe: instant(i, ev.name); break;
      case TraceKind::client: instant(i, "client: " + ev.name); break;
      case TraceKind::clock: instant(i, "clock: " + ev.name); break;
      case TraceKind::fault:
        if (ev.node.valid() && ev.node.value < trace_.names.size()) {
          instant(i, ev.name);
        } else {
          emit({{"ph", "i"}, {"s", "g"}, {"name", ev.name}, {"cat", "fault"}, {"pid", 1}, {"tid", 0},
                {"ts", export_us(ev.time.ns() * kPsPerNs)}, {"args", {{"event", export_line(trace_, ev)}}}});
        }
        break;
      case TraceKind::timer:
      case TraceKind::crash:
      case TraceKind::restart: break;  // drawn as slices
    }
  }

  const LoadedTrace& trace_;
  TrackLayout layout_;
  std::string out_;
  bool first_ = true;
  std::unordered_map<uint64_t, size_t> send_of_;  // message id -> its send's event index
  std::unordered_set<uint64_t> delivered_;        // message ids with a first arrow
  uint64_t next_extra_flow_ = 1;
};

}  // namespace

std::string perfetto_json(const LoadedTrace& trace) { return PerfettoWriter(trace).write(); }

}  // namespace dsim::cli
