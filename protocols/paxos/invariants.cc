#include "protocols/paxos/invariants.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocols/common/params.h"
#include "protocols/paxos/observations.h"

namespace dsim::paxos {
namespace {

struct Names {
  explicit Names(const sim::InvariantEnv& env) : servers(env.topology->servers()), names(env.topology->names()) {}
  uint32_t servers;
  std::vector<std::string> names;
  const std::string& operator[](uint32_t n) const { return names[n]; }
};

bool server_observation(const sim::TraceEvent& ev, uint32_t servers) {
  return ev.kind == sim::TraceKind::observe && ev.msg && ev.node.value < servers;
}

std::string hex(uint64_t d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(d));
  return buf;
}

// The phase-2 quorum size the scenario runs with (0 in the parameters: a majority).
uint32_t phase2_quorum(const sim::InvariantEnv& env) {
  const uint32_t q2 = env.scenario->at("protocol").at("params").at("q2").get<uint32_t>();
  return q2 ? q2 : env.topology->servers() / 2 + 1;
}

// PMS §2.1: "Only a single value is chosen". A value is chosen in a slot when |Q2| acceptors
// accepted it in one ballot (computed here from the acceptors' own observations, whatever any
// learner concluded), and every learner must learn that value and no other.
class Agreement final : public sim::Invariant {
 public:
  explicit Agreement(const sim::InvariantEnv& env) : env_(env), q2_(phase2_quorum(env)) {}
  void on_event(const sim::TraceEvent& ev) override {
    if (!server_observation(ev, env_.servers)) return;
    if (const AcceptedValue* a = ev.observed<AcceptedValue>()) {
      Votes& v = votes_[{a->slot, a->ballot}];
      if (v.digest && *v.digest != a->digest)
        return violate(ev, "two values accepted in slot " + std::to_string(a->slot) + " at ballot " +
                               a->ballot.text(env_.names) + " (" + hex(*v.digest) + " and " + hex(a->digest) + ")");
      v.digest = a->digest;
      v.acceptors.insert(ev.node.value);
      if (v.acceptors.size() == q2_) chosen(ev, a->slot, a->digest, "accepted by " + std::to_string(q2_) +
                                                                       " acceptors at ballot " + a->ballot.text(env_.names));
    } else if (const Learned* l = ev.observed<Learned>()) {
      chosen(ev, l->slot, l->digest, "learned by " + env_[ev.node.value]);
    }
  }

 private:
  void chosen(const sim::TraceEvent& ev, uint64_t slot, uint64_t digest, const std::string& how) {
    auto [it, fresh] = chosen_.try_emplace(slot, digest, how);
    if (!fresh && it->second.first != digest)
      violate(ev, "two values chosen in slot " + std::to_string(slot) + ": " + hex(it->second.first) + " (" +
                      it->second.second + ") and " + hex(digest) + " (" + how + ")");
  }
  struct Votes {
    std::optional<uint64_t> digest;
    std::set<uint32_t> acceptors;
  };
  Names env_;
  size_t q2_;
  std::map<std::pair<uint64_t, Ballot>, Votes> votes_;
  std::map<uint64_t, std::pair<uint64_t, std::string>> chosen_;  // slot -> (digest, how we know)
};

// PMS §2.1: "Only a value that has been proposed may be chosen".
class Validity final : public sim::Invariant {
 public:
  explicit Validity(const sim::InvariantEnv& env) : env_(env) {}
  void on_event(const sim::TraceEvent& ev) override {
    if (!server_observation(ev, env_.servers)) return;
    if (const Proposed* p = ev.observed<Proposed>(); p && p->fresh) proposed_.insert(p->digest);
    if (const Learned* l = ev.observed<Learned>(); l && !proposed_.count(l->digest))
      violate(ev, env_[ev.node.value] + " learned in slot " + std::to_string(l->slot) + " the value " + hex(l->digest) +
                      ", which no proposer proposed");
  }

 private:
  Names env_;
  std::set<uint64_t> proposed_;
};

// PMS §2.1: "a process never learns that a value has been chosen unless it actually has been";
// and a learner learns each slot once.
class Integrity final : public sim::Invariant {
 public:
  explicit Integrity(const sim::InvariantEnv& env) : env_(env), learned_(env.topology->servers()) {}
  void on_event(const sim::TraceEvent& ev) override {
    if (!server_observation(ev, env_.servers)) return;
    const Learned* l = ev.observed<Learned>();
    if (l && !learned_[ev.node.value].insert(l->slot).second)
      violate(ev, env_[ev.node.value] + " learned slot " + std::to_string(l->slot) + " a second time");
  }

