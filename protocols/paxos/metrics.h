#pragma once

#include <memory>

#include "sim/metrics.h"

namespace dsim::paxos {

// Chosen values per simulated second, phase-1 runs (and how many completed: leader changes in
// multi mode), time without a leader, and the phase-2 messages per chosen value beside the
// theoretical figure: 3(N-1) in multi mode (an Accept to each other acceptor, an Accepted back
// from each, a Decide to each other learner), (N-1)(N+2) in single mode (every acceptor tells
// every learner).
std::unique_ptr<sim::MetricsSource> make_metrics(bool single);

}  // namespace dsim::paxos
