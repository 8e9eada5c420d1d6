#pragma once

#include <memory>

#include "protocols/gossip/swim/params.h"
#include "sim/metrics.h"

namespace dsim::swim {

// Failure detection (per crash: first detection, when some member first suspects or declares it;
// full detection, when every member up holds it dead) and false positives (members declared dead,
// or suspected, by a member's own probe or timeout while up), per 1,000 member-periods.
std::unique_ptr<sim::MetricsSource> make_metrics(const Config& cfg);

}  // namespace dsim::swim
