#include "sim/jsonl.h"

#include <cerrno>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <system_error>

#include "sim/json_source.h"
#include "sim/observe.h"
#include "sim/printable.h"

namespace dsim::sim {

namespace {
std::string header_line(const TraceHeader& header) {
  nlohmann::json h{{"dsim_trace", header.format},
                   {"version", header.version},
                   {"build", header.build},
                   {"scenario", header.scenario}};
  return h.dump() + "\n";
}
}  // namespace

JsonlSink::JsonlSink(std::string path, const Topology& topology, const TraceHeader& header)
    : path_(std::move(path)), partial_(path_ + ".partial"), topology_(&topology) {
  file_ = std::fopen(partial_.c_str(), "wb");
  if (!file_)
    throw InputError(path_ + ": cannot write trace: " + std::generic_category().message(errno));
  buffer_.reserve(1 << 20);
  buffer_ = header_line(header);
}

JsonlSink::JsonlSink(std::FILE* stream, std::string name, const Topology& topology, const TraceHeader& header)
    : path_(std::move(name)), topology_(&topology), file_(stream) {
  buffer_.reserve(1 << 20);
  buffer_ = header_line(header);
}

JsonlSink::~JsonlSink() {
  if (partial_.empty()) return;  // the caller's stream
  if (file_) std::fclose(file_);
  if (!committed_) std::remove(partial_.c_str());
}

void JsonlSink::flush() {
  if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
    throw InputError(path_ + ": write failed: " + std::generic_category().message(errno));
  bytes_ += buffer_.size();
  buffer_.clear();
}

void JsonlSink::on_event(const TraceEvent& ev) {
  format_trace_event(ev, *topology_, buffer_);
  buffer_.push_back('\n');
  if (buffer_.size() >= (1 << 20) - 4096) flush();
}

void JsonlSink::on_state(Time time, NodeId node, const nlohmann::json& changes) {
  JsonWriter w(buffer_);
  buffer_.append("{\"ev\":\"state\",\"t\":");
  w.integer(time.ns());
  buffer_.append(",\"node\":\"");
  buffer_.append(topology_->name(node));
  buffer_.append("\",\"data\":");
  buffer_.append(changes.dump());
  buffer_.append("}\n");
  if (buffer_.size() >= (1 << 20) - 4096) flush();
}

void JsonlSink::commit(const TraceFooter& footer) {
  nlohmann::json f{{"end", true},         {"records", footer.records}, {"events", footer.events},
                   {"t", footer.end_ns},  {"digest", footer.digest},   {"verdicts", footer.verdicts}};
  buffer_ += f.dump();
  buffer_.push_back('\n');
  flush();
  if (partial_.empty()) {
    if (std::fflush(file_) != 0) throw InputError(path_ + ": write failed: " + std::generic_category().message(errno));
    committed_ = true;
    return;
  }
  const bool ok = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!ok || std::rename(partial_.c_str(), path_.c_str()) != 0)
    throw InputError(path_ + ": cannot finish trace: " + std::generic_category().message(errno));
  committed_ = true;
}

namespace {

[[noreturn]] void bad_line(const std::string& path, uint64_t line, const std::string& what) {
  throw InputError(path + ":" + std::to_string(line) + ": " + what);
}

NodeId node_field(const nlohmann::json& j, const char* key, const Topology& t, const std::string& path,
                  uint64_t line, bool required) {
  auto it = j.find(key);
  if (it == j.end()) {
    if (required) bad_line(path, line, std::string("missing \"") + key + "\"");
    return kNoNode;
  }
  if (!it->is_string()) bad_line(path, line, std::string("\"") + key + "\" must be a node name");
  auto id = t.find(it->get<std::string>());
  if (!id) bad_line(path, line, "unknown node \"" + printable(it->get<std::string>(), 40) + "\"");
  return *id;
}

template <class T>
T field(const nlohmann::json& j, const char* key, const std::string& path, uint64_t line) {
  static_assert(!std::is_arithmetic_v<T>, "numbers are read with integer_field");
  auto it = j.find(key);
  if (it == j.end()) bad_line(path, line, std::string("missing \"") + key + "\"");
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception&) {
    bad_line(path, line, std::string("\"") + key + "\" has the wrong type");
  }
}

// Every number in a trace is an exact integer in [min, max]: a fraction, an exponent or a
// value out of range is refused with the key and the value, never converted.
int64_t integer_field(const nlohmann::json& j, const char* key, int64_t min, int64_t max, const std::string& path,
                      uint64_t line) {
  auto it = j.find(key);
  if (it == j.end()) bad_line(path, line, std::string("missing \"") + key + "\"");
  const bool in_range = it->is_number_integer() &&
                        (it->is_number_unsigned() ? it->get<uint64_t>() <= static_cast<uint64_t>(max)
                                                  : it->get<int64_t>() >= min && it->get<int64_t>() <= max);
  if (!in_range || it->get<int64_t>() < min)
    bad_line(path, line, std::string("\"") + key + "\" must be an integer from " + std::to_string(min) + " to " +
                             std::to_string(max) + ", got " + printable(it->dump(), 40));
  return it->get<int64_t>();
}

