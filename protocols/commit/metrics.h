// Atomic commitment metrics for the run summary, from observations only, the same for 2PC and
// 3PC so two runs compare line by line: commit latency (client submit -> "committed"), abort
// rate, blocking time (a participant's yes vote -> its decision: how long it was uncertain and
// held its locks), and messages per transaction.
#pragma once

#include <memory>

#include "sim/metrics.h"

namespace dsim::commit {
std::unique_ptr<sim::MetricsSource> make_metrics();
}  // namespace dsim::commit
