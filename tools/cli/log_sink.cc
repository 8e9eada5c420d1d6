#include "tools/cli/log_sink.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "sim/json_source.h"
#include "sim/printable.h"

namespace dsim::cli {
namespace {

class StderrLogSink final : public sim::LogSink {
 public:
  explicit StderrLogSink(sim::LogLevel level)
      : sim::LogSink(level), logger_("dsim", std::make_shared<spdlog::sinks::stderr_sink_st>()) {
    logger_.set_pattern("%v");
    logger_.set_level(spdlog::level::trace);  // the simulator filters by level before this
  }
  void write(sim::Time now, sim::NodeId, std::string_view node_name, sim::LogLevel level, std::string_view text) override {
    const int64_t ns = now.ns();
    char stamp[48];
    std::snprintf(stamp, sizeof stamp, "[%6lld.%09llds]", static_cast<long long>(ns / 1'000'000'000),
                  static_cast<long long>(ns % 1'000'000'000));
    logger_.log(spd(level), "{} {} {:<5} {}", stamp, node_name, sim::log_level_name(level), text);
  }

 private:
  static spdlog::level::level_enum spd(sim::LogLevel level) {
    switch (level) {
      case sim::LogLevel::trace: return spdlog::level::trace;
      case sim::LogLevel::debug: return spdlog::level::debug;
      case sim::LogLevel::info: return spdlog::level::info;
      case sim::LogLevel::warn: return spdlog::level::warn;
      case sim::LogLevel::error: return spdlog::level::err;
      case sim::LogLevel::off: break;
    }
    return spdlog::level::off;
  }
  spdlog::logger logger_;
};

}  // namespace

std::unique_ptr<sim::LogSink> stderr_log_sink(const std::string& flag, const std::string& level) {
  const auto parsed = sim::parse_log_level(level);
  if (!parsed)
    throw sim::InputError(flag + " " + sim::printable(level, 40) + ": expected trace, debug, info, warn, error or off");
  if (*parsed == sim::LogLevel::off) return nullptr;
  return std::make_unique<StderrLogSink>(*parsed);
}

}  // namespace dsim::cli
