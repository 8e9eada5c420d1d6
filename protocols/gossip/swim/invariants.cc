#include "protocols/gossip/swim/invariants.h"

#include <cmath>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocols/gossip/swim/observations.h"
#include "sim/params.h"

namespace dsim::swim {
namespace {

Config config_of(const sim::InvariantEnv& env) {
  sim::ProtocolConfig pc;
  pc.params = sim::Params(env.scenario->at("protocol").at("params"));
  Config cfg = config_params().parse(pc.params);
  return cfg;
}

// When the network is calm: no partition, isolation, cut, omission, lossy-link fault, slowness,
// scripted drop or Byzantine node in force (the network's steady message loss and duplication are
// allowed: that is the loss SWIM's suspicion is meant to ride out). From the fault events.
class Calm {
 public:
  void on_event(const sim::TraceEvent& ev) {
    if (ev.kind != sim::TraceKind::fault) return;
    const std::string_view name = ev.name;
    if (disturbs(name)) {
      if (name == "byzantine") forever_ = true;
      ++active_;
      return;
    }
    if (name != "heal" && name != "end") return;
    const bool ends_one = ev.data && ev.data->is_object() && ev.data->contains("end_of");
    if (ends_one) {
      const auto& of = (*ev.data)["end_of"];
      if (!of.is_string() || !disturbs(of.get<std::string>()) || active_ == 0) return;
      --active_;
    } else {
      active_ = forever_ ? 1 : 0;  // an explicit heal ends every network fault
    }
    if (active_ == 0) since_ = ev.time;
  }
  bool calm() const { return active_ == 0; }
  sim::Time since() const { return since_; }

 private:
  static bool disturbs(std::string_view k) {
    return k == "partition" || k == "isolate" || k == "cut" || k == "omit" || k == "lossy" || k == "slow" ||
           k == "drop" || k == "byzantine";
  }
  int active_ = 0;
  bool forever_ = false;
  sim::Time since_;
};

// Every member's view, as the invariants rebuild it from status observations (a restarted member
// starts again from the initial membership), and who is up, in the group, or gone.
class Views {
 public:
  Views(const sim::InvariantEnv& env, const Config& cfg)
      : names(env.topology->names()), n(env.topology->servers()), initial(cfg.initial(n)), view(n), up(n, true),
        in_group(n), ever_joined(n), left(n, false), up_since(n) {
    for (uint32_t m = 0; m < n; ++m) in_group[m] = ever_joined[m] = m < initial;
  }
  // Returns the status observed, if any.
  const Status* on_event(const sim::TraceEvent& ev) {
    const uint32_t m = ev.node.value;
    if (m >= n) return nullptr;
    if (ev.kind == sim::TraceKind::crash) {
      up[m] = false;
      in_group[m] = false;
      view[m].clear();
    } else if (ev.kind == sim::TraceKind::restart) {
      up[m] = true;
      up_since[m] = ev.time;
    } else if (ev.kind == sim::TraceKind::observe && ev.msg) {
      if (const Status* s = ev.observed<Status>()) {
        if (s->member.value < n) view[m][s->member.value] = Entry{s->state, s->incarnation};
        return s;
      }
      if (ev.observed<Joined>()) in_group[m] = ever_joined[m] = true;
      if (ev.observed<Left>()) {
        left[m] = true;
        in_group[m] = false;
      }
    }
    return nullptr;
  }
  struct Entry {
    State state = State::alive;
    uint32_t incarnation = 0;
  };
  // m's view of y: known, and its state.
  bool holds_member(uint32_t m, uint32_t y) const {
    auto it = view[m].find(y);
    if (it == view[m].end()) return y < initial;
    return it->second.state == State::alive || it->second.state == State::suspect;
  }
  std::string held(uint32_t m, uint32_t y) const {
    auto it = view[m].find(y);
    if (it == view[m].end()) return y < initial ? "alive (as it started)" : "unknown";
    return std::string(kStateNames[static_cast<size_t>(it->second.state)]) + " (incarnation " +
           std::to_string(it->second.incarnation) + ")";
  }
  // Should be in the group: up, not left, and an initial member or one that joined once.
  bool live(uint32_t y) const { return up[y] && !left[y] && ever_joined[y]; }

