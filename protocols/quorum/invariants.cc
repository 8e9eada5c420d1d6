#include "protocols/quorum/invariants.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocols/quorum/observations.h"
#include "sim/check/client_history.h"
#include "sim/check/history.h"
#include "sim/check/session.h"
#include "protocols/quorum/params.h"
#include "protocols/quorum/ring.h"
#include "sim/params.h"

namespace dsim::quorum {
namespace {

Config config_of(const sim::InvariantEnv& env) {
  sim::ProtocolConfig pc;
  pc.params = sim::Params(env.scenario->at("protocol").at("params"));
  return config_params().parse(pc.params);
}

Workload workload_of(const sim::InvariantEnv& env) {
  nlohmann::json w = env.scenario->contains("workload") ? env.scenario->at("workload") : nlohmann::json::object();
  w.erase("clients");
  sim::ProtocolConfig pc;
  pc.workload = sim::Params(w);
  return Workload::from(pc);
}

uint32_t clients_of(const sim::InvariantEnv& env) {
  const nlohmann::json& s = *env.scenario;
  return s.contains("workload") && s.at("workload").contains("clients") ? s.at("workload").at("clients").get<uint32_t>() : 0;
}

// What the checkers know of the run: every version's key and past (wrote), the acknowledged
// writes (put_ok), each home replica's copy (stored), and which servers are up.
class Knowledge {
 public:
  explicit Knowledge(const sim::InvariantEnv& env)
      : names_(env.topology->names()), servers_(env.topology->servers()), up_(env.topology->servers(), true) {}

  // Returns false for events it does not use.
  void on_event(const sim::TraceEvent& ev) {
    const uint32_t n = ev.node.value;
    if (ev.kind == sim::TraceKind::crash && n < servers_) {
      up_[n] = false;
    } else if (ev.kind == sim::TraceKind::restart && n < servers_) {
      up_[n] = true;
    } else if (ev.kind == sim::TraceKind::observe && ev.msg) {
      if (const Wrote* w = ev.observed<Wrote>()) {
        past_[{w->key, w->dot}] = w->past;
      } else if (const Stored* s = ev.observed<Stored>()) {
        if (n < servers_) copies_[{n, s->key}] = s->dots;
      } else if (const PutOk* p = ev.observed<PutOk>()) {
        acked_[p->key].push_back(Acked{p->dot, ev.time});
      } else if (ev.observed<Joined>() && n < servers_) {
        joined_.insert(n);
      } else if (ev.observed<Left>() && n < servers_) {
        left_.insert(n);
      }
    }
  }

  // Version b of `key` is a (the same write) or follows it. (Dots number one key's writes.)
  bool follows(const std::string& key, const Dot& a, const Dot& b) const {
    if (a == b) return true;
    auto it = past_.find({key, b});
    return it != past_.end() && it->second.covers(a);
  }
  bool covered(const std::string& key, const Dot& a, const std::vector<Dot>& held) const {
    return std::any_of(held.begin(), held.end(), [&](const Dot& b) { return follows(key, a, b); });
  }
  const std::vector<Dot>& copy(uint32_t node, const std::string& key) const {
    static const std::vector<Dot> none;
    auto it = copies_.find({node, key});
    return it == copies_.end() ? none : it->second;
  }
  std::string text(const std::vector<Dot>& dots) const {
    std::string s = "[";
    for (const Dot& d : dots) s += (s.size() > 1 ? ", " : "") + d.text(names_);
    return s + "]";
  }

  struct Acked {
    Dot dot;
    sim::Time at;
  };
  const std::map<std::string, std::vector<Acked>>& acked() const { return acked_; }
  // Every key some replica stored or some client wrote.
  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto& [k, v] : acked_) out.push_back(k);
    for (const auto& [nk, v] : copies_) out.push_back(nk.second);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }
  bool up(uint32_t n) const { return n < up_.size() && up_[n]; }
  // The ring's members now: the initial ones, those that joined, not those that left.
  std::vector<sim::NodeId> members(const Config& cfg) const {
    std::set<uint32_t> m;
    for (sim::NodeId n : cfg.initial_members(servers_)) m.insert(n.value);
    m.insert(joined_.begin(), joined_.end());
    for (uint32_t n : left_) m.erase(n);
    std::vector<sim::NodeId> out;
    for (uint32_t n : m) out.push_back(sim::NodeId(n));
    return out;
  }
  const std::vector<std::string>& names() const { return names_; }
  uint32_t servers() const { return servers_; }

