#include "protocols/gossip/invariants.h"

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "protocols/gossip/observations.h"
#include "protocols/gossip/params.h"
#include "sim/params.h"

namespace dsim::gossip {
namespace {

double lg(uint32_t n) { return std::log2(std::max<uint32_t>(n, 2)); }

Config config_of(const sim::InvariantEnv& env) {
  sim::ProtocolConfig pc;
  pc.params = sim::Params(env.scenario->at("protocol").at("params"));
  return config_params().parse(pc.params);
}

bool observation(const sim::TraceEvent& ev, uint32_t servers) {
  return ev.kind == sim::TraceKind::observe && ev.msg && ev.node.value < servers;
}

class Convergence final : public sim::Invariant {
 public:
  Convergence(const sim::InvariantEnv& env, sim::Time deadline)
      : names_(env.topology->names()), deadline_(deadline), store_(env.topology->servers()), up_(env.topology->servers(), true) {}
  bool liveness() const override { return true; }
  void on_event(const sim::TraceEvent& ev) override {
    const uint32_t n = ev.node.value;
    if (n >= store_.size()) return;
    if (ev.kind == sim::TraceKind::crash) {
      up_[n] = false;
      store_[n].clear();
    } else if (ev.kind == sim::TraceKind::restart) {
      up_[n] = true;
    } else if (const Received* r = observation(ev, store_.size()) ? ev.observed<Received>() : nullptr) {
      uint64_t& v = store_[n][r->key];
      v = std::max(v, r->version);
    }
  }
  void on_end(sim::Time end) override {
    std::map<uint64_t, std::pair<uint64_t, uint32_t>> newest;  // key -> (version, a live member holding it)
    for (uint32_t n = 0; n < store_.size(); ++n)
      if (up_[n])
        for (const auto& [key, v] : store_[n])
          if (v > newest[key].first) newest[key] = {v, n};
    for (uint32_t n = 0; n < store_.size(); ++n) {
      if (!up_[n]) continue;
      for (const auto& [key, best] : newest) {
        auto it = store_[n].find(key);
        const uint64_t mine = it == store_[n].end() ? 0 : it->second;
        if (mine < best.first)
          return violate_at_end(end, names_[n] + " holds version " + std::to_string(mine) + " of key " +
                                         std::to_string(key) + " at the end, but " + names_[best.second] + " holds " +
                                         std::to_string(best.first) + " (the bound passed at " +
                                         sim::format_ms(deadline_ - sim::Time::zero()) + ")");
      }
    }
  }

 private:
  std::vector<std::string> names_;
  sim::Time deadline_;
  std::vector<std::map<uint64_t, uint64_t>> store_;
  std::vector<bool> up_;
};

class RumorsDie final : public sim::Invariant {
 public:
  RumorsDie(const sim::InvariantEnv& env, sim::Duration life)
      : names_(env.topology->names()), servers_(env.topology->servers()), life_(life) {}
  void on_event(const sim::TraceEvent& ev) override {
    const uint32_t n = ev.node.value;
    // A fault (an isolation, a partition, a lossy link) can keep a member from ever hearing
    // that its peers know the rumor, and a correct member then keeps it hot: nothing is judged
    // while a fault lasts, and the bound counts from the last fault's start or end, restart
    // or clock change.
    if (ev.kind == sim::TraceKind::fault || ev.kind == sim::TraceKind::restart || ev.kind == sim::TraceKind::clock) {
      if (ev.kind == sim::TraceKind::fault && ev.data) {
        if (ev.data->contains("end_of")) {
          if (active_ > 0) --active_;
        } else if (ev.data->contains("for")) {
          ++active_;
        } else if (ev.name == "heal" || ev.name == "restart") {
          lasting_ = false;
        } else {
          lasting_ = true;  // until a heal: a partition or crash with no length
        }
      }
      hot_.clear();
      for (auto& [who, since] : since_) {
        since = ev.time;
        hot_.insert({ev.time, who});
      }
    }
    if (ev.kind == sim::TraceKind::crash && n < servers_) {
      for (auto it = since_.lower_bound({n, 0}); it != since_.end() && it->first.first == n;) {
        hot_.erase({it->second, it->first});
        it = since_.erase(it);
      }
    } else if (observation(ev, servers_)) {
      if (const Infective* i = ev.observed<Infective>()) {
        if (since_.emplace(std::make_pair(n, i->version), ev.time).second) hot_.insert({ev.time, {n, i->version}});
      } else if (const LostInterest* l = ev.observed<LostInterest>()) {
        auto it = since_.find({n, l->version});
        if (it != since_.end()) {
          hot_.erase({it->second, it->first});
          since_.erase(it);
        }
      }
    }
    if (!hot_.empty() && active_ == 0 && !lasting_ && ev.time - hot_.begin()->first > life_) {
      const auto& [t, who] = *hot_.begin();
      violate(ev, names_[who.first] + " has kept version " + std::to_string(who.second) + " hot since " +
                      sim::format_ms(t - sim::Time::zero()) + ", longer than the bound of " + sim::format_ms(life_));
    }
  }

