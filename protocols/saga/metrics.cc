#include "protocols/saga/metrics.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <vector>

#include "protocols/saga/messages.h"
#include "protocols/saga/observations.h"

namespace dsim::saga {
namespace {

class SagaMetrics final : public sim::MetricsSource {
 public:
  void on_event(const sim::TraceEvent& ev) override {
    if (ev.kind == sim::TraceKind::send) {
      ++messages_;
      if (ev.msg && ev.msg->holds<Message>())
        if (const auto* d = std::get_if<Deliver>(&ev.msg->as<Message>()); d && d->attempt > 1) ++redeliveries_;
      return;
    }
    if (ev.kind != sim::TraceKind::observe || !ev.msg) return;
    if (const Begun* b = ev.observed<Begun>()) {
      begun_.emplace(b->saga, ev.time);
    } else if (const Ended* e = ev.observed<Ended>()) {
      if (!ended_.insert(e->saga).second) return;
      ++(e->completed ? completed_ : compensated_);
      if (const auto it = begun_.find(e->saga); it != begun_.end()) latencies_.push_back((ev.time - it->second).ns());
    } else if (ev.observed<Retried>()) {
      ++retries_;
    } else if (ev.observed<Breaker>()) {
      ++breaker_changes_;
    } else if (ev.observed<DeadLettered>()) {
      ++dead_letters_;
    }
  }
  void report(sim::MetricLines& out, sim::Time) const override {
    char buf[256];
    const uint64_t ended = completed_ + compensated_;
    const auto share = [&](uint64_t x) { return ended ? 100.0 * static_cast<double>(x) / static_cast<double>(ended) : 0.0; };
    std::snprintf(buf, sizeof buf, "%zu begun, %llu completed (%.1f%%), %llu compensated (%.1f%%), %zu still running",
                  begun_.size(), static_cast<unsigned long long>(completed_), share(completed_),
                  static_cast<unsigned long long>(compensated_), share(compensated_), begun_.size() - std::min(begun_.size(), ended_.size()));
    out.emplace_back("sagas", buf);
    std::vector<int64_t> sorted = latencies_;
    std::sort(sorted.begin(), sorted.end());
    std::snprintf(buf, sizeof buf, "p50 %.3fms, p99 %.3fms, max %.3fms", static_cast<double>(sim::percentile(sorted, 0.5)) / 1e6,
                  static_cast<double>(sim::percentile(sorted, 0.99)) / 1e6,
                  sorted.empty() ? 0.0 : static_cast<double>(sorted.back()) / 1e6);
    out.emplace_back("saga latency", buf);
    std::snprintf(buf, sizeof buf, "%.1f per ended saga (%llu in all)",
                  ended ? static_cast<double>(messages_) / static_cast<double>(ended) : 0.0,
                  static_cast<unsigned long long>(messages_));
    out.emplace_back("saga messages", buf);
    std::snprintf(buf, sizeof buf, "%llu retries, %llu circuit-breaker changes, %llu redeliveries, %llu dead letters",
                  static_cast<unsigned long long>(retries_), static_cast<unsigned long long>(breaker_changes_),
                  static_cast<unsigned long long>(redeliveries_), static_cast<unsigned long long>(dead_letters_));
    out.emplace_back("saga retries", buf);
  }

 private:
  std::map<SagaId, sim::Time> begun_;
  std::set<SagaId> ended_;
  std::vector<int64_t> latencies_;
  uint64_t completed_ = 0, compensated_ = 0, retries_ = 0, breaker_changes_ = 0, messages_ = 0, dead_letters_ = 0, redeliveries_ = 0;
};

}  // namespace

std::unique_ptr<sim::MetricsSource> make_metrics() { return std::make_unique<SagaMetrics>(); }

}  // namespace dsim::saga
