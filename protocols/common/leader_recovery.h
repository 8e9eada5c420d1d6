// How long a cluster runs without a leader after losing one (the leader crashed or stepped
// down) until the next one takes over, for the run summaries of Raft and Multi-Paxos, so the
// two compare on the same measure ("leader recovery" in the README's comparison table).
#pragma once

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "sim/metrics.h"
#include "sim/trace.h"

namespace dsim::protocols {

class LeaderRecovery {
 public:
  // Call for every event: `became` when the event is a became-leader observation, `stepped` when
  // it is a step-down one.
  void on_event(const sim::TraceEvent& ev, bool became, bool stepped) {
    if (leader_ && *leader_ == ev.node && (ev.kind == sim::TraceKind::crash || stepped)) {
      leader_.reset();
      lost_at_ = ev.time;
    }
    if (!became) return;
    if (lost_at_) gaps_ns_.push_back((ev.time - *lost_at_).ns());
    lost_at_.reset();
    leader_ = ev.node;
  }
  // "N losses, a new leader after p50 X, max Y" (or "no leader lost").
  std::string report() const {
    if (gaps_ns_.empty()) return lost_at_ ? "1 loss, no new leader" : "no leader lost";
    std::vector<int64_t> sorted = gaps_ns_;
    std::sort(sorted.begin(), sorted.end());
    char buf[160];
    const size_t losses = sorted.size() + (lost_at_ ? 1 : 0);
    std::snprintf(buf, sizeof buf, "%zu %s, a new leader after p50 %s, max %s%s", losses, losses == 1 ? "loss" : "losses",
                  sim::format_ms(sim::Duration::nanos(sim::percentile(sorted, 0.5))).c_str(),
                  sim::format_ms(sim::Duration::nanos(sorted.back())).c_str(), lost_at_ ? " (the last one not replaced)" : "");
    return buf;
  }

 private:
  std::optional<sim::NodeId> leader_;
  std::optional<sim::Time> lost_at_;
  std::vector<int64_t> gaps_ns_;
};

}  // namespace dsim::protocols
