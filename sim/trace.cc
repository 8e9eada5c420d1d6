// Trace formatting, the in-memory sink and the digest sink.
#include "sim/trace.h"

#include <array>
#include <cstdio>

#include <xxhash.h>

namespace dsim::sim {
namespace {
constexpr std::array<std::string_view, 10> kKindNames{"send",    "deliver", "drop",  "timer", "crash",
                                                       "restart", "observe", "fault", "clock", "client"};
}

std::string_view to_string(TraceKind k) { return kKindNames[static_cast<size_t>(k)]; }

bool parse_trace_kind(std::string_view s, TraceKind* out) {
  for (size_t i = 0; i < kKindNames.size(); ++i)
    if (kKindNames[i] == s) {
      *out = static_cast<TraceKind>(i);
      return true;
    }
  return false;
}

ClientProcess client_process(const TraceEvent& ev) {
  const ClientEvent* c = ev.client();
  return ClientProcess{ev.node.value, c ? c->process : 0};
}

void format_trace_event(const TraceEvent& ev, const Topology& topology, std::string& out) {
  JsonWriter w(out);
  out.append("{\"seq\":");
  w.unsigned_integer(ev.seq);
  out.append(",\"t\":");
  w.integer(ev.time.ns());
  out.append(",\"ev\":\"");
  out.append(to_string(ev.kind));
  out.push_back('"');
  if (ev.node.valid()) {
    out.append(",\"node\":\"");
    out.append(topology.name(ev.node));
    out.push_back('"');
  }
  switch (ev.kind) {
    case TraceKind::send:
    case TraceKind::drop:
    case TraceKind::deliver:
      out.append(ev.kind == TraceKind::deliver ? ",\"from\":\"" : ",\"to\":\"");
      out.append(topology.name(ev.peer));
      out.append("\",\"id\":");
      w.unsigned_integer(ev.id);
      out.append(",\"type\":");
      w.string(ev.name);
      if (ev.kind == TraceKind::deliver && ev.tag) out.append(",\"dup\":true");
      if (ev.kind == TraceKind::drop) {
        out.append(",\"cause\":");
        w.string(ev.cause);
      }
      if (ev.kind == TraceKind::send && ev.tag) out.append(",\"rewritten\":true");
      if (ev.kind == TraceKind::send && ev.msg) {
        out.append(",\"msg\":");
        ev.msg->write_json(w);
      }
      break;
    case TraceKind::timer:
      out.append(",\"timer\":");
      w.unsigned_integer(ev.id);
      [[fallthrough]];
    default:
      if (!ev.name.empty()) {
        out.append(",\"what\":");
        w.string(ev.name);
      }
      if (ev.msg) {
        out.append(",\"data\":");
        ev.msg->write_json(w);
      } else if (ev.data) {
        out.append(",\"data\":");
        out.append(ev.data->dump());
      }
      break;
  }
  out.push_back('}');
}

TraceEvent StoredEvent::view() const {
  TraceEvent ev;
  ev.seq = seq;
  ev.time = time;
  ev.kind = kind;
  ev.node = node;
  ev.peer = peer;
  ev.id = id;
  ev.tag = tag;
  ev.name = name;
  ev.cause = cause;
  ev.msg = msg.get();
  ev.data = data.is_null() ? nullptr : &data;
  return ev;
}

StoredEvent StoredEvent::copy(const TraceEvent& ev) {
  StoredEvent s;
  s.seq = ev.seq;
  s.time = ev.time;
  s.kind = ev.kind;
  s.node = ev.node;
  s.peer = ev.peer;
  s.id = ev.id;
  s.tag = ev.tag;
  s.name = ev.name;
  s.cause = ev.cause;
  return s;
}

void MemorySink::on_event(const TraceEvent& ev) {
  StoredEvent s = StoredEvent::copy(ev);
  // The envelope may come from the simulation's pool, which dies with it: keep a heap copy,
  // and for messages also their JSON form.
  if (ev.msg) s.msg = MessagePtr(ev.msg->clone());
  if (ev.msg && (ev.kind == TraceKind::send || ev.kind == TraceKind::deliver || ev.kind == TraceKind::drop))
    s.data = nlohmann::json{{"type", ev.msg->type_name()}, {"body", ev.msg->to_json()}};
  if (ev.data) s.data = *ev.data;
  events_.push_back(std::move(s));
}

DigestSink::DigestSink()
    : state_(XXH3_createState()), buffer_([this](const unsigned char* data, size_t n) {
        XXH3_64bits_update(static_cast<XXH3_state_t*>(state_), data, n);
      }) {
  XXH3_64bits_reset(static_cast<XXH3_state_t*>(state_));
}

DigestSink::~DigestSink() { XXH3_freeState(static_cast<XXH3_state_t*>(state_)); }

void DigestSink::on_event(const TraceEvent& ev) {
  ByteWriter w(buffer_);
  w.u64(static_cast<uint64_t>(ev.kind) | (static_cast<uint64_t>(ev.node.value) << 8));
  w.u64(static_cast<uint64_t>(ev.time.ns()));
  w.u64(ev.peer.value);
  w.u64(ev.id);
  w.u64(ev.tag);
  w.bytes(ev.name);
  if (!ev.cause.empty()) w.bytes(ev.cause);
  // A message's body once, when sent; an observation's, client event's or timer's every time.
  if (ev.msg && ev.kind != TraceKind::deliver && ev.kind != TraceKind::drop) ev.msg->write_bytes(w);
  if (ev.data) w.json(*ev.data);
}

uint64_t DigestSink::digest() {
  buffer_.flush();
  return XXH3_64bits_digest(static_cast<XXH3_state_t*>(state_));
}

std::string DigestSink::hex() { return digest_hex(digest()); }

std::string digest_hex(uint64_t d) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(d));
  return buf;
}

}  // namespace dsim::sim
