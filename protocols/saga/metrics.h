#pragma once

#include <memory>

#include "sim/metrics.h"

namespace dsim::saga {

// The run summary's saga lines: sagas begun, completed, compensated and still running; latency
// from begun to ended (p50, p99); messages per ended saga; retries; circuit-breaker changes;
// the broker's redeliveries and dead letters.
std::unique_ptr<sim::MetricsSource> make_metrics();

}  // namespace dsim::saga
