#pragma once

#include <memory>

#include "sim/metrics.h"

namespace dsim::quorum {

// The run summary's quorum lines: siblings per read (mean, max, the share of reads that saw
// concurrent versions), hinted copies taken and handed off, read repairs, forwarded writes.
std::unique_ptr<sim::MetricsSource> make_metrics();

// `dsim run --curve FILE`: the t-visibility experiment's CSV (t_ms,trials,fresh,p_consistent).
std::unique_ptr<sim::CurveSource> make_curve();

}  // namespace dsim::quorum
