#include "protocols/commit/metrics.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

namespace dsim::commit {
namespace {

std::string ms(int64_t ns) { return sim::format_ms(sim::Duration::nanos(ns)); }

std::string p50_p99(std::vector<int64_t> v) {
  std::sort(v.begin(), v.end());
  return "p50 " + ms(sim::percentile(v, 0.5)) + ", p99 " + ms(sim::percentile(v, 0.99)) + ", max " +
         ms(v.empty() ? 0 : v.back());
}

class CommitMetrics final : public sim::MetricsSource {
 public:
  void on_event(const sim::TraceEvent& ev) override {
    if (ev.kind == sim::TraceKind::send) ++messages_;
    if (ev.kind != sim::TraceKind::observe || !ev.data) return;
    if (ev.name == "submit") {
      submitted_.emplace(ev.data->at("txn").get<uint64_t>(), ev.time);
    } else if (ev.name == "outcome") {
      const std::string outcome = ev.data->at("outcome").get<std::string>();
      auto it = submitted_.find(ev.data->at("txn").get<uint64_t>());
      if (outcome == "committed") {
        ++committed_;
        if (it != submitted_.end()) commit_latency_ns_.push_back((ev.time - it->second).ns());
      } else if (outcome == "aborted") {
        ++aborted_;
      } else {
        ++unknown_;
      }
    } else if (ev.name == "vote" && ev.data->at("vote") == "yes") {
      uncertain_since_.try_emplace({ev.node.value, ev.data->at("txn").get<uint64_t>()}, ev.time);
    } else if (ev.name == "decide") {
      auto it = uncertain_since_.find({ev.node.value, ev.data->at("txn").get<uint64_t>()});
      if (it != uncertain_since_.end()) {
        blocking_ns_.push_back((ev.time - it->second).ns());
        uncertain_since_.erase(it);
      }
    }
  }

  void report(sim::MetricLines& out, sim::Time end) const override {
    const uint64_t decided = committed_ + aborted_;
    char buf[240];
    std::snprintf(buf, sizeof buf, "%zu submitted: %llu committed, %llu aborted (abort rate %.1f%%), %llu unknown",
                  submitted_.size(), static_cast<unsigned long long>(committed_),
                  static_cast<unsigned long long>(aborted_), decided ? 100.0 * static_cast<double>(aborted_) / static_cast<double>(decided) : 0.0,
                  static_cast<unsigned long long>(unknown_));
    out.emplace_back("transactions", buf);
    out.emplace_back("commit latency", p50_p99(commit_latency_ns_));
    std::vector<int64_t> blocking = blocking_ns_;
    for (const auto& [key, since] : uncertain_since_) blocking.push_back((end - since).ns());
    std::snprintf(buf, sizeof buf, "%s (%zu yes votes; %zu still uncertain at the end)", p50_p99(blocking).c_str(),
                  blocking.size(), uncertain_since_.size());
    out.emplace_back("blocking time", buf);
    std::snprintf(buf, sizeof buf, "%.1f (%llu messages)",
                  submitted_.empty() ? 0.0 : static_cast<double>(messages_) / static_cast<double>(submitted_.size()),
                  static_cast<unsigned long long>(messages_));
    out.emplace_back("messages per transaction", buf);
  }

 private:
  std::map<uint64_t, sim::Time> submitted_;
  std::vector<int64_t> commit_latency_ns_;
  uint64_t committed_ = 0, aborted_ = 0, unknown_ = 0, messages_ = 0;
  std::map<std::pair<uint32_t, uint64_t>, sim::Time> uncertain_since_;  // (participant, txn) -> yes vote
  std::vector<int64_t> blocking_ns_;
};

}  // namespace

std::unique_ptr<sim::MetricsSource> make_metrics() { return std::make_unique<CommitMetrics>(); }

}  // namespace dsim::commit
