// The simulator's log sink for `dsim run --log-level LEVEL`: each line of protocol logging
// (ctx.log, sim/log.h) goes through spdlog to stderr as
//   [     1.234567890s] n3 info  became leader of term 4
// with the simulated time and the node's name (spdlog's own time stamps are wall clock, so
// the pattern is the message alone and we write the time).
#pragma once

#include <memory>
#include <string>

#include "sim/log.h"

namespace dsim::cli {

// Throws InputError naming the flag when `level` is not a level name.
std::unique_ptr<sim::LogSink> stderr_log_sink(const std::string& flag, const std::string& level);

}  // namespace dsim::cli
