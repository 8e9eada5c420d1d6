#include "protocols/saga/invariants.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "protocols/saga/observations.h"
#include "protocols/saga/params.h"
#include "sim/params.h"

namespace dsim::saga {
namespace {

Config saga_config_of(const sim::InvariantEnv& env) {
  sim::ProtocolConfig pc;
  pc.params = sim::Params(env.scenario->at("protocol").at("params"));
  return config_params().parse(pc.params);
}

// Every saga's story as observed: begun, ended, and its services' local transactions in order.
class SagaStories {
 public:
  struct Effect {
    uint32_t step = 0;
    bool undo = false;
    int64_t amount = 0;
    uint64_t seq = 0;
  };
  struct Story {
    std::optional<sim::Time> begun, ended;
    bool completed = false;
    bool dead_lettered = false;  // an event of it is in the broker's dead-letter queue
    std::vector<Effect> effects;
  };
  void on_event(const sim::TraceEvent& ev) {
    if (ev.kind != sim::TraceKind::observe || !ev.msg) return;
    if (const Begun* b = ev.observed<Begun>()) {
      Story& s = sagas_[b->saga];
      if (!s.begun) s.begun = ev.time;
    } else if (const Ended* e = ev.observed<Ended>()) {
      Story& s = sagas_[e->saga];
      s.ended = ev.time;
      s.completed = e->completed;
    } else if (const Applied* a = ev.observed<Applied>()) {
      sagas_[a->saga].effects.push_back(Effect{a->step, a->undo, a->amount, ev.seq});
    } else if (const DeadLettered* d = ev.observed<DeadLettered>()) {
      sagas_[d->event.saga].dead_lettered = true;
    }
  }
  const std::map<SagaId, Story>& all() const { return sagas_; }
  Story& at(SagaId id) { return sagas_[id]; }

 private:
  std::map<SagaId, Story> sagas_;
};

std::string saga_step_text(const std::vector<std::string>& names, uint32_t step, bool undo) {
  const std::string name = step < names.size() ? names[step] : "step " + std::to_string(step);
  return (undo ? "C" : "T") + std::to_string(step + 1) + " (" + name + (undo ? ", compensation)" : ")");
}

class SagaAtomicity final : public sim::Invariant {
 public:
  explicit SagaAtomicity(const Config& cfg) : names_(cfg.service_names()) {}
  void on_event(const sim::TraceEvent& ev) override { sagas_.on_event(ev); }
  void on_end(sim::Time end) override {
    const uint32_t n = static_cast<uint32_t>(names_.size());
    for (const auto& [id, s] : sagas_.all()) {
      if (!s.ended) continue;
      std::vector<int> done(n, 0), undone(n, 0);
      std::vector<uint32_t> undo_order;
      std::string history;
      for (const auto& e : s.effects) {
        history += (history.empty() ? "" : ", ") + saga_step_text(names_, e.step, e.undo);
        if (e.step >= n) continue;
        if (!e.undo) {
          ++done[e.step];
        } else {
          ++undone[e.step];
          undo_order.push_back(e.step);
        }
      }
      const std::string where = "saga " + saga_text(id) + " ended " + (s.completed ? "completed" : "compensated") + " after [" + history + "]: ";
      if (s.completed) {
        for (uint32_t i = 0; i < n; ++i) {
          if (done[i] == 0) return violate_at_end(end, where + saga_step_text(names_, i, false) + " never ran");
          if (undone[i] > 0) return violate_at_end(end, where + saga_step_text(names_, i, true) + " ran in a completed saga");
        }
        continue;
      }
      // Compensated: the steps done are a prefix, each undone, and the undos run last to first.
      uint32_t j = 0;
      while (j < n && done[j] > 0) ++j;
      for (uint32_t i = j; i < n; ++i)
        if (done[i] > 0) return violate_at_end(end, where + saga_step_text(names_, i, false) + " ran without " + saga_step_text(names_, j, false));
      for (uint32_t i = 0; i < j; ++i)
        if (undone[i] == 0) return violate_at_end(end, where + saga_step_text(names_, i, false) + " was never compensated");
      for (size_t k = 1; k < undo_order.size(); ++k)
        if (undo_order[k] > undo_order[k - 1])
          return violate_at_end(end, where + saga_step_text(names_, undo_order[k - 1], true) + " ran before " +
                                         saga_step_text(names_, undo_order[k], true) + ": compensations must run in reverse order");
    }
  }