 private:
  std::vector<std::string> names_;
  uint32_t servers_;
  sim::Duration life_;
  uint32_t active_ = 0;   // faults with a length that have not ended
  bool lasting_ = false;  // a fault with no length and no heal since
  std::map<std::pair<uint32_t, uint64_t>, sim::Time> since_;           // (member, version) -> hot since
  std::set<std::pair<sim::Time, std::pair<uint32_t, uint64_t>>> hot_;  // ordered by since
};

// Rumor traffic (§1.4's m): update-carrying rumor messages (pushes and answers to pulls) per
// member, for each update. A member sends a hot rumor about once a period (its push, and on
// average one pull answer), so rumors that die within the life bound carry each update at most
// twice that many times per member.
class Traffic final : public sim::Invariant {
 public:
  Traffic(const sim::InvariantEnv& env, uint64_t per_member)
      : servers_(env.topology->servers()), limit_(per_member * std::max<uint32_t>(servers_, 1)), per_member_(per_member) {}
  void on_event(const sim::TraceEvent& ev) override {
    if (ev.kind != sim::TraceKind::send || !ev.msg || ev.node.value >= servers_ || !ev.msg->holds<Message>()) return;
    const Rumor* r = std::get_if<Rumor>(&ev.msg->as<Message>());
    if (!r) return;
    for (const Entry& e : r->entries) {
      if (++sent_[e.version] <= limit_) continue;
      violate(ev, "version " + std::to_string(e.version) + " of key " + std::to_string(e.key) + " has been carried by " +
                      std::to_string(sent_[e.version]) + " rumor messages, more than " + std::to_string(per_member_) +
                      " per member (twice the rumor life bound): its rumors do not lose interest");
      return;
    }
  }

 private:
  uint32_t servers_;
  uint64_t limit_, per_member_;
  std::map<uint64_t, uint64_t> sent_;  // version -> rumor messages carrying it
};

class Validity final : public sim::Invariant {
 public:
  explicit Validity(const sim::InvariantEnv& env) : names_(env.topology->names()), servers_(env.topology->servers()) {}
  void on_event(const sim::TraceEvent& ev) override {
    if (!observation(ev, servers_)) return;
    if (const Injected* i = ev.observed<Injected>()) injected_[i->update + 1] = i->key;
    if (const Received* r = ev.observed<Received>()) {
      auto it = injected_.find(r->version);
      if (it == injected_.end() || it->second != r->key)
        violate(ev, names_[ev.node.value] + " took version " + std::to_string(r->version) + " of key " +
                        std::to_string(r->key) + ", which nobody injected");
    }
  }

 private:
  std::vector<std::string> names_;
  uint32_t servers_;
  std::map<uint64_t, uint64_t> injected_;  // version -> key
};

}  // namespace

uint64_t convergence_bound_periods(uint32_t members, uint32_t backup) {
  const uint64_t spread = static_cast<uint64_t>(std::ceil(2 * (lg(members) + std::log(std::max<uint32_t>(members, 2))))) + 10;
  // Rumor mongering with a backup: the rumors' spread, then ten push-pull rounds for the residue
  // (a member missed by a round with probability about e^-2 each).
  return backup ? spread + 10ull * backup : spread;
}

uint64_t rumor_life_bound_periods(uint32_t members, uint32_t k) {
  return static_cast<uint64_t>(std::ceil(2 * (lg(members) + std::log(std::max<uint32_t>(members, 2))))) + 20ull * k + 10;
}

std::unique_ptr<sim::Invariant> make_convergence(const sim::InvariantEnv& env) {
  const Config cfg = config_of(env);
  if (cfg.spread == Spread::rumor && cfg.backup == 0)
    return sim::skipped_invariant("rumor mongering without an anti-entropy backup leaves a residue by design");
  const sim::Healing::LastHeal heal = env.healing.last_heal(false, "gossip");
  if (!heal.at) return sim::skipped_invariant(heal.why_not);
  const uint32_t n = env.topology->servers();
  sim::Time start = sim::Time::zero() + *heal.at;
  if (cfg.updates > 0) {
    const sim::Time last = sim::Time::zero() + cfg.first_update + cfg.update_every * static_cast<int64_t>(cfg.updates - 1);
    start = std::max(start, last);
  }
  const sim::Duration bound = cfg.period * static_cast<int64_t>(convergence_bound_periods(n, cfg.backup));
  const sim::Duration duration = *sim::parse_duration(env.scenario->at("duration").get<std::string>(), nullptr);
  if (start + bound >= sim::Time::zero() + duration)
    return sim::skipped_invariant("the last fault heals or update is injected at " + sim::format_ms(start - sim::Time::zero()) +
                                  ", too close to the end (needs " + sim::format_ms(bound) + " more)");
  return std::make_unique<Convergence>(env, start + bound);
}

std::unique_ptr<sim::Invariant> make_rumors_die(const sim::InvariantEnv& env) {
  const Config cfg = config_of(env);
  if (cfg.spread != Spread::rumor) return sim::skipped_invariant("anti-entropy has no rumors");
  return std::make_unique<RumorsDie>(env, cfg.period * static_cast<int64_t>(rumor_life_bound_periods(env.topology->servers(), cfg.k)));
}

std::unique_ptr<sim::Invariant> make_traffic(const sim::InvariantEnv& env) {
  const Config cfg = config_of(env);
  if (cfg.spread != Spread::rumor) return sim::skipped_invariant("anti-entropy has no rumors");
  return std::make_unique<Traffic>(env, 2 * rumor_life_bound_periods(env.topology->servers(), cfg.k));
}

std::unique_ptr<sim::Invariant> make_validity(const sim::InvariantEnv& env) { return std::make_unique<Validity>(env); }

}  // namespace dsim::gossip
