#pragma once

#include <memory>

#include "sim/metrics.h"

namespace dsim::quorum {

// The run summary's quorum lines: siblings per read (mean, max, the share of reads that saw
// concurrent versions), hinted copies taken and handed off, read repairs, forwarded writes.
std::unique_ptr<sim::MetricsSource> make_metrics();

}  // namespace dsim::quorum