 private:
  std::vector<std::string> names_;
  SagaStories sagas_;
};

// Live: a second application of a step, or of a compensation, is a violation at once; so is a
// compensation of a step never done.
class SagaEffectsOnce final : public sim::Invariant {
 public:
  enum class What { exactly_once, no_phantom };
  SagaEffectsOnce(const Config& cfg, What what) : names_(cfg.service_names()), what_(what) {}
  void on_event(const sim::TraceEvent& ev) override {
    const Applied* a = ev.kind == sim::TraceKind::observe && ev.msg ? ev.observed<Applied>() : nullptr;
    if (!a) return;
    auto& [done, undone] = seen_[{a->saga, a->step}];
    int& count = a->undo ? undone : done;
    ++count;
    const std::string what = saga_step_text(names_, a->step, a->undo) + " of saga " + saga_text(a->saga);
    if (what_ == What::exactly_once && count > 1)
      return violate(ev, what + " applied " + std::to_string(count) + " times (a retry or a redelivery ran it again)");
    if (what_ == What::no_phantom && a->undo && done == 0)
      return violate(ev, what + " undid a step that was never done");
  }

 private:
  std::vector<std::string> names_;
  What what_;
  std::map<std::pair<SagaId, uint32_t>, std::pair<int, int>> seen_;
};

class SagaTermination final : public sim::Invariant {
 public:
  SagaTermination(sim::Time healed, sim::Duration bound) : healed_(healed), bound_(bound) {}
  bool liveness() const override { return true; }
  void on_event(const sim::TraceEvent& ev) override { sagas_.on_event(ev); }
  void on_end(sim::Time end) override {
    for (const auto& [id, s] : sagas_.all()) {
      if (!s.begun || s.ended || s.dead_lettered) continue;  // a dead letter waits for an operator
      const sim::Time due = std::max(*s.begun, healed_) + bound_;
      if (due > end) continue;
      return violate_at_end(end, "saga " + saga_text(id) + ", begun at " + sim::format_ms(*s.begun - sim::Time::zero()) +
                                     ", never ended (due by " + sim::format_ms(due - sim::Time::zero()) +
                                     ": the later of its start and the last heal, " +
                                     sim::format_ms(healed_ - sim::Time::zero()) + ", plus the bound " +
                                     sim::format_ms(bound_) + ")");
    }
  }

 private:
  sim::Time healed_;
  sim::Duration bound_;
  SagaStories sagas_;
};

// Choreography: every event a service committed with its state change reaches the broker.
class SagaNoLostEvent final : public sim::Invariant {
 public:
  explicit SagaNoLostEvent(sim::Time due) : due_(due) {}
  bool liveness() const override { return true; }
  void on_event(const sim::TraceEvent& ev) override {
    if (ev.kind != sim::TraceKind::observe || !ev.msg) return;
    if (const Emitted* e = ev.observed<Emitted>()) {
      emitted_.emplace(e->event.key(), std::make_pair(e->event, ev.time));
    } else if (const Published* p = ev.observed<Published>()) {
      published_.insert(p->event.key());
    }
  }
  void on_end(sim::Time end) override {
    if (end < due_) return;
    for (const auto& [key, e] : emitted_) {
      if (published_.contains(key)) continue;
      return violate_at_end(end, "the event " + e.first.text() + ", committed with its state change at " +
                                     sim::format_ms(e.second - sim::Time::zero()) +
                                     ", never reached the broker (all faults healed by " +
                                     sim::format_ms(due_ - sim::Time::zero()) + ")");
    }
  }

