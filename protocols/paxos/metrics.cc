#include "protocols/paxos/metrics.h"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "protocols/common/leader_recovery.h"
#include <set>

#include "protocols/paxos/observations.h"

namespace dsim::paxos {
namespace {

class PaxosMetrics final : public sim::MetricsSource {
 public:
  explicit PaxosMetrics(bool single) : single_(single) {}
  void on_event(const sim::TraceEvent& ev) override {
    recovery_.on_event(ev, ev.observed<BecameLeader>() != nullptr, ev.observed<SteppedDown>() != nullptr);
    if (ev.kind == sim::TraceKind::send) {
      if (ev.name == Accept::type_name || ev.name == Accepted::type_name || ev.name == Decide::type_name) ++phase2_;
      return;
    }
    const bool leader_lost = (ev.kind == sim::TraceKind::crash || ev.observed<SteppedDown>()) && leader_ && *leader_ == ev.node;
    if (leader_lost) {
      leader_.reset();
      leaderless_since_ = ev.time;
    }
    if (ev.kind != sim::TraceKind::observe) return;
    if (ev.observed<Recovered>()) servers_.insert(ev.node.value);
    if (ev.observed<OpSkipped>()) ++skipped_;
    if (ev.observed<PrepareStarted>()) ++phase1_;
    if (ev.observed<BecameLeader>()) {
      ++leaders_;
      if (!leader_) leaderless_ns_ += (ev.time - leaderless_since_).ns();
      leader_ = ev.node;
    }
    if (const Learned* l = ev.observed<Learned>()) {
      if (chosen_.insert(l->slot).second && noop_digest_ != l->digest) ++chosen_commands_;
    }
  }

  void report(sim::MetricLines& out, sim::Time end) const override {
    const double secs = end.seconds_f();
    char buf[240];
    std::snprintf(buf, sizeof buf, "%zu values (%llu commands), %.1f per simulated second", chosen_.size(),
                  static_cast<unsigned long long>(chosen_commands_),
                  secs > 0 ? static_cast<double>(chosen_.size()) / secs : 0.0);
    out.emplace_back("chosen", buf);
    std::snprintf(buf, sizeof buf, "%llu phase-1 runs, %llu completed", static_cast<unsigned long long>(phase1_),
                  static_cast<unsigned long long>(leaders_));
    out.emplace_back("ballots", buf);
    int64_t leaderless = leaderless_ns_;
    if (!leader_) leaderless += (end - leaderless_since_).ns();
    out.emplace_back("no leader", sim::format_ms(sim::Duration::nanos(leaderless)) + " of " +
                                      sim::format_ms(end - sim::Time::zero()));
    out.emplace_back("leader recovery", recovery_.report());
    const size_t n = servers_.size();
    if (!chosen_.empty()) {
      // Multi: an Accept to and an Accepted from each of the N-1 other acceptors, and a Decide to
      // each other learner. Single: every acceptor's Accepted goes to all N-1 other learners.
      const size_t theory = n == 0 ? 0 : single_ ? (n - 1) * (n + 2) : 3 * (n - 1);
      std::snprintf(buf, sizeof buf, "%.2f per chosen value (Accept + Accepted + Decide; %s = %zu with no loss)",
                    static_cast<double>(phase2_) / static_cast<double>(chosen_.size()),
                    single_ ? "(N-1)(N+2)" : "3(N-1)", theory);
      out.emplace_back("phase-2 messages", buf);
    }
    out.emplace_back("ops skipped", std::to_string(skipped_) + " (arrived while all of a client's processes were busy)");
  }

 private:
  bool single_;
  const uint64_t noop_digest_ = kv::digest(Command{});
  std::set<uint32_t> servers_;
  std::set<uint64_t> chosen_;
  uint64_t chosen_commands_ = 0;
  uint64_t phase1_ = 0, leaders_ = 0, phase2_ = 0, skipped_ = 0;
  protocols::LeaderRecovery recovery_;
  std::optional<sim::NodeId> leader_;
  sim::Time leaderless_since_;
  int64_t leaderless_ns_ = 0;
};

}  // namespace

std::unique_ptr<sim::MetricsSource> make_metrics(bool single) { return std::make_unique<PaxosMetrics>(single); }

}  // namespace dsim::paxos
