#include "protocols/gossip/swim/metrics.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "protocols/gossip/swim/observations.h"
#include "protocols/gossip/swim/timers.h"

namespace dsim::swim {
namespace {

class SwimMetrics final : public sim::MetricsSource {
 public:
  explicit SwimMetrics(const Config& cfg) : cfg_(cfg) {}

  void on_event(const sim::TraceEvent& ev) override {
    const uint32_t m = ev.node.value;
    if (ev.kind == sim::TraceKind::send || ev.kind == sim::TraceKind::deliver || ev.kind == sim::TraceKind::drop ||
        ev.kind == sim::TraceKind::fault || ev.kind == sim::TraceKind::clock || ev.kind == sim::TraceKind::client)
      return;
    advance(ev.time);
    grow(m);
    if (ev.kind == sim::TraceKind::timer) {
      // Every member arms its protocol period at start (within one period): the members.
      if (!seen_[m]) {
        seen_[m] = 1;
        ++members_;
      }
      if (ev.time - sim::Time::zero() >= cfg_.period) settle_members();
      return;
    }
    settle_members();
    if (ev.kind == sim::TraceKind::crash) {
      for (Crash& c : crashes_)
        if (!c.done && counted(c, m)) {
          --c.eligible;
          if (c.holders[m]) --c.held;
          check_full(c, ev.time);
        }
      set_live(m, false);
      up_[m] = 0;
      Crash fresh;
      fresh.member = m;
      fresh.at = ev.time;
      crashes_.push_back(std::move(fresh));
      Crash& c = crashes_.back();
      c.eligible = live_;
      c.holders.assign(seen_.size(), 0);
      c.up_before.assign(seen_.size(), 0);
      for (uint32_t i = 0; i < seen_.size(); ++i) c.up_before[i] = live_flag_[i];
      return;
    }
    if (ev.kind == sim::TraceKind::restart) {
      up_[m] = 1;
      up_since_[m] = ev.time;
      for (Crash& c : crashes_)
        if (c.member == m && !c.done) c.done = c.restarted = true;
      return;
    }
    if (ev.kind != sim::TraceKind::observe || !ev.msg) return;
    if (ev.observed<Joined>()) set_live(m, true);
    if (ev.observed<Left>()) {
      left_[m] = 1;
      set_live(m, false);
    }
    const Status* s = ev.observed<Status>();
    if (!s) return;
    const uint32_t y = s->member.value;
    grow(y);
    if (s->how != How::heard && (s->state == State::dead || s->state == State::suspect) && up_[y] && !left_[y] &&
        ev.time - up_since_[y] >= settle()) {
      (s->state == State::dead ? false_dead_ : false_suspect_) += 1;
    }
    for (Crash& c : crashes_) {
      if (c.member != y || c.done) continue;
      if (!c.first && s->state != State::alive) c.first = ev.time;
      if ((s->state == State::dead || s->state == State::left) && counted(c, m) && !c.holders[m]) {
        c.holders[m] = 1;
        ++c.held;
        check_full(c, ev.time);
      }
    }
  }

