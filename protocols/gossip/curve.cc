// The dissemination curve of `dsim run --curve FILE` for gossip: at the end of every period, for
// every update injected so far, how many live members hold it (that version of its key or a newer
// one) and what fraction of the live members that is.
#include <cstdio>
#include <string>
#include <vector>

#include "protocols/gossip/metrics.h"
#include "protocols/gossip/observations.h"

namespace dsim::gossip {
namespace {

class Curve final : public sim::CurveSource {
 public:
  explicit Curve(const Config& cfg) : cfg_(cfg) {}

  void on_event(const sim::TraceEvent& ev) override {
    if (ev.kind == sim::TraceKind::send || ev.kind == sim::TraceKind::deliver || ev.kind == sim::TraceKind::drop) return;
    sample_until(ev.time);
    const uint32_t m = ev.node.value;
    if (ev.kind == sim::TraceKind::fault || ev.kind == sim::TraceKind::clock || ev.kind == sim::TraceKind::client) return;
    grow(m);
    if (ev.kind == sim::TraceKind::timer && !seen_[m]) {
      seen_[m] = 1;  // every member's period fires within the first period
      ++live_;
    } else if (ev.kind == sim::TraceKind::crash) {
      if (seen_[m] && up_[m]) --live_;
      up_[m] = 0;
      for (Update& u : updates_)
        if (u.holders.size() > m && u.holders[m]) {
          u.holders[m] = 0;
          --u.count;
        }
    } else if (ev.kind == sim::TraceKind::restart) {
      if (seen_[m] && !up_[m]) ++live_;
      up_[m] = 1;
    } else if (ev.kind == sim::TraceKind::observe && ev.msg) {
      if (const Injected* i = ev.observed<Injected>()) {
        if (updates_.size() <= i->update) updates_.resize(i->update + 1);
        updates_[i->update].injected = true;
      } else if (const Received* r = ev.observed<Received>()) {
        for (uint64_t u = 0; u < updates_.size(); ++u) {
          Update& x = updates_[u];
          if (!x.injected || u + 1 > r->version || cfg_.key_of(u) != r->key) continue;
          if (x.holders.size() <= m) x.holders.resize(m + 1, 0);
          if (x.holders[m]) continue;
          x.holders[m] = 1;
          ++x.count;
        }
      }
    }
  }

  std::string csv(sim::Time end) const override {
    Curve copy = *this;  // sampling to the end does not change the run's own state
    copy.sample_until(end, true);
    return copy.out_;
  }

 private:
  struct Update {
    bool injected = false;
    uint32_t count = 0;
    std::vector<uint8_t> holders;
  };
  void grow(uint32_t m) {
    if (m < seen_.size()) return;
    seen_.resize(m + 1, 0);
    up_.resize(m + 1, 1);
  }
  // Rows for every period boundary before `t` (and, at the end, for `t` itself).
  void sample_until(sim::Time t, bool final = false) {
    const int64_t p = cfg_.period.ns();
    while (next_ * p < (t - sim::Time::zero()).ns() || (final && next_ * p <= (t - sim::Time::zero()).ns())) {
      row(next_ * p);
      ++next_;
    }
  }
  void row(int64_t at_ns) {
    for (uint64_t u = 0; u < updates_.size(); ++u) {
      if (!updates_[u].injected) continue;
      char buf[160];
      std::snprintf(buf, sizeof buf, "%.3f,%llu,%u,%u,%.6f\n", static_cast<double>(at_ns) / 1e6,
                    static_cast<unsigned long long>(u), updates_[u].count, live_,
                    live_ ? static_cast<double>(updates_[u].count) / live_ : 0.0);
      out_ += buf;
    }
  }

  Config cfg_;
  std::vector<uint8_t> seen_, up_;
  uint32_t live_ = 0;
  std::vector<Update> updates_;
  int64_t next_ = 1;  // the next period boundary to sample, in periods
  std::string out_ = "time_ms,update,informed,live,fraction\n";
};

}  // namespace

std::unique_ptr<sim::CurveSource> make_curve(const Config& cfg) { return std::make_unique<Curve>(cfg); }

}  // namespace dsim::gossip
