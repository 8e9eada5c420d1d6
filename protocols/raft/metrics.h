// Raft's run-summary metrics, from observations only: elections and how long each took, time
// without a leader, and committed entries per simulated second.
#pragma once

#include <memory>

#include "sim/metrics.h"

namespace dsim::raft {
std::unique_ptr<sim::MetricsSource> make_metrics();
}  // namespace dsim::raft
