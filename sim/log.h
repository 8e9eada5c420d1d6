// Logging for protocol code: `ctx.log(LogLevel::info, "became leader of term 4")`. A line
// carries the simulated time and the node's name, added by whoever receives it (a LogSink: in
// the simulator `dsim run --log-level` prints through spdlog to stderr). Logging never changes a
// run: it draws no randomness, schedules nothing and is not a trace event, so the digest is the
// same at every level. Below the sink's level, or with no sink, ctx.log costs one comparison;
// build an expensive line only when `ctx.logging(level)` says it will be written.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "sim/ids.h"
#include "sim/time.h"

namespace dsim::sim {

enum class LogLevel : uint8_t { trace, debug, info, warn, error, off };

// "trace", "debug", "info", "warn", "error", "off"; nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view text);
std::string_view log_level_name(LogLevel level);

class LogSink {
 public:
  explicit LogSink(LogLevel level) : level_(level) {}
  virtual ~LogSink() = default;
  LogLevel level() const { return level_; }
  // `now` is the simulation's (global) time; `node_name` the node's name ("n3", "c1").
  virtual void write(Time now, NodeId node, std::string_view node_name, LogLevel level, std::string_view text) = 0;

 private:
  LogLevel level_;
};

}  // namespace dsim::sim
