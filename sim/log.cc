#include "sim/log.h"

#include <array>

namespace dsim::sim {
namespace {
constexpr std::array<std::string_view, 6> kNames = {"trace", "debug", "info", "warn", "error", "off"};
}

std::optional<LogLevel> parse_log_level(std::string_view text) {
  for (size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == text) return static_cast<LogLevel>(i);
  return std::nullopt;
}

std::string_view log_level_name(LogLevel level) { return kNames.at(static_cast<size_t>(level)); }

}  // namespace dsim::sim