  std::vector<std::string> names;
  uint32_t n, initial;
  std::vector<std::unordered_map<uint32_t, Entry>> view;
  std::vector<bool> up, in_group, ever_joined, left;
  std::vector<sim::Time> up_since;
};

std::string at(sim::Time t) { return sim::format_ms(t - sim::Time::zero()); }

class Accuracy final : public sim::Invariant {
 public:
  Accuracy(const sim::InvariantEnv& env, const Config& cfg)
      : views_(env, cfg), window_(accuracy_window(cfg, env.topology->servers())) {}
  void on_event(const sim::TraceEvent& ev) override {
    calm_.on_event(ev);
    const Status* s = views_.on_event(ev);
    if (!s || s->state != State::dead || s->how == How::heard) return;
    const uint32_t y = s->member.value;
    if (y >= views_.n || !views_.up[y] || views_.left[y] || !views_.ever_joined[y]) return;
    if (ev.time - views_.up_since[y] < window_ || !calm_.calm() || ev.time - calm_.since() < window_) return;
    violate(ev, views_.names[ev.node.value] + " declared " + views_.names[y] + " dead (incarnation " +
                    std::to_string(s->incarnation) + (s->how == How::probe ? ", its probe unanswered" : ", its suspicion timed out") +
                    ") at " + at(ev.time) + ", but " + views_.names[y] + " has been up since " + at(views_.up_since[y]) +
                    " and the network calm since " + at(calm_.since()) + " (message loss at most): a false positive");
  }

 private:
  Views views_;
  Calm calm_;
  sim::Duration window_;
};

class Completeness final : public sim::Invariant {
 public:
  Completeness(const sim::InvariantEnv& env, const Config& cfg)
      : views_(env, cfg), bound_(completeness_bound(cfg, env.topology->servers())) {}
  bool liveness() const override { return true; }
  void on_event(const sim::TraceEvent& ev) override {
    judge(ev.time, false, &ev);
    calm_.on_event(ev);
    const uint32_t m = ev.node.value;
    const bool was_live = m < views_.n && views_.live(m);
    views_.on_event(ev);
    if (m >= views_.n) return;
    if (was_live && !views_.live(m)) gone_.push_back(Gone{m, ev.time, ev.kind == sim::TraceKind::crash});
  }
  void on_end(sim::Time end) override { judge(end, true, nullptr); }

 private:
  struct Gone {
    uint32_t member;
    sim::Time at;
    bool crashed;
  };
  // Judges every departure whose bound has passed (at the end: reached).
  void judge(sim::Time now, bool end, const sim::TraceEvent* ev) {
    if (violation()) return;
    for (auto it = gone_.begin(); it != gone_.end();) {
      const uint32_t y = it->member;
      if (views_.up[y] && !views_.left[y]) {  // restarted: nothing to detect
        it = gone_.erase(it);
        continue;
      }
      if (!calm_.calm()) return;
      const sim::Time from = std::max(it->at, calm_.since());
      const sim::Time deadline = from + bound_;
      if (end ? now < deadline : now <= deadline) {
        ++it;
        continue;
      }
      for (uint32_t m = 0; m < views_.n; ++m) {
        if (m == y || !views_.up[m] || !views_.in_group[m] || views_.left[m] || views_.up_since[m] > from) continue;
        if (!views_.holds_member(m, y)) continue;
        const std::string what = views_.names[m] + " still holds " + views_.names[y] + " " + views_.held(m, y) + " at " +
                                 at(deadline) + ", " + sim::format_ms(bound_) + " after " + views_.names[y] +
                                 (it->crashed ? " crashed" : " left") + " at " + at(it->at) +
                                 (from > it->at ? " (counted from when the network became calm, " + at(from) + ")" : "");
        if (ev) violate(*ev, what);
        else violate_at_end(now, what);
        return;
      }
      it = gone_.erase(it);
    }
  }

