#include "protocols/commit/invariants.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "protocols/common/params.h"
#include "protocols/commit/observations.h"

namespace dsim::commit {
namespace {

std::string txn_name(uint64_t t) { return "transaction " + std::to_string(t); }
std::string txn_name(TxnId t) { return txn_name(t.value); }

// Node ids of the participants an observation lists (the trace reader checked they are nodes).
std::vector<uint32_t> participants_of(const std::vector<sim::NodeId>& participants) {
  std::vector<uint32_t> out;
  for (sim::NodeId p : participants) out.push_back(p.value);
  return out;
}

std::string writes_text(const std::vector<Write>& writes) {
  std::string out = "[";
  for (const Write& w : writes) out += (out.size() > 1 ? ", " : "") + nlohmann::json(w.key).dump() + "=" + nlohmann::json(w.value).dump();
  return out + "]";
}

class Agreement final : public sim::Invariant {
 public:
  explicit Agreement(const sim::InvariantEnv& env) : names_(env.topology->names()) {}
  void on_event(const sim::TraceEvent& ev) override {
    const Decided* d = ev.observed<Decided>();
    if (!d) return;
    const bool commit = d->decision == Decision::commit;
    Seen& s = txns_[d->txn.value];
    (commit ? s.commit : s.abort).insert(ev.node.value);
    for (uint32_t other : commit ? s.abort : s.commit)
      if (other != ev.node.value)
        return violate(ev, names_[ev.node.value] + " decided " + (commit ? "commit" : "abort") + " on " +
                               txn_name(d->txn) + " but " + names_[other] + " decided " +
                               (commit ? "abort" : "commit"));
  }

 private:
  struct Seen {
    std::set<uint32_t> commit, abort;
  };
  std::vector<std::string> names_;
  std::map<uint64_t, Seen> txns_;
};

class Irreversible final : public sim::Invariant {
 public:
  explicit Irreversible(const sim::InvariantEnv& env) : names_(env.topology->names()) {}
  void on_event(const sim::TraceEvent& ev) override {
    const Decided* d = ev.observed<Decided>();
    if (!d) return;
    const bool commit = d->decision == Decision::commit;
    auto [it, fresh] = decided_.try_emplace({ev.node.value, d->txn.value}, commit);
    if (!fresh && it->second != commit)
      violate(ev, names_[ev.node.value] + " decided " + (it->second ? "commit" : "abort") + " on " +
                      txn_name(d->txn) + ", then " + (commit ? "commit" : "abort"));
  }

 private:
  std::vector<std::string> names_;
  std::map<std::pair<uint32_t, uint64_t>, bool> decided_;  // (node, txn) -> commit?
};

class CommitNeedsAllYes final : public sim::Invariant {
 public:
  explicit CommitNeedsAllYes(const sim::InvariantEnv& env) : names_(env.topology->names()) {}
  void on_event(const sim::TraceEvent& ev) override {
    if (const auto* s = ev.observed<Submitted>()) {
      txns_[s->txn.value].participants = participants_of(s->participants);
    } else if (const auto* v = ev.observed<Voted>(); v && v->yes) {
      txns_[v->txn.value].yes.insert(ev.node.value);
    } else if (const auto* d = ev.observed<Decided>(); d && d->decision == Decision::commit) {
      const Txn& t = txns_[d->txn.value];
      if (t.participants.empty())
        return violate(ev, names_[ev.node.value] + " decided commit on " + txn_name(d->txn) +
                               ", which no client submitted");
      for (uint32_t p : t.participants)
        if (!t.yes.count(p))
          return violate(ev, names_[ev.node.value] + " decided commit on " + txn_name(d->txn) + " but " +
                                 names_[p] + " never voted yes");
    }
  }

 private:
  struct Txn {
    std::vector<uint32_t> participants;
    std::set<uint32_t> yes;
  };
  std::vector<std::string> names_;
  std::map<uint64_t, Txn> txns_;
};

bool is_disturbance(const sim::TraceEvent& ev) {
  return ev.kind == sim::TraceKind::fault || ev.kind == sim::TraceKind::crash || ev.kind == sim::TraceKind::restart ||
         ev.kind == sim::TraceKind::drop || ev.kind == sim::TraceKind::clock;
}

class Validity final : public sim::Invariant {
 public:
  Validity(const sim::InvariantEnv& env, std::optional<sim::Time> healed)
      : names_(env.topology->names()), healed_(healed) {}