  void report(sim::MetricLines& out, sim::Time end) const override {
    const double member_ns =
        member_ns_ + (end > last_ ? static_cast<double>(live_) * static_cast<double>((end - last_).ns()) : 0.0);
    const double p = static_cast<double>(cfg_.period.ns());
    std::vector<double> first, full;
    size_t undetected = 0, total = 0;
    for (const Crash& c : crashes_) {
      if (c.restarted) continue;
      ++total;
      if (c.first) first.push_back(static_cast<double>((*c.first - c.at).ns()) / p);
      if (c.full) full.push_back(static_cast<double>((*c.full - c.at).ns()) / p);
      else ++undetected;
    }
    const auto mean_max = [](const std::vector<double>& v) {
      double s = 0, mx = 0;
      for (double x : v) s += x, mx = std::max(mx, x);
      return std::make_pair(v.empty() ? 0.0 : s / static_cast<double>(v.size()), mx);
    };
    char buf[320];
    if (total == 0) {
      out.emplace_back("failure detection", "no member crashed for good");
    } else {
      const auto [f_mean, f_max] = mean_max(first);
      const auto [a_mean, a_max] = mean_max(full);
      std::snprintf(buf, sizeof buf,
                    "%zu crashes: first detection mean %.2f periods (max %.2f); full detection (every member up holds it "
                    "dead) mean %.2f periods (max %.2f)%s",
                    total, f_mean, f_max, a_mean, a_max,
                    undetected ? (", " + std::to_string(undetected) + " not fully detected by the end").c_str() : "");
      out.emplace_back("failure detection", buf);
    }
    const double mp = member_ns / p / 1000.0;
    std::snprintf(buf, sizeof buf,
                  "%llu declared dead and %llu suspected while up, by their own probes or timeouts (per 1,000 "
                  "member-periods: %.4f and %.4f)",
                  static_cast<unsigned long long>(false_dead_), static_cast<unsigned long long>(false_suspect_),
                  mp > 0 ? static_cast<double>(false_dead_) / mp : 0.0, mp > 0 ? static_cast<double>(false_suspect_) / mp : 0.0);
    out.emplace_back("false positives", buf);
  }

 private:
  struct Crash {
    uint32_t member = 0;
    sim::Time at;
    std::optional<sim::Time> first, full;
    bool done = false, restarted = false;
    uint32_t eligible = 0, held = 0;
    std::vector<uint8_t> holders, up_before;
  };
  // After the first period every member has armed its period: the initial members (all but the
  // last `joiners`) are in the group.
  void settle_members() {
    if (settled_ || last_ - sim::Time::zero() < cfg_.period) return;
    settled_ = true;
    const uint32_t first_joiner = members_ > cfg_.joiners ? members_ - cfg_.joiners : 0;
    for (uint32_t m = 0; m < seen_.size() && m < first_joiner; ++m)
      if (seen_[m] && up_[m] && !left_[m]) set_live(m, true);
  }
  // An observer counted for a crash: live when it happened and not down since.
  bool counted(const Crash& c, uint32_t m) const {
    return m < c.up_before.size() && c.up_before[m] && up_[m] && up_since_[m] <= c.at && m != c.member;
  }
  void check_full(Crash& c, sim::Time t) {
    if (!c.done && c.held >= c.eligible) {
      c.full = t;
      c.done = true;
    }
  }
  sim::Duration settle() const {
    return cfg_.ping_timeout + (cfg_.suspicion ? cfg_.suspicion_after(std::max<uint32_t>(members_, 2)) : sim::Duration{}) +
           cfg_.period * 2;
  }
  void grow(uint32_t m) {
    if (m < seen_.size()) return;
    seen_.resize(m + 1, 0);
    up_.resize(m + 1, 1);
    left_.resize(m + 1, 0);
    live_flag_.resize(m + 1, 0);
    up_since_.resize(m + 1);
  }
  void set_live(uint32_t m, bool live) {
    grow(m);
    if (live_flag_[m] == live) return;
    live_flag_[m] = live;
    live_ += live ? 1 : static_cast<uint32_t>(-1);
  }
  void advance(sim::Time t) {
    if (t > last_) member_ns_ += static_cast<double>(live_) * static_cast<double>((t - last_).ns());
    last_ = std::max(last_, t);
  }

  Config cfg_;
  std::vector<uint8_t> seen_, up_, left_, live_flag_;
  std::vector<sim::Time> up_since_;
  uint32_t members_ = 0, live_ = 0;
  bool settled_ = false;
  std::vector<Crash> crashes_;
  uint64_t false_dead_ = 0, false_suspect_ = 0;
  double member_ns_ = 0;
  sim::Time last_;
};

}  // namespace

std::unique_ptr<sim::MetricsSource> make_metrics(const Config& cfg) { return std::make_unique<SwimMetrics>(cfg); }

}  // namespace dsim::swim