 private:
  std::vector<std::string> names_;
  uint32_t servers_;
  std::vector<bool> up_;
  std::map<std::pair<std::string, Dot>, VersionVector> past_;  // (key, version) -> its past
  std::map<std::pair<uint32_t, std::string>, std::vector<Dot>> copies_;
  std::map<std::string, std::vector<Acked>> acked_;
  std::set<uint32_t> joined_, left_;
};

// Judged at the end of the run, once the store has been quiet long enough.
class AtQuiescence final : public sim::Invariant {
 public:
  enum class What { no_lost_write, convergence };
  AtQuiescence(const sim::InvariantEnv& env, What what, const Config& cfg, sim::Time quiet_from)
      : what_(what), cfg_(cfg), know_(env), quiet_from_(quiet_from) {}
  bool liveness() const override { return true; }
  void on_event(const sim::TraceEvent& ev) override { know_.on_event(ev); }
  void on_end(sim::Time end) override {
    const std::string when = " (quiet since " + sim::format_ms(quiet_from_ - sim::Time::zero()) + ")";
    const Ring ring(know_.members(cfg_), cfg_.vnodes);  // the ring at the end
    for (const std::string& key : know_.keys()) {
      std::vector<uint32_t> homes;
      std::string listed;
      for (sim::NodeId h : ring.home(key, cfg_.n)) {
        if (!know_.up(h.value)) continue;
        homes.push_back(h.value);
        listed += (listed.empty() ? "" : ", ") + know_.names()[h.value];
      }
      if (homes.empty()) continue;  // every home replica is down at the end: nothing to judge
      if (what_ == What::no_lost_write) {
        auto it = know_.acked().find(key);
        if (it == know_.acked().end()) continue;
        for (const Knowledge::Acked& a : it->second) {
          const bool kept = std::any_of(homes.begin(), homes.end(), [&](uint32_t h) { return know_.covered(key, a.dot, know_.copy(h, key)); });
          if (kept) continue;
          std::string holds;
          for (uint32_t h : homes) holds += (holds.empty() ? "" : "; ") + know_.names()[h] + " holds " + know_.text(know_.copy(h, key));
          return violate_at_end(end, "the write " + a.dot.text(know_.names()) + " of " + key + ", acknowledged at " +
                                         sim::format_ms(a.at - sim::Time::zero()) +
                                         ", is lost: no up home replica holds it or a version that follows it (" +
                                         holds + ")" + when);
        }
      } else {
        const std::vector<Dot>& first = know_.copy(homes.front(), key);
        for (uint32_t h : homes) {
          if (know_.copy(h, key) == first) continue;
          return violate_at_end(end, "the home replicas of " + key + " (" + listed + ") differ at the end: " +
                                         know_.names()[homes.front()] + " holds " + know_.text(first) + ", " +
                                         know_.names()[h] + " holds " + know_.text(know_.copy(h, key)) + when);
        }
      }
    }
  }

 private:
  What what_;
  Config cfg_;
  Knowledge know_;
  sim::Time quiet_from_;
};

class FreshReads final : public sim::Invariant {
 public:
  FreshReads(const sim::InvariantEnv& env, const Config& cfg) : know_(env), cfg_(cfg) {}
  void on_event(const sim::TraceEvent& ev) override {
    know_.on_event(ev);
    if (const sim::ClientEvent* c = ev.client()) {
      if (ev.name == "invoke") invoked_[{ev.node.value, c->process}] = ev.time;
      return;
    }
    const GetOk* g = ev.observed<GetOk>();
    if (!g) return;
    auto inv = invoked_.find({ev.node.value, g->process});
    auto acked = know_.acked().find(g->key);
    if (inv == invoked_.end() || acked == know_.acked().end()) return;
    for (const Knowledge::Acked& a : acked->second) {
      if (a.at >= inv->second || know_.covered(g->key, a.dot, g->dots)) continue;
      violate(ev, "a read of " + g->key + " invoked at " + sim::format_ms(inv->second - sim::Time::zero()) +
                      " returned " + know_.text(g->dots) + ", missing the write " + a.dot.text(know_.names()) +
                      " acknowledged at " + sim::format_ms(a.at - sim::Time::zero()) + " (" + why() + ")");
      return;
    }
  }

 private:
  std::string why() const {
    const std::string rw = "R = " + std::to_string(cfg_.r) + ", W = " + std::to_string(cfg_.w) + ", N = " + std::to_string(cfg_.n);
    if (cfg_.r + cfg_.w <= cfg_.n) return rw + ": R + W <= N, the quorums need not intersect";
    if (cfg_.sloppy) return rw + ", sloppy quorums: fallbacks may have taken the write";
    return rw + ": strict quorums must intersect";
  }
  Knowledge know_;
  Config cfg_;
  std::map<std::pair<uint32_t, uint32_t>, sim::Time> invoked_;  // (client node, process) -> its latest invoke
};

