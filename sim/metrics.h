// Run metrics computed from the trace, for the run summary: messages by type, client
// operations (counts by outcome, latency percentiles, throughput), plus whatever a protocol
// adds through its own MetricsSource (elections, blocking time, ...). Like invariants, metrics
// read only the trace, so they mean the same live and offline.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sim/trace.h"

namespace dsim::sim {

// Lines of "name: value" for the summary, in order.
using MetricLines = std::vector<std::pair<std::string, std::string>>;

class MetricsSource : public TraceSink {
 public:
  virtual void report(MetricLines& out, Time end) const = 0;
};

// A protocol's dissemination curve (`dsim run --curve FILE`): CSV text with a header line, built
// from the trace events and written once the run ends.
class CurveSource : public TraceSink {
 public:
  virtual std::string csv(Time end) const = 0;
};

// p in [0, 1] of a sorted sample (nearest rank); 0 for an empty one.
int64_t percentile(const std::vector<int64_t>& sorted, double p);

class Metrics final : public TraceSink {
 public:
  void add(std::unique_ptr<MetricsSource> source) { sources_.push_back(std::move(source)); }
  void on_event(const TraceEvent& ev) override;
  MetricLines report(Time end) const;

 private:
  std::map<std::string, uint64_t, std::less<>> sent_by_type_;
  std::map<ClientProcess, Time> invoked_;  // client process -> invocation time of its pending op
  std::vector<int64_t> latencies_ns_;
  uint64_t ok_ = 0, fail_ = 0, info_ = 0;
  std::vector<std::unique_ptr<MetricsSource>> sources_;
};

}  // namespace dsim::sim