 private:
  Names env_;
  std::vector<std::set<uint64_t>> learned_;
};

// PMS §2.2 phase 1(b): a promise is "not to accept any more proposals numbered less than n";
// §2.3: it survives restarts. So an acceptor's promise only grows.
class PromiseMonotonic final : public sim::Invariant {
 public:
  explicit PromiseMonotonic(const sim::InvariantEnv& env) : env_(env), promised_(env.topology->servers()) {}
  void on_event(const sim::TraceEvent& ev) override {
    if (!server_observation(ev, env_.servers)) return;
    const uint32_t n = ev.node.value;
    if (const Promised* p = ev.observed<Promised>()) {
      if (p->ballot < promised_[n])
        return violate(ev, env_[n] + " promised ballot " + p->ballot.text(env_.names) + " after promising " +
                               promised_[n].text(env_.names));
      promised_[n] = p->ballot;
    } else if (const Recovered* r = ev.observed<Recovered>()) {
      if (r->promised < promised_[n])
        return violate(ev, env_[n] + " restarted with promise " + r->promised.text(env_.names) + ", below its promise " +
                               promised_[n].text(env_.names) + " before the crash");
    } else if (const AcceptedValue* a = ev.observed<AcceptedValue>()) {
      if (promised_[n] < a->ballot) promised_[n] = a->ballot;  // accepting n promises n
    }
  }

 private:
  Names env_;
  std::vector<Ballot> promised_;
};

// PMS §2.2, P1a: "An acceptor can accept a proposal numbered n iff it has not responded to a
// prepare request having a number greater than n." So an acceptance at n needs every earlier
// promise of that acceptor (in any incarnation) to be at most n.
class AcceptRespectsPromise final : public sim::Invariant {
 public:
  explicit AcceptRespectsPromise(const sim::InvariantEnv& env) : env_(env), promised_(env.topology->servers()) {}
  void on_event(const sim::TraceEvent& ev) override {
    if (!server_observation(ev, env_.servers)) return;
    const uint32_t n = ev.node.value;
    if (const Promised* p = ev.observed<Promised>()) {
      promised_[n] = std::max(promised_[n], p->ballot);
    } else if (const AcceptedValue* a = ev.observed<AcceptedValue>()) {
      if (a->ballot < promised_[n])
        return violate(ev, env_[n] + " accepted slot " + std::to_string(a->slot) + " at ballot " +
                               a->ballot.text(env_.names) + " after promising " + promised_[n].text(env_.names));
      promised_[n] = a->ballot;
    }
  }

 private:
  Names env_;
  std::vector<Ballot> promised_;
};

// After the last fault heals: multi, exactly one leader settles within `settle` and stays, every
// client operation invoked before end - drain completes, and those invoked after it settled
// complete ok; single, every server learns the value within `settle`.
class Liveness final : public sim::Invariant {
 public:
  Liveness(const sim::InvariantEnv& env, bool single, sim::Time heal, sim::Duration settle, sim::Duration drain)
      : env_(env), single_(single), heal_(heal), settle_(settle), drain_(drain), leading_(env.topology->servers(), false),
        learned_(env.topology->servers(), false) {}
  bool liveness() const override { return true; }

  void on_event(const sim::TraceEvent& ev) override {
    const uint32_t n = ev.node.value;
    if (ev.kind == sim::TraceKind::crash && n < leading_.size() && leading_[n]) change(n, false, ev.time);
    if (server_observation(ev, env_.servers)) {
      if (ev.observed<BecameLeader>()) change(n, true, ev.time);
      else if (ev.observed<SteppedDown>() && leading_[n]) change(n, false, ev.time);
      if (const Learned* l = ev.observed<Learned>(); l && l->slot == 1 && !learned_[n]) {
        learned_[n] = true;
        last_learned_ = ev.time;
      }
    }
    if (!ev.client()) return;
    if (ev.name == "invoke") {
      open_[sim::client_process(ev)] = ev.time;
      return;
    }
    auto it = open_.find(sim::client_process(ev));
    if (it == open_.end()) return;
    if (ev.name != "ok" && it->second >= heal_ + settle_ && !late_failure_)
      late_failure_ = "client " + env_[ev.node.value] + " got \"" + std::string(ev.name) +
                      "\" for an operation invoked at " + sim::format_ms(it->second - sim::Time::zero()) +
                      ", after the cluster had settled";
    open_.erase(it);
  }