// Session guarantees (Terry et al. 1994), by the history checker of sim/check/session.h over the
// clients' history: each logical client process is a session; a read of several siblings stands
// for the latest of them. Judged at the end of the run.
class Sessions final : public sim::Invariant {
 public:
  Sessions(const sim::InvariantEnv& env, const Config& cfg, std::set<check::SessionGuarantee> guarantees)
      : clients_(env.topology->names()), cfg_(cfg), guarantees_(std::move(guarantees)) {}
  void on_event(const sim::TraceEvent& ev) override {
    if (error_) return;
    const std::optional<check::Event> e = clients_.on_event(ev);
    if (!e) return;
    try {
      builder_.add(*e, static_cast<int64_t>(ev.seq));
    } catch (const check::HistoryError& err) {
      error_ = true;
      violate(ev, std::string("malformed client history: ") + err.what());
      return;
    }
    if (e->type == check::Event::Type::invoke) {
      invoked_at_[e->process] = e->time;
    } else {
      completions_[{e->process, invoked_at_[e->process]}] = {ev.seq, ev.time};
    }
  }
  void on_end(sim::Time end) override {
    if (error_) return;
    check::SessionOptions options;
    options.siblings = true;
    options.guarantees = guarantees_;
    const check::SessionResult result = check::check_session_guarantees(std::move(builder_).finish(), options);
    if (result.ok) return;
    if (result.violations.empty()) return violate_at_end(end, "the client history breaks the checker's assumptions: " + result.errors.front());
    const check::SessionViolation& v = result.violations.front();
    // The violation is placed at the completion of the latest operation on the cycle.
    const check::Operation* last = nullptr;
    for (const check::SessionEdge& e : v.cycle)
      if (e.reason != "initial" && (!last || e.op.call > last->call)) last = &e.op;
    std::string names;
    for (size_t i = 0; i < v.guarantees.size(); ++i) names += (i ? " + " : "") + check::to_string(v.guarantees[i]);
    std::string text = result.to_text();
    while (!text.empty() && text.back() == '\n') text.pop_back();
    const std::string sentence = "session guarantees broken on key " + v.key + ": no order of its writes satisfies " +
                                 names + (last ? " (" + clients_.describe(*last) + ")" : "") + " (" + why() + ")";
    const auto done = last ? completions_.find({last->process, last->call}) : completions_.end();
    if (done == completions_.end()) return violate_at_end(end, sentence);
    violate_at(done->second.first, done->second.second, sentence, text);
  }

 private:
  std::string why() const {
    const std::string rw = "R = " + std::to_string(cfg_.r) + ", W = " + std::to_string(cfg_.w) + ", N = " + std::to_string(cfg_.n);
    if (cfg_.r + cfg_.w <= cfg_.n) return rw + ": R + W <= N, a read quorum may miss the session's own write quorum";
    if (cfg_.sloppy) return rw + ", sloppy quorums: fallbacks may have taken the session's writes";
    if (guarantees_.contains(check::SessionGuarantee::monotonic_reads))
      return rw + ": a read may see a write still in progress (or failed) that the next read's quorum misses";
    return rw + ": strict quorums must intersect";
  }
  check::ClientHistory clients_;
  Config cfg_;
  std::set<check::SessionGuarantee> guarantees_;
  check::HistoryBuilder builder_;
  bool error_ = false;
  std::map<int, int64_t> invoked_at_;
  std::map<std::pair<int, int64_t>, std::pair<uint64_t, sim::Time>> completions_;
};