uint64_t count_field(const nlohmann::json& j, const char* key, const std::string& path, uint64_t line) {
  return static_cast<uint64_t>(integer_field(j, key, 0, INT64_MAX, path, line));
}

// An observation, client event or timer: its type name ("what", or `type` when the kind has
// one type) and fields ("data"), decoded into the typed value the live run carried.
void decode_value(StoredEvent& ev, const nlohmann::json& j, const ValueDecoder& decode, const std::string& kind,
                  uint32_t nodes, const std::string& path, uint64_t line, std::string_view type = {}) {
  if (type.empty()) ev.name = field<std::string>(j, "what", path, line);
  const auto body = field<nlohmann::json>(j, "data", path, line);
  const std::string name = type.empty() ? ev.name : std::string(type);
  const std::string label = kind + " " + printable(ev.name, 60);
  try {
    if (decode) ev.msg = decode(name, body);
  } catch (const std::invalid_argument& e) {
    bad_line(path, line, label + ": " + e.what());
  } catch (const nlohmann::json::exception&) {
    bad_line(path, line, label + ": malformed data");
  }
  if (!ev.msg) bad_line(path, line, "unknown " + kind + " \"" + printable(name, 60) + "\"");
  if (!ev.msg->nodes_within(nodes))
    bad_line(path, line, label + " names a node outside the topology's " + std::to_string(nodes));
}

}  // namespace

