// Trace files in JSON Lines: a header line (format version, build, the resolved scenario),
// one line per TraceEvent, and an end line (counts, digest, live verdicts). The writer
// produces the file under a temporary name and renames it into place only when the run
// completes, so a failed or interrupted run never leaves a partial trace behind.
//
// The reader streams a file back into TraceEvents (messages decoded by the protocol's codec)
// and rejects truncated or garbled files with "file:line: what" errors.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/invariant.h"
#include "sim/registry.h"
#include "sim/scenario.h"
#include "sim/trace.h"

namespace dsim::sim {

inline constexpr int kTraceFormat = 2;  // 2: typed observations, client events and timers

struct TraceHeader {
  int format = kTraceFormat;
  std::string version;  // dsim version
  std::string build;    // git commit of the binary that wrote it
  nlohmann::json scenario;
};

struct TraceFooter {
  uint64_t records = 0;
  uint64_t events = 0;
  int64_t end_ns = 0;
  std::string digest;
  nlohmann::json verdicts = nlohmann::json::object();
};

class JsonlSink final : public TraceSink {
 public:
  // Opens path + ".partial" for writing; throws InputError if it cannot. commit() renames it
  // into place; without commit() the destructor removes it. (Tests use this form; the command
  // line gives its own stream, see below, so it can refuse aliased paths and clean up on signals.)
  JsonlSink(std::string path, const Topology& topology, const TraceHeader& header);
  // Writes to a stream the caller owns and finishes (rename, close); `name` appears in errors.
  JsonlSink(std::FILE* stream, std::string name, const Topology& topology, const TraceHeader& header);
  ~JsonlSink() override;
  void on_event(const TraceEvent& ev) override;
  // State records go to the file as lines {"ev":"state","t":..,"node":..,"data":{changes}}
  // (no seq: they are not events); `record_state(false)` leaves them out.
  bool wants_state() const override { return states_; }
  void on_state(Time time, NodeId node, const nlohmann::json& changes) override;
  void record_state(bool on) { states_ = on; }
  // Writes the end line and flushes; with the path form also closes and renames into place.
  void commit(const TraceFooter& footer);
  uint64_t bytes_written() const { return bytes_; }

 private:
  void flush();
  std::string path_;
  std::string partial_;  // empty: the stream belongs to the caller
  const Topology* topology_;
  std::FILE* file_ = nullptr;
  std::string buffer_;
  uint64_t bytes_ = 0;
  bool committed_ = false;
  bool states_ = true;
};

// Reads a trace: calls on_header once (the returned scenario decides the protocol codec), then
// on_event for each event (and on_state, when given, for each state record, in file order),
// then returns the footer. Throws InputError naming file:line for
// unreadable, truncated or garbled input.
struct TraceReadResult {
  TraceHeader header;
  TraceFooter footer;
  Scenario scenario;
};
TraceReadResult read_trace(const std::string& path, const Registry& registry, const Sections& sections,
                           const std::function<void(const Scenario&)>& on_header,
                           const std::function<void(const TraceEvent&)>& on_event,
                           const std::function<void(Time, NodeId, const nlohmann::json&)>& on_state = {});

}  // namespace dsim::sim
