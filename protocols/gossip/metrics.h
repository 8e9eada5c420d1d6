#pragma once

#include <memory>

#include "protocols/gossip/params.h"
#include "sim/metrics.h"

namespace dsim::gossip {

// Per injected update, Demers et al.'s measures (§1.4): residue s (the fraction of members up
// at the end that never received it), traffic m (update-carrying messages per member), t_ave
// and t_last (periods from the injection until a member receives it, on average over the
// members that did, and for the last one); the summary gives their means over the updates.
std::unique_ptr<sim::MetricsSource> make_metrics(const Config& cfg);

// `dsim run --curve FILE`: at every period boundary, for every update injected so far, the live
// members holding it and their fraction (CSV: time_ms,update,informed,live,fraction).
std::unique_ptr<sim::CurveSource> make_curve(const Config& cfg);

}  // namespace dsim::gossip
