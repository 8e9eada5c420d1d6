// Raft's run-summary metrics, from observations only: elections and how long each took, time
// without a leader, committed entries per simulated second, and offered client operations
// skipped because all of a client's processes were busy.
#pragma once

#include <memory>

#include "sim/metrics.h"

namespace dsim::raft {
std::unique_ptr<sim::MetricsSource> make_metrics();
}  // namespace dsim::raft