TraceReadResult read_trace(const std::string& path, const Registry& registry, const Sections& sections,
                           const std::function<void(const Scenario&)>& on_header,
                           const std::function<void(const TraceEvent&)>& on_event,
                           const std::function<void(Time, NodeId, const nlohmann::json&)>& on_state) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot read trace: " + std::generic_category().message(errno));
  TraceReadResult result;
  std::string text;
  uint64_t line = 0;
  bool have_header = false, have_footer = false;
  uint64_t expected_seq = 0;
  std::map<uint64_t, MessagePtr> messages;  // id -> message, from send lines
  Topology topology;
  Time last_time = Time::zero(), end = Time::zero();
  DigestSink digest;
  for (;;) {
    try {
      if (!read_line(in, text)) break;
    } catch (const InputError& e) {
      bad_line(path, line + 1, e.what());
    }
    ++line;
    if (have_footer) bad_line(path, line, "data after the end record");
    nlohmann::json j;
    try {
      j = parse_json_line(text);
    } catch (const InputError& e) {
      bad_line(path, line, std::string("garbled line: ") + e.what() + " (truncated or edited trace?)");
    }
    if (!j.is_object()) bad_line(path, line, "expected a JSON object");
    if (!have_header) {
      if (!j.contains("dsim_trace")) bad_line(path, line, "not a dsim trace (no header line)");
      result.header.format = static_cast<int>(integer_field(j, "dsim_trace", 0, INT32_MAX, path, line));
      if (result.header.format != kTraceFormat)
        bad_line(path, line, "trace format " + std::to_string(result.header.format) + " is not supported (this dsim reads format " +
                                 std::to_string(kTraceFormat) + ")");
      result.header.version = field<std::string>(j, "version", path, line);
      result.header.build = field<std::string>(j, "build", path, line);
      result.header.scenario = field<nlohmann::json>(j, "scenario", path, line);
      JsonDocument doc;
      doc.value = result.header.scenario;
      doc.origin = path + ":1 (trace header)";
      result.scenario = parse_scenario(ConfigSource(std::move(doc)), registry, sections);
      topology = result.scenario.topology();
      end = Time::zero() + result.scenario.run_length();
      on_header(result.scenario);
      have_header = true;
      continue;
    }
    if (j.contains("end")) {
      result.footer.records = count_field(j, "records", path, line);
      result.footer.events = count_field(j, "events", path, line);
      result.footer.end_ns = integer_field(j, "t", last_time.ns(), end.ns(), path, line);
      result.footer.digest = field<std::string>(j, "digest", path, line);
      result.footer.verdicts = field<nlohmann::json>(j, "verdicts", path, line);
      if (!result.footer.verdicts.is_object()) bad_line(path, line, "\"verdicts\" must be an object");
      for (const auto& [name, verdict] : result.footer.verdicts.items())
        if (!verdict.is_string()) bad_line(path, line, "verdict of " + printable(name, 60) + " must be a string");
      if (result.footer.records != expected_seq)
        bad_line(path, line, "end record counts " + std::to_string(result.footer.records) + " events but the file has " +
                                 std::to_string(expected_seq));
      // The digest is recomputed from the events as read: an edited event or end record shows.
      if (!result.footer.digest.empty() && result.footer.digest != digest.hex())
        bad_line(path, line, "end record digest " + printable(result.footer.digest, 20) +
                                 " does not match the events in the file (" + digest.hex() +
                                 "): the trace was edited or corrupted");
      have_footer = true;
      continue;
    }
    if (auto kind = j.find("ev"); kind != j.end() && *kind == "state") {
      // A state record: not an event (no seq, not in the digest); for people's tools only.
      const Time t = Time::from_ns(integer_field(j, "t", last_time.ns(), end.ns(), path, line));
      const NodeId node = node_field(j, "node", topology, path, line, true);
      const auto data = field<nlohmann::json>(j, "data", path, line);
      if (!data.is_object()) bad_line(path, line, "state \"data\" must be an object");
      if (on_state) on_state(t, node, data);
      continue;
    }
    StoredEvent ev;
    ev.seq = count_field(j, "seq", path, line);
    if (ev.seq != expected_seq)
      bad_line(path, line, "event seq " + std::to_string(ev.seq) + " where " + std::to_string(expected_seq) + " was expected");
    ++expected_seq;
    // Times never go backwards and stay within the scenario's duration.
    ev.time = Time::from_ns(integer_field(j, "t", 0, end.ns(), path, line));
    if (ev.time < last_time)
      bad_line(path, line, "time goes backwards: t " + std::to_string(ev.time.ns()) + " is before the previous event's " +
                               std::to_string(last_time.ns()));
    last_time = ev.time;
    const std::string kind = field<std::string>(j, "ev", path, line);
    if (!parse_trace_kind(kind, &ev.kind)) bad_line(path, line, "unknown event kind \"" + printable(kind, 40) + "\"");
    ev.node = node_field(j, "node", topology, path, line, ev.kind != TraceKind::fault);
    switch (ev.kind) {
      case TraceKind::send:
      case TraceKind::drop:
      case TraceKind::deliver: {
        ev.peer = node_field(j, ev.kind == TraceKind::deliver ? "from" : "to", topology, path, line, true);
        ev.id = count_field(j, "id", path, line);
        ev.name = field<std::string>(j, "type", path, line);
        if (ev.kind == TraceKind::drop) ev.cause = field<std::string>(j, "cause", path, line);
        if (ev.kind == TraceKind::deliver) ev.tag = j.value("dup", false) ? 1 : 0;
        if (ev.kind == TraceKind::send) ev.tag = j.value("rewritten", false) ? 1 : 0;
        if (ev.kind == TraceKind::send) {
          const auto body = field<nlohmann::json>(j, "msg", path, line);
          try {
            ev.msg = result.scenario.protocol->decode(ev.name, body);
          } catch (const std::invalid_argument& e) {
            bad_line(path, line, "message " + printable(ev.name, 60) + ": " + e.what());
          } catch (const nlohmann::json::exception& e) {
            bad_line(path, line, "message " + printable(ev.name, 60) + ": malformed body");
          }
          if (!ev.msg) bad_line(path, line, "unknown message type \"" + printable(ev.name, 60) + "\" for protocol " + result.scenario.protocol->name);
          if (!ev.msg->nodes_within(topology.size()))
            bad_line(path, line, "message " + printable(ev.name, 60) + " names a node outside the topology's " +
                                     std::to_string(topology.size()));
          messages[ev.id] = ev.msg;
        } else {
          auto it = messages.find(ev.id);
          if (it == messages.end()) bad_line(path, line, "message " + std::to_string(ev.id) + " was never sent");
          ev.msg = it->second;
        }
        break;
      }
      case TraceKind::timer:
        ev.id = count_field(j, "timer", path, line);
        decode_value(ev, j, result.scenario.protocol->decode_timer, "timer", topology.size(), path, line);
        break;
      case TraceKind::observe:
        decode_value(ev, j, result.scenario.protocol->decode_observation, "observation", topology.size(), path, line);
        break;
      case TraceKind::client: {
        ev.name = field<std::string>(j, "what", path, line);
        if (std::find(kClientEventNames.begin(), kClientEventNames.end(), ev.name) == kClientEventNames.end())
          bad_line(path, line, "client event \"" + printable(ev.name, 40) + "\" must be invoke, ok, fail or info");
        static const ValueDecoder client = observation_decoder<ClientEvent>();
        decode_value(ev, j, client, "client event", topology.size(), path, line, ClientEvent::type_name);
        // A client event's logical process is a Jepsen process number, as in histories.
        if (ev.view().client()->process > static_cast<uint32_t>(INT32_MAX))
          bad_line(path, line, "client event " + ev.name + ": field \"process\" must be an integer from 0 to 2147483647");
        break;
      }
      default:
        if (j.contains("what")) ev.name = field<std::string>(j, "what", path, line);
        if (j.contains("data")) ev.data = j["data"];
        break;
    }
    const TraceEvent view = ev.view();
    digest.on_event(view);
    on_event(view);
  }
  if (!have_header) throw InputError(path + ": empty trace (no header line)");
  if (!have_footer)
    throw InputError(path + ":" + std::to_string(line) + ": truncated trace: no end record after " +
                     std::to_string(expected_seq) + " events (was the run interrupted?)");
  return result;
}

}  // namespace dsim::sim