  Views views_;
  Calm calm_;
  sim::Duration bound_;
  std::vector<Gone> gone_;
};

class Convergence final : public sim::Invariant {
 public:
  Convergence(const sim::InvariantEnv& env, const Config& cfg, sim::Time deadline)
      : views_(env, cfg), deadline_(deadline) {}
  bool liveness() const override { return true; }
  void on_event(const sim::TraceEvent& ev) override { views_.on_event(ev); }
  void on_end(sim::Time end) override {
    const std::string by = " (the bound passed at " + at(deadline_) + ")";
    for (uint32_t y = 0; y < views_.n; ++y)
      if (views_.live(y) && !views_.in_group[y])
        return violate_at_end(end, views_.names[y] + " is up but has not rejoined the group by the end" + by);
    for (uint32_t m = 0; m < views_.n; ++m) {
      if (!views_.live(m)) continue;
      for (uint32_t y = 0; y < views_.n; ++y) {
        if (y == m) continue;
        const bool live = views_.live(y);
        if (views_.holds_member(m, y) == live) continue;
        return violate_at_end(end, "at the end " + views_.names[m] + " holds " + views_.names[y] + " " + views_.held(m, y) +
                                       ", but " + views_.names[y] + (live ? " is live" : views_.left[y] ? " left" : " is down") +
                                       by);
      }
    }
  }

 private:
  Views views_;
  sim::Time deadline_;
};

double lg(uint32_t n) { return std::log2(std::max<uint32_t>(n, 2)); }

}  // namespace

uint64_t dissemination_periods(uint32_t members) {
  return static_cast<uint64_t>(std::ceil(2 * (lg(members) + std::log(std::max<uint32_t>(members, 2)))));
}

sim::Duration completeness_bound(const Config& cfg, uint32_t members) {
  const sim::Duration suspicion = cfg.suspicion ? cfg.suspicion_after(members) : sim::Duration{};
  return cfg.period * static_cast<int64_t>(12 + 1 + dissemination_periods(members) + 10) + suspicion;
}

sim::Duration convergence_bound(const Config& cfg, uint32_t members) {
  return completeness_bound(cfg, members) +
         cfg.period * static_cast<int64_t>(cfg.reconnect_every + 2 + dissemination_periods(members) + 10 + 3 * cfg.sync_every);
}

sim::Duration accuracy_window(const Config& cfg, uint32_t members) {
  const sim::Duration suspicion = cfg.suspicion ? cfg.suspicion_after(members) : sim::Duration{};
  return cfg.ping_timeout + suspicion + cfg.period * static_cast<int64_t>(dissemination_periods(members) + 2);
}

std::unique_ptr<sim::Invariant> make_accuracy(const sim::InvariantEnv& env) {
  return std::make_unique<Accuracy>(env, config_of(env));
}

std::unique_ptr<sim::Invariant> make_completeness(const sim::InvariantEnv& env) {
  return std::make_unique<Completeness>(env, config_of(env));
}

std::unique_ptr<sim::Invariant> make_convergence(const sim::InvariantEnv& env) {
  const Config cfg = config_of(env);
  const sim::Healing::LastHeal heal = env.healing.last_heal(true, "swim");
  if (!heal.at) return sim::skipped_invariant(heal.why_not);
  const uint32_t n = env.topology->servers();
  sim::Time start = sim::Time::zero() + *heal.at;
  if (cfg.joiners > 0)
    start = std::max(start, sim::Time::zero() + cfg.join_at + cfg.join_every * static_cast<int64_t>(cfg.joiners - 1));
  if (cfg.leavers > 0)
    start = std::max(start, sim::Time::zero() + cfg.leave_at + cfg.leave_every * static_cast<int64_t>(cfg.leavers - 1));
  const sim::Duration bound = convergence_bound(cfg, n);
  const sim::Duration duration = *sim::parse_duration(env.scenario->at("duration").get<std::string>(), nullptr);
  if (start + bound >= sim::Time::zero() + duration)
    return sim::skipped_invariant("the last fault heals, or the last member joins or leaves, at " + at(start) +
                                  ", too close to the end (needs " + sim::format_ms(bound) + " more)");
  return std::make_unique<Convergence>(env, cfg, start + bound);
}

}  // namespace dsim::swim