  void on_end(sim::Time end) override {
    const sim::Time deadline = heal_ + settle_;
    if (single_) {
      for (uint32_t n = 0; n < learned_.size(); ++n)
        if (!learned_[n])
          return violate_at_end(end, env_[n] + " never learned the value (" + sim::format_ms(end - heal_) +
                                         " after the last fault healed; the bound is " + sim::format_ms(settle_) + ")");
      if (last_learned_ > deadline)
        return violate_at_end(end, "the last server learned the value at " +
                                       sim::format_ms(last_learned_ - sim::Time::zero()) + ", later than the bound of " +
                                       sim::format_ms(settle_) + " after the last fault healed");
      return;
    }
    uint32_t leaders = 0;
    for (bool l : leading_) leaders += l;
    if (leaders != 1)
      return violate_at_end(end, std::to_string(leaders) + " leaders at the end of the run, " +
                                     sim::format_ms(end - heal_) + " after the last fault healed");
    if (last_change_ > deadline)
      return violate_at_end(end, "leadership still changed at " + sim::format_ms(last_change_ - sim::Time::zero()) +
                                     ", later than the bound of " + sim::format_ms(settle_) +
                                     " after the last fault healed");
    for (const auto& [client, invoked] : open_)
      if (invoked + drain_ < end)
        return violate_at_end(end, "client " + env_[client.node] + " process " + std::to_string(client.process) +
                                       "'s operation invoked at " + sim::format_ms(invoked - sim::Time::zero()) +
                                       " never completed");
    if (late_failure_) violate_at_end(end, *late_failure_);
  }

 private:
  void change(uint32_t n, bool leading, sim::Time t) {
    leading_[n] = leading;
    last_change_ = t;
  }
  Names env_;
  bool single_;
  sim::Time heal_;
  sim::Duration settle_, drain_;
  std::vector<bool> leading_, learned_;
  sim::Time last_change_, last_learned_;
  std::map<sim::ClientProcess, sim::Time> open_;
  std::optional<std::string> late_failure_;
};

}  // namespace

std::unique_ptr<sim::Invariant> make_agreement(const sim::InvariantEnv& env) { return std::make_unique<Agreement>(env); }
std::unique_ptr<sim::Invariant> make_validity(const sim::InvariantEnv& env) { return std::make_unique<Validity>(env); }
std::unique_ptr<sim::Invariant> make_integrity(const sim::InvariantEnv& env) { return std::make_unique<Integrity>(env); }
std::unique_ptr<sim::Invariant> make_promise_monotonic(const sim::InvariantEnv& env) {
  return std::make_unique<PromiseMonotonic>(env);
}
std::unique_ptr<sim::Invariant> make_accept_respects_promise(const sim::InvariantEnv& env) {
  return std::make_unique<AcceptRespectsPromise>(env);
}

std::unique_ptr<sim::Invariant> make_liveness(const sim::InvariantEnv& env) {
  const nlohmann::json& s = *env.scenario;
  const sim::Healing::LastHeal heal = env.healing.last_heal(false, "Paxos");
  if (!heal.at) return sim::skipped_invariant(heal.why_not);
  const bool single = s.at("protocol").at("params").at("mode").get<std::string>() == "single";
  // The slowest server's timeouts: a server with longer ones (node_params) may be the one to act.
  const sim::Duration unit =
      single ? protocols::largest_duration_param(s, "retry", 1) + protocols::largest_duration_param(s, "phase_timeout")
             : protocols::largest_duration_param(s, "leader_timeout", 1);
  const sim::Duration settle = unit * kSettleTimeouts;
  sim::Duration drain;
  const auto& w = s.at("workload");
  if (!single && w.at("clients").get<int64_t>() > 0) {
    const sim::Duration timeout = *sim::parse_duration(w.at("timeout").get<std::string>(), nullptr);
    drain = (timeout + sim::Duration::millis(160)) * w.at("attempts").get<int64_t>();
  }
  const sim::Duration duration = *sim::parse_duration(s.at("duration").get<std::string>(), nullptr);
  if (*heal.at + settle + drain >= duration)
    return sim::skipped_invariant("the last fault heals at " + sim::format_ms(*heal.at) +
                                  ", too close to the end (needs " + sim::format_ms(settle + drain) + " more)");
  return std::make_unique<Liveness>(env, single, sim::Time::zero() + *heal.at, settle, drain);
}

}  // namespace dsim::paxos
