// Context timer bookkeeping: a node's armed timers are a small vector of (id, value); a fired
// or cancelled timer is removed from it, and the event queue skips timer events whose id is
// no longer there (a tombstone without any allocation).
#include "sim/process.h"

#include <algorithm>

namespace dsim::sim {

TimerId Context::set_timer(Duration delay, MessagePtr timer) {
  DSIM_ASSERT(delay >= Duration{}, "negative timer delay");
  TimerId id{++*timer_counter_};
  node_->timers.push_back(LiveTimer{id, std::move(timer)});
  timers_.push_back(PendingTimer{id, delay});
  return id;
}

TimerId Context::set_timer(Duration lo, Duration hi, MessagePtr timer) {
  DSIM_ASSERT(lo <= hi, "timer range is empty");
  return set_timer(Duration::nanos(rng().uniform_int(lo.ns(), hi.ns())), std::move(timer));
}

void Context::cancel_timer(TimerId id) {
  auto& live = node_->timers;
  auto it = std::find_if(live.begin(), live.end(), [&](const LiveTimer& t) { return t.id == id; });
  if (it != live.end()) {
    *it = std::move(live.back());
    live.pop_back();
  }
}

}  // namespace dsim::sim
