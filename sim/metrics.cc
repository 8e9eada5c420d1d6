#include "sim/metrics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace dsim::sim {

int64_t percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

void Metrics::on_event(const TraceEvent& ev) {
  if (ev.kind == TraceKind::send) {
    auto it = sent_by_type_.find(ev.name);
    if (it == sent_by_type_.end()) it = sent_by_type_.emplace(std::string(ev.name), 0).first;
    ++it->second;
  } else if (ev.kind == TraceKind::client) {
    if (ev.name == "invoke") {
      invoked_[client_process(ev)] = ev.time;
    } else {
      auto it = invoked_.find(client_process(ev));
      if (ev.name == "ok") {
        ++ok_;
        if (it != invoked_.end()) latencies_ns_.push_back((ev.time - it->second).ns());
      } else if (ev.name == "fail") {
        ++fail_;
      } else {
        ++info_;
      }
      if (it != invoked_.end()) invoked_.erase(it);
    }
  }
  for (auto& s : sources_) s->on_event(ev);
}

MetricLines Metrics::report(Time end) const {
  MetricLines out;
  if (!sent_by_type_.empty()) {
    std::string by_type;
    for (const auto& [type, n] : sent_by_type_) by_type += (by_type.empty() ? "" : ", ") + type + " " + std::to_string(n);
    out.emplace_back("messages by type", by_type);
  }
  if (ok_ + fail_ + info_ > 0) {
    std::vector<int64_t> sorted = latencies_ns_;
    std::sort(sorted.begin(), sorted.end());
    char buf[160];
    std::snprintf(buf, sizeof buf, "%llu ok, %llu fail, %llu info (indeterminate); %.1f ok/s simulated",
                  static_cast<unsigned long long>(ok_), static_cast<unsigned long long>(fail_),
                  static_cast<unsigned long long>(info_), end.seconds_f() > 0 ? static_cast<double>(ok_) / end.seconds_f() : 0.0);
    out.emplace_back("client ops", buf);
    std::snprintf(buf, sizeof buf, "p50 %s, p99 %s, max %s", format_ms(Duration::nanos(percentile(sorted, 0.5))).c_str(),
                  format_ms(Duration::nanos(percentile(sorted, 0.99))).c_str(),
                  format_ms(Duration::nanos(sorted.empty() ? 0 : sorted.back())).c_str());
    out.emplace_back("op latency", buf);
  }
  for (const auto& s : sources_) s->report(out, end);
  return out;
}

}  // namespace dsim::sim