  void on_event(const sim::TraceEvent& ev) override {
    if (is_disturbance(ev)) {
      last_disturbance_ = ev.time;
      return;
    }
    if (const auto* s = ev.observed<Submitted>()) {
      Txn& t = txns_[s->txn.value];
      t.participants = participants_of(s->participants);
      t.submitted = ev.time;
    } else if (const auto* v = ev.observed<Voted>()) {
      Txn& t = txns_[v->txn.value];
      if (v->yes) t.yes.insert(ev.node.value);
      else t.any_no = true;
      check(ev, v->txn, t);
    } else if (const auto* d = ev.observed<Decided>(); d && !txns_[d->txn.value].decided) {
      Txn& t = txns_[d->txn.value];
      t.decided = true;
      t.aborted = d->decision == Decision::abort;
      t.decider = ev.node.value;
      // "Nothing failed": no fault, crash, restart, drop or clock change since the submit, and
      // the run either had no failure yet or every fault had healed before the submit.
      const bool quiet_since_submit = !last_disturbance_ || *last_disturbance_ < t.submitted;
      const bool before_failures = !last_disturbance_;
      const bool after_heal = healed_ && t.submitted >= *healed_;
      t.clean = t.submitted_known() && quiet_since_submit && (before_failures || after_heal);
      check(ev, d->txn, t);
    }
  }

 private:
  struct Txn {
    std::vector<uint32_t> participants;
    std::set<uint32_t> yes;
    bool any_no = false, decided = false, aborted = false, clean = false, reported = false;
    uint32_t decider = 0;
    sim::Time submitted = sim::Time::zero() - sim::Duration::nanos(1);
    bool submitted_known() const { return !participants.empty(); }
  };
  void check(const sim::TraceEvent& ev, TxnId txn, Txn& t) {
    if (!t.decided || !t.aborted || !t.clean || t.any_no || t.reported) return;
    for (uint32_t p : t.participants)
      if (!t.yes.count(p)) return;
    t.reported = true;
    violate(ev, names_[t.decider] + " decided abort on " + txn_name(txn) +
                    " although every participant voted yes and nothing failed while it ran");
  }
  std::vector<std::string> names_;
  std::optional<sim::Time> healed_;
  std::optional<sim::Time> last_disturbance_;
  std::map<uint64_t, Txn> txns_;
};

class Termination final : public sim::Invariant {
 public:
  Termination(const sim::InvariantEnv& env, sim::Time healed, sim::Duration bound)
      : names_(env.topology->names()), servers_(env.topology->servers()), up_(servers_, true), healed_(healed),
        bound_(bound) {}

  void on_event(const sim::TraceEvent& ev) override {
    const uint32_t n = ev.node.value;
    if (ev.kind == sim::TraceKind::crash && n < servers_) {
      up_[n] = false;
      for (auto& [txn, t] : txns_)
        if (t.involved.count(n) && !t.decided.count(n)) t.crashed_in_doubt.insert(n);
    }
    if (ev.kind == sim::TraceKind::restart && n < servers_) up_[n] = true;
    if (const auto* s = ev.observed<Submitted>()) txns_[s->txn.value].submitted = ev.time;
    // Only servers take part (a client's observation of that name, in a garbled trace, must
    // not index up_).
    if (n < servers_) {
      if (const auto* b = ev.observed<Begun>()) txns_[b->txn.value].involved.try_emplace(n, ev.time);
      if (const auto* v = ev.observed<Voted>(); v && v->yes) txns_[v->txn.value].involved.try_emplace(n, ev.time);
    }
    if (const auto* d = ev.observed<Decided>()) txns_[d->txn.value].decided.insert(n);
  }

  bool liveness() const override { return true; }

  void on_end(sim::Time end) override {
    for (const auto& [txn, t] : txns_) {
      const sim::Time from = std::max(t.submitted, healed_);
      if (from + bound_ > end) continue;
      // Total failure: every process in doubt crashed at some point. Even 3PC may then block
      // until the last one to fail recovers (Skeen 1981), so termination is not promised.
      if (t.crashed_in_doubt.size() == t.involved.size()) continue;
      for (const auto& [node, since] : t.involved)
        if (up_[node] && !t.decided.count(node))
          return violate_at_end(end, names_[node] + " took part in " + txn_name(txn) + " (since " +
                                         sim::format_ms(since - sim::Time::zero()) +
                                         ") and is still undecided at the end, " +
                                         sim::format_ms(end - healed_) + " after the faults healed (bound " +
                                         sim::format_ms(bound_) + ")");
    }
  }

 private:
  struct Txn {
    sim::Time submitted;
    std::map<uint32_t, sim::Time> involved;  // node -> when it began or voted yes
    std::set<uint32_t> decided, crashed_in_doubt;
  };
  std::vector<std::string> names_;
  uint32_t servers_;
  std::vector<bool> up_;
  sim::Time healed_;
  sim::Duration bound_;
  std::map<uint64_t, Txn> txns_;
};

class AtomicState final : public sim::Invariant {
 public:
  explicit AtomicState(const sim::InvariantEnv& env) : names_(env.topology->names()) {}