 private:
  sim::Time due_;
  std::map<std::tuple<SagaId, EventKind, uint32_t>, std::pair<Event, sim::Time>> emitted_;
  std::set<std::tuple<SagaId, EventKind, uint32_t>> published_;
};

class SagaConservation final : public sim::Invariant {
 public:
  explicit SagaConservation(const Config& cfg) {
    const auto names = cfg.service_names();
    for (uint32_t i = 0; i < names.size(); ++i) {
      if (names[i] == "payment") payment_ = i;
      if (names[i] == "inventory") inventory_ = i;
    }
  }
  void on_event(const sim::TraceEvent& ev) override { sagas_.on_event(ev); }
  void on_end(sim::Time end) override {
    if (payment_) check(end, *payment_, "money debited", "credited", "refunded");
    if (inventory_) check(end, *inventory_, "stock reserved", "shipped", "released");
  }

 private:
  void check(sim::Time end, uint32_t step, const char* in, const char* kept, const char* returned) {
    int64_t taken = 0, completed = 0, given_back = 0;
    for (const auto& [id, s] : sagas_.all()) {
      if (!s.ended) continue;
      for (const auto& e : s.effects) {
        if (e.step != step) continue;
        (e.undo ? given_back : taken) += e.amount;
        if (!e.undo && s.completed) completed += e.amount;
      }
    }
    if (taken == completed + given_back) return;
    violate_at_end(end, std::string(in) + " " + std::to_string(taken) + " != " + kept + " " + std::to_string(completed) +
                            " + " + returned + " " + std::to_string(given_back) + " over the sagas that ended");
  }
  std::optional<uint32_t> payment_, inventory_;
  SagaStories sagas_;
};

}  // namespace

std::unique_ptr<sim::Invariant> make_atomicity(const sim::InvariantEnv& env) {
  return std::make_unique<SagaAtomicity>(saga_config_of(env));
}
std::unique_ptr<sim::Invariant> make_exactly_once(const sim::InvariantEnv& env) {
  return std::make_unique<SagaEffectsOnce>(saga_config_of(env), SagaEffectsOnce::What::exactly_once);
}
std::unique_ptr<sim::Invariant> make_no_phantom_compensation(const sim::InvariantEnv& env) {
  return std::make_unique<SagaEffectsOnce>(saga_config_of(env), SagaEffectsOnce::What::no_phantom);
}
sim::Duration termination_bound(const Config& cfg) {
  const int64_t s = static_cast<int64_t>(cfg.service_names().size());
  // Once every node is up and connected, each hop of a saga succeeds at its next try. Choreographed:
  // at most 2S + 1 events, each relayed within `relay`, delivered within a visibility timeout and
  // a back-off of its last delivery, handled in `work`. Orchestrated: at most 2S calls (S steps, S
  // compensations), each after at most a back-off and an open breaker, answered within the step
  // timeout or, from a service slower than that, after its `work`.
  if (cfg.style == Style::choreographed)
    return (cfg.relay + cfg.work + cfg.visibility_timeout + cfg.backoff_max) * (2 * s + 1);
  return (cfg.step_timeout + cfg.work + cfg.backoff_max + cfg.breaker_open) * (2 * s);
}

std::unique_ptr<sim::Invariant> make_termination(const sim::InvariantEnv& env) {
  const Config cfg = saga_config_of(env);
  const sim::Healing::LastHeal heal = env.healing.last_heal(false, "the sagas");
  if (!heal.at) return sim::skipped_invariant(heal.why_not);
  return std::make_unique<SagaTermination>(sim::Time::zero() + *heal.at, termination_bound(cfg));
}

std::unique_ptr<sim::Invariant> make_no_lost_event(const sim::InvariantEnv& env) {
  const Config cfg = saga_config_of(env);
  if (cfg.style != Style::choreographed) return sim::skipped_invariant("orchestrated sagas publish no events");
  const sim::Healing::LastHeal heal = env.healing.last_heal(false, "the sagas");
  if (!heal.at) return sim::skipped_invariant(heal.why_not);
  // Once every node is up and connected, the relay publishes the whole outbox within a period.
  return std::make_unique<SagaNoLostEvent>(sim::Time::zero() + *heal.at + termination_bound(cfg));
}
std::unique_ptr<sim::Invariant> make_conservation(const sim::InvariantEnv& env) {
  return std::make_unique<SagaConservation>(saga_config_of(env));
}

}  // namespace dsim::saga
