#include "protocols/raft/metrics.h"

#include <algorithm>
#include <optional>

#include "protocols/common/leader_recovery.h"
#include <vector>

#include "protocols/raft/observations.h"

namespace dsim::raft {
namespace {

class RaftMetrics final : public sim::MetricsSource {
 public:
  void on_event(const sim::TraceEvent& ev) override {
    recovery_.on_event(ev, ev.observed<BecameLeader>() != nullptr, ev.observed<SteppedDown>() != nullptr);
    const bool leader_lost = (ev.kind == sim::TraceKind::crash || ev.observed<SteppedDown>()) && leader_ && *leader_ == ev.node;
    if (leader_lost) {
      leader_.reset();
      leaderless_since_ = ev.time;
    }
    if (ev.kind != sim::TraceKind::observe) return;
    if (ev.observed<OpSkipped>()) ++skipped_;
    if ((ev.observed<ElectionStarted>() || ev.observed<PreVoteStarted>()) && !election_start_) election_start_ = ev.time;
    if (ev.observed<BecameLeader>()) {
      ++elections_;
      if (election_start_) durations_ns_.push_back((ev.time - *election_start_).ns());
      election_start_.reset();
      if (!leader_) leaderless_ns_ += (ev.time - leaderless_since_).ns();
      leader_ = ev.node;
    }
    if (const Commit* c = ev.observed<Commit>()) max_commit_ = std::max(max_commit_, c->index.value);
  }

  void report(sim::MetricLines& out, sim::Time end) const override {
    std::vector<int64_t> sorted = durations_ns_;
    std::sort(sorted.begin(), sorted.end());
    int64_t leaderless = leaderless_ns_;
    if (!leader_) leaderless += (end - leaderless_since_).ns();
    char buf[200];
    std::snprintf(buf, sizeof buf, "%llu (duration p50 %s, max %s)", static_cast<unsigned long long>(elections_),
                  sim::format_ms(sim::Duration::nanos(sim::percentile(sorted, 0.5))).c_str(),
                  sim::format_ms(sim::Duration::nanos(sorted.empty() ? 0 : sorted.back())).c_str());
    out.emplace_back("elections", buf);
    std::snprintf(buf, sizeof buf, "%s of %s", sim::format_ms(sim::Duration::nanos(leaderless)).c_str(),
                  sim::format_ms(end - sim::Time::zero()).c_str());
    out.emplace_back("no leader", buf);
    out.emplace_back("leader recovery", recovery_.report());
    std::snprintf(buf, sizeof buf, "%llu entries, %.1f per simulated second", static_cast<unsigned long long>(max_commit_),
                  end.seconds_f() > 0 ? static_cast<double>(max_commit_) / end.seconds_f() : 0.0);
    out.emplace_back("committed", buf);
    out.emplace_back("ops skipped", std::to_string(skipped_) + " (arrived while all of a client's processes were busy)");
  }

 private:
  uint64_t elections_ = 0;
  std::vector<int64_t> durations_ns_;
  std::optional<sim::Time> election_start_;
  protocols::LeaderRecovery recovery_;
  std::optional<sim::NodeId> leader_;
  sim::Time leaderless_since_;
  int64_t leaderless_ns_ = 0;
  uint64_t max_commit_ = 0;
  uint64_t skipped_ = 0;
};

}  // namespace

std::unique_ptr<sim::MetricsSource> make_metrics() { return std::make_unique<RaftMetrics>(); }

}  // namespace dsim::raft