// When the store is quiet: the faults have healed (a server that stays down is just left out),
// writes have stopped, and then hand-off, expired suspicions and the clients' read sweep have had
// time to bring every home replica up to date. Empty with the reason when the run never gets there.
std::optional<sim::Time> quiet_from(const sim::InvariantEnv& env, const Config& cfg, std::string& why_not) {
  if (cfg.mode == Mode::abd) {
    why_not = "ABD mode: the linearizable invariant is its check";
    return std::nullopt;
  }
  const sim::Healing::LastHeal heal = env.healing.last_heal(true, "the quorum store");
  if (!heal.at) {
    why_not = heal.why_not;
    return std::nullopt;
  }
  const Workload w = workload_of(env);
  const uint32_t clients = clients_of(env);
  if (clients == 0 || w.rate <= 0) {
    why_not = "no clients: nothing is written or read";
    return std::nullopt;
  }
  if (w.writes_stop.ns() == 0) {
    why_not = "the clients never stop writing (workload.writes_stop is 0)";
    return std::nullopt;
  }
  sim::Duration last_change;  // the last join or leave
  for (uint32_t i = 0; i < env.topology->servers(); ++i) {
    if (const auto at = cfg.join_time(i, env.topology->servers())) last_change = std::max(last_change, *at);
    if (const auto at = cfg.leave_time(i)) last_change = std::max(last_change, *at);
  }
  const sim::Time quiet = sim::Time::zero() + std::max({*heal.at, w.writes_stop, last_change});
  // Hand-off waits out a suspicion and a period; a read sweep covers every key in keys / rate
  // (each client sweeps on its own); twice each, plus a request's timeouts.
  const sim::Duration sweep = sim::Duration::nanos(static_cast<int64_t>(1e9 * w.keys / w.rate));
  // Anti-entropy takes each server round all the others in S - 1 periods: twice that.
  const sim::Duration settle = (cfg.suspect_for + cfg.handoff_every + cfg.request_timeout + sweep) * 2 + w.timeout +
                               sim::Duration::millis(100) +
                               cfg.anti_entropy * (2 * static_cast<int64_t>(env.topology->servers())) +
                               // membership gossip reaches every server within about S periods
                               (cfg.joiners + cfg.leavers > 0
                                    ? cfg.handoff_every * (2 * static_cast<int64_t>(env.topology->servers()))
                                    : sim::Duration{});
  const sim::Duration duration = *sim::parse_duration(env.scenario->at("duration").get<std::string>(), nullptr);
  if (quiet + settle >= sim::Time::zero() + duration) {
    why_not = "the store is quiet from " + sim::format_ms(quiet - sim::Time::zero()) + ", too close to the end (needs " +
              sim::format_ms(settle) + " more)";
    return std::nullopt;
  }
  return quiet;
}

std::unique_ptr<sim::Invariant> at_quiescence(const sim::InvariantEnv& env, AtQuiescence::What what) {
  const Config cfg = config_of(env);
  std::string why_not;
  const std::optional<sim::Time> quiet = quiet_from(env, cfg, why_not);
  if (!quiet) return sim::skipped_invariant(why_not);
  return std::make_unique<AtQuiescence>(env, what, cfg, *quiet);
}

}  // namespace

std::unique_ptr<sim::Invariant> make_no_lost_write(const sim::InvariantEnv& env) {
  return at_quiescence(env, AtQuiescence::What::no_lost_write);
}

std::unique_ptr<sim::Invariant> make_convergence(const sim::InvariantEnv& env) {
  return at_quiescence(env, AtQuiescence::What::convergence);
}

std::unique_ptr<sim::Invariant> make_sessions(const sim::InvariantEnv& env) {
  const Config cfg = config_of(env);
  if (cfg.mode == Mode::abd) return sim::skipped_invariant("ABD mode: the linearizable invariant is its check");
  using G = check::SessionGuarantee;
  return std::make_unique<Sessions>(env, cfg, std::set<G>{G::read_your_writes, G::monotonic_writes, G::writes_follow_reads});
}

std::unique_ptr<sim::Invariant> make_monotonic_reads(const sim::InvariantEnv& env) {
  const Config cfg = config_of(env);
  if (cfg.mode == Mode::abd) return sim::skipped_invariant("ABD mode: the linearizable invariant is its check");
  return std::make_unique<Sessions>(env, cfg, std::set<check::SessionGuarantee>{check::SessionGuarantee::monotonic_reads});
}

std::string fresh_not_promised(const sim::InvariantEnv& env) {
  const Config cfg = config_of(env);
  if (cfg.mode != Mode::dynamo) return "";
  if (cfg.r + cfg.w <= cfg.n) return "R + W <= N";
  if (cfg.sloppy) return "sloppy quorums";
  return "";
}

std::string monotonic_not_promised(const sim::InvariantEnv& env) {
  return config_of(env).mode == Mode::dynamo ? "no Dynamo configuration gives monotonic reads" : "";
}

std::unique_ptr<sim::Invariant> make_fresh_reads(const sim::InvariantEnv& env) {
  const Config cfg = config_of(env);
  if (cfg.mode == Mode::abd) return sim::skipped_invariant("ABD mode: the linearizable invariant is its check");
  return std::make_unique<FreshReads>(env, cfg);
}

}  // namespace dsim::quorum
