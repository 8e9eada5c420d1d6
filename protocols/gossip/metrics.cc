#include "protocols/gossip/metrics.h"

#include <cstdio>
#include <map>
#include <set>
#include <vector>

#include "protocols/gossip/messages.h"
#include "protocols/gossip/observations.h"

namespace dsim::gossip {
namespace {

class GossipMetrics final : public sim::MetricsSource {
 public:
  explicit GossipMetrics(const Config& cfg) : cfg_(cfg) {}

  void on_event(const sim::TraceEvent& ev) override {
    const uint32_t n = ev.node.value;
    if (ev.kind == sim::TraceKind::timer) members_.insert(n);  // every member's period fires
    if (ev.kind == sim::TraceKind::send && ev.msg) {
      if (!ev.msg->holds<Message>()) return;
      const Message& m = ev.msg->as<Message>();
      const std::vector<Entry>* entries = nullptr;
      if (const auto* r = std::get_if<Rumor>(&m)) entries = &r->entries;
      if (const auto* a = std::get_if<AeEntries>(&m)) entries = &a->entries;
      if (entries)
        for (const Entry& e : *entries) ++updates_[e.version - 1].traffic;
      return;
    }
    if (ev.kind == sim::TraceKind::crash) {
      members_.insert(n);
      down_.insert(n);
      for (auto& [u, s] : updates_) s.holders.erase(n);
      return;
    }
    if (ev.kind == sim::TraceKind::restart) down_.erase(n);
    if (ev.kind != sim::TraceKind::observe || !ev.msg) return;
    if (const Injected* i = ev.observed<Injected>()) {
      Update& u = updates_[i->update];
      u.injected = true;
      u.at = ev.time;
      u.origin = n;
    } else if (const Received* r = ev.observed<Received>()) {
      // Receiving a version also covers every older update of its key.
      for (auto it = updates_.begin(); it != updates_.end(); ++it) {
        const uint64_t u = it->first;
        if (u + 1 > r->version || cfg_.key_of(u) != r->key || !it->second.injected) continue;
        Update& s = it->second;
        if (!s.holders.insert(n).second) continue;
        if (n == s.origin || s.first.count(n)) continue;
        const int64_t p = cfg_.period.ns();
        // In whole periods: a member reached by a push of cycle c (which leaves at c periods after
        // an injection at a cycle boundary) counts c.
        const int64_t periods = std::max<int64_t>(1, (ev.time - s.at).ns() / p);
        s.first[n] = periods;
      }
    }
  }

  void report(sim::MetricLines& out, sim::Time) const override {
    double residue = 0, traffic = 0, t_ave = 0, t_last = 0;
    size_t counted = 0;
    const size_t members = members_.size();
    const size_t up = members - down_.size();
    for (const auto& [u, s] : updates_) {
      if (!s.injected || members == 0) continue;
      ++counted;
      size_t live_holders = 0;
      for (uint32_t h : s.holders) live_holders += down_.count(h) ? 0 : 1;
      residue += up ? 1.0 - static_cast<double>(live_holders) / static_cast<double>(up) : 0.0;
      traffic += static_cast<double>(s.traffic) / static_cast<double>(members);
      double sum = 0;
      int64_t last = 0;
      for (const auto& [m, t] : s.first) {
        sum += static_cast<double>(t);
        last = std::max(last, t);
      }
      t_ave += s.first.empty() ? 0.0 : sum / static_cast<double>(s.first.size());
      t_last += static_cast<double>(last);
    }
    if (counted == 0) {
      out.emplace_back("updates", "none injected");
      return;
    }
    const double c = static_cast<double>(counted);
    char buf[240];
    std::snprintf(buf, sizeof buf, "%zu injected; per update (mean): residue %.4f, traffic %.2f, t_ave %.2f, t_last %.2f periods",
                  counted, residue / c, traffic / c, t_ave / c, t_last / c);
    out.emplace_back("updates", buf);
  }

 private:
  struct Update {
    bool injected = false;
    sim::Time at;
    uint32_t origin = 0;
    uint64_t traffic = 0;
    std::set<uint32_t> holders;          // members (current incarnation) holding it
    std::map<uint32_t, int64_t> first;   // member -> periods until it first received it
  };
  Config cfg_;
  std::set<uint32_t> members_, down_;
  std::map<uint64_t, Update> updates_;
};

}  // namespace

std::unique_ptr<sim::MetricsSource> make_metrics(const Config& cfg) { return std::make_unique<GossipMetrics>(cfg); }

}  // namespace dsim::gossip