  void on_event(const sim::TraceEvent& ev) override {
    if (const auto* s = ev.observed<Submitted>()) {
      Txn& t = txns_[s->txn.value];
      // The client lists one write per participant, in the participants' order.
      for (size_t i = 0; i < s->participants.size() && i < s->writes.size(); ++i)
        t.writes[s->participants[i].value].push_back(s->writes[i]);
    } else if (const auto* d = ev.observed<Decided>()) {
      Txn& t = txns_[d->txn.value];
      if (d->decision == Decision::commit) {
        t.committed_at.insert(ev.node.value);
      } else {
        t.any_abort = true;
        if (!t.applied_at.empty())
          return violate(ev, names_[ev.node.value] + " decided abort on " + txn_name(d->txn) +
                                 ", whose writes " + names_[*t.applied_at.begin()] + " already made visible");
      }
    } else if (const auto* a = ev.observed<Applied>()) {
      Txn& t = txns_[a->txn.value];
      const std::string who = names_[ev.node.value];
      if (t.any_abort) return violate(ev, who + " made visible the writes of aborted " + txn_name(a->txn));
      if (!t.committed_at.count(ev.node.value))
        return violate(ev, who + " made visible the writes of " + txn_name(a->txn) + " before deciding commit");
      auto sent = t.writes.find(ev.node.value);
      const std::vector<Write> expected = sent == t.writes.end() ? std::vector<Write>{} : sent->second;
      if (a->writes != expected)
        return violate(ev, who + " made visible " + writes_text(a->writes) + " for " + txn_name(a->txn) +
                               " but the client wrote " + writes_text(expected) + " there");
      t.applied_at.insert(ev.node.value);
    }
  }

  // A run stopped at a violation may end between a participant's decide and its apply (one
  // handler observes both): "never made visible" cannot be told from "not yet" then.
  void on_cut(sim::Time) override {}

  void on_end(sim::Time end) override {
    for (const auto& [txn, t] : txns_)
      for (uint32_t node : t.committed_at)
        if (t.writes.count(node) && !t.applied_at.count(node))
          return violate_at_end(end, names_[node] + " decided commit on " + txn_name(txn) +
                                         " but never made its writes visible");
  }

 private:
  struct Txn {
    std::map<uint32_t, std::vector<Write>> writes;  // participant -> what the client sent it
    std::set<uint32_t> committed_at, applied_at;
    bool any_abort = false;
  };
  std::vector<std::string> names_;
  std::map<uint64_t, Txn> txns_;
};

std::string model_of(const sim::InvariantEnv& env) { return env.scenario->at("protocol").at("name").get<std::string>(); }

}  // namespace

std::unique_ptr<sim::Invariant> make_agreement(const sim::InvariantEnv& env) { return std::make_unique<Agreement>(env); }
std::unique_ptr<sim::Invariant> make_irreversible(const sim::InvariantEnv& env) {
  return std::make_unique<Irreversible>(env);
}
std::unique_ptr<sim::Invariant> make_commit_needs_all_yes(const sim::InvariantEnv& env) {
  return std::make_unique<CommitNeedsAllYes>(env);
}

std::unique_ptr<sim::Invariant> make_validity(const sim::InvariantEnv& env) {
  const sim::Healing::LastHeal heal = env.healing.last_heal(false, model_of(env));
  std::optional<sim::Time> healed;
  if (heal.at) healed = sim::Time::zero() + *heal.at;
  return std::make_unique<Validity>(env, healed);
}

std::unique_ptr<sim::Invariant> make_termination(const sim::InvariantEnv& env, int64_t bound_timeouts) {
  const sim::Healing::LastHeal heal = env.healing.last_heal(true, model_of(env));
  if (!heal.at) return sim::skipped_invariant(heal.why_not);
  const sim::Duration timeout = protocols::largest_duration_param(*env.scenario, "timeout");
  return std::make_unique<Termination>(env, sim::Time::zero() + *heal.at, timeout * bound_timeouts);
}

std::unique_ptr<sim::Invariant> make_atomic_state(const sim::InvariantEnv& env) {
  return std::make_unique<AtomicState>(env);
}

std::vector<sim::InvariantSpec> invariant_specs(const std::string& prefix, int64_t bound_timeouts) {
  const std::string bound = std::to_string(bound_timeouts) + " x timeout";
  return {
      {prefix + ".ac1_agreement", "AC1: no two processes decide differently on a transaction", make_agreement},
      {prefix + ".ac2_irreversible", "AC2: no process reverses its decision, across restarts too", make_irreversible},
      {prefix + ".ac3_commit_needs_all_yes", "AC3: commit is decided only if every participant voted yes",
       make_commit_needs_all_yes},
      {prefix + ".ac4_validity",
       "AC4: all voted yes and nothing failed while the transaction ran (no fault, crash, drop or clock change) "
       "=> commit; assumes message delays stay well below the protocol's timeout (a slower network is a failure "
       "the trace cannot see)",
       make_validity},
      {prefix + ".ac5_termination",
       "AC5: once every fault has healed (nodes may stay crashed), every live process that took part in a "
       "transaction decides it within " + bound,
       [bound_timeouts](const sim::InvariantEnv& env) { return make_termination(env, bound_timeouts); }},
      {prefix + ".atomic_state",
       "a committed transaction's writes (exactly the client's) are visible at every participant that decided "
       "commit; an aborted one's nowhere",
       make_atomic_state},
  };
}

}  // namespace dsim::commit
