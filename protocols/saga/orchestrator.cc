#include "protocols/saga/orchestrator.h"

#include <algorithm>

#include "protocols/saga/observations.h"
#include "sim/overloaded.h"

namespace dsim::saga {

namespace {
constexpr std::string_view kSagaLog = "sagas";
constexpr std::string_view kSagaBreakerNames[] = {"closed", "open", "half_open"};
}  // namespace

void Orchestrator::on_start(sim::Context& ctx) {
  breakers_.assign(services_, BreakerState{});
  // §6: the log tells which sagas were in flight and how far each got.
  const auto& log = ctx.storage().log<LogEntry>(kSagaLog);
  for (uint64_t i = log.begin(); i < log.end(); ++i) apply(log.at(i));
  std::vector<SagaId> resume;
  for (const auto& [id, s] : sagas_) resume.push_back(id);
  for (SagaId id : resume) call(ctx, id);
}

void Orchestrator::log(sim::Context& ctx, const LogEntry& e) {
  ctx.storage().log<LogEntry>(kSagaLog).append(e);
  // Bug orchestrator_volatile_log: the entry is never made durable.
  if (!cfg_.bugs.orchestrator_volatile_log) ctx.sync();
  apply(e);
}

void Orchestrator::apply(const LogEntry& e) {
  if (e.kind == LogEntry::Kind::begin) {
    Saga& s = sagas_[e.saga];
    s.client = e.client;
    s.amount = e.amount;
    s.qty = e.qty;
    return;
  }
  const auto it = sagas_.find(e.saga);
  if (it == sagas_.end()) return;
  Saga& s = it->second;
  s.attempt = 0;
  switch (e.kind) {
    case LogEntry::Kind::begin: break;
    case LogEntry::Kind::done: s.step = e.step + 1; break;
    case LogEntry::Kind::failed:
      // Compensate steps 0..e.step-1: last to first (bug compensate_in_order: first to last).
      s.compensating = true;
      s.to_undo.clear();
      for (uint32_t i = e.step; i > 0; --i) s.to_undo.push_back(i - 1);
      if (cfg_.bugs.compensate_in_order) std::reverse(s.to_undo.begin(), s.to_undo.end());
      s.undone = 0;
      break;
    case LogEntry::Kind::undone: ++s.undone; break;
    case LogEntry::Kind::end:
      ended_[e.saga] = {s.client, e.completed};
      sagas_.erase(it);
      break;
  }
}

int64_t Orchestrator::amount_of(const Saga& s, uint32_t step) const {
  if (names_[step] == "payment") return s.amount;
  if (names_[step] == "inventory") return s.qty;
  return 1;
}

void Orchestrator::on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) {
  std::visit(sim::overloaded{
                 [&](const Start& m) {
                   if (const auto e = ended_.find(m.saga); e != ended_.end()) {
                     send(ctx, from, Accepted{m.saga});
                     send(ctx, from, Result{m.saga, e->second.second});
                     return;
                   }
                   if (sagas_.contains(m.saga)) return send(ctx, from, Accepted{m.saga});
                   log(ctx, LogEntry{LogEntry::Kind::begin, m.saga, 0, from, m.amount, m.qty, false});
                   ctx.observe(Begun{m.saga});
                   send(ctx, from, Accepted{m.saga});
                   call(ctx, m.saga);
                 },
                 [&](const Reply& r) {
                   const auto it = sagas_.find(r.saga);
                   if (it == sagas_.end()) return;
                   const Saga& s = it->second;
                   // Any attempt's answer will do: calls are idempotent, so every attempt gets the same one
                   // (waiting for the latest attempt's would never end with a service slower than the
                   // timeout). An answer about another call is stale.
                   if (r.undo != s.compensating || r.step != current_step(s)) return;
                   answered(ctx, r.saga, r);
                 },
                 [&](const auto&) {},
             },
             msg);
}

void Orchestrator::call(sim::Context& ctx, SagaId id) {
  Saga& s = sagas_.at(id);
  if (s.compensating && s.undone == s.to_undo.size()) return finish(ctx, id, false);
  if (!s.compensating && s.step == services_) return finish(ctx, id, true);
  const uint32_t step = current_step(s);
  BreakerState& b = breakers_[step];
  if (b.state == BreakerState::State::open && ctx.now() >= b.open_until) set_breaker(ctx, step, BreakerState::State::half_open);
  if (b.state == BreakerState::State::open || (b.state == BreakerState::State::half_open && b.probing))
    return failed_attempt(ctx, id, false);  // fails at once: nothing is sent
  if (b.state == BreakerState::State::half_open) b.probing = true;
  send(ctx, sim::NodeId(step + 1), Call{id, step, s.compensating, amount_of(s, step), s.attempt});
  s.timer = set_timer(ctx, cfg_.step_timeout, CallTimeout{id, s.attempt});
}

void Orchestrator::answered(sim::Context& ctx, SagaId id, const Reply& r) {
  Saga& s = sagas_.at(id);
  ctx.cancel_timer(s.timer);
  BreakerState& b = breakers_[r.step];
  b.failures = 0;
  b.probing = false;
  if (b.state != BreakerState::State::closed) set_breaker(ctx, r.step, BreakerState::State::closed);
  if (r.undo) {
    log(ctx, LogEntry{LogEntry::Kind::undone, id, r.step, {}, 0, 0, false});
  } else if (r.refused && pivot_ < r.step) {
    // Past the pivot a refusal cannot be compensated (the scenario check forbids it): try again.
    return failed_attempt(ctx, id, false);
  } else if (r.refused) {
    log(ctx, LogEntry{LogEntry::Kind::failed, id, r.step, {}, 0, 0, false});  // undo the steps before it
  } else {
    log(ctx, LogEntry{LogEntry::Kind::done, id, r.step, {}, 0, 0, false});
  }
  call(ctx, id);
}

void Orchestrator::failed_attempt(sim::Context& ctx, SagaId id, bool timed_out) {
  Saga& s = sagas_.at(id);
  const uint32_t step = current_step(s);
  if (timed_out) {
    BreakerState& b = breakers_[step];
    b.probing = false;
    if (b.state == BreakerState::State::half_open ||
        (b.state == BreakerState::State::closed && ++b.failures >= cfg_.breaker_failures)) {
      b.open_until = ctx.now() + cfg_.breaker_open;
      set_breaker(ctx, step, BreakerState::State::open);
    }
  }
  // Past the pivot there is no going back: the step is retried until it succeeds.
  const bool forward_only = pivot_ < step;
  if (!s.compensating && !forward_only && s.attempt >= cfg_.retries) {
    // No answer after every retry: the step may have been done, so its compensation runs too.
    log(ctx, LogEntry{LogEntry::Kind::failed, id, step + 1, {}, 0, 0, false});
    return call(ctx, id);
  }
  ++s.attempt;
  ctx.observe(Retried{id, step, s.compensating, s.attempt});
  // Exponential back-off with full jitter: uniform in [0, min(max, base * 2^(attempt-1))].
  const int64_t cap = std::min(cfg_.backoff_max.ns(), cfg_.backoff.ns() << std::min<uint32_t>(s.attempt - 1, 30));
  const int64_t wait = static_cast<int64_t>(ctx.rng().uniform(static_cast<uint64_t>(cap) + 1));
  s.timer = set_timer(ctx, sim::Duration::nanos(std::max<int64_t>(wait, 1)), Backoff{id, s.attempt});
}

void Orchestrator::finish(sim::Context& ctx, SagaId id, bool completed) {
  const sim::NodeId client = sagas_.at(id).client;
  log(ctx, LogEntry{LogEntry::Kind::end, id, 0, {}, 0, 0, completed});
  ctx.observe(Ended{id, completed});
  send(ctx, client, Result{id, completed});
}

void Orchestrator::set_breaker(sim::Context& ctx, uint32_t step, BreakerState::State state) {
  breakers_[step].state = state;
  ctx.observe(Breaker{step, std::string(kSagaBreakerNames[static_cast<int>(state)])});
}

void Orchestrator::on_timer(sim::Context& ctx, sim::TimerId, const ServerTimer& timer) {
  std::visit(sim::overloaded{
                 [&](const CallTimeout& t) {
                   const auto it = sagas_.find(t.saga);
                   if (it != sagas_.end() && it->second.attempt == t.attempt) failed_attempt(ctx, t.saga, true);
                 },
                 [&](const Backoff& t) {
                   const auto it = sagas_.find(t.saga);
                   if (it != sagas_.end() && it->second.attempt == t.attempt) call(ctx, t.saga);
                 },
                 [&](const auto&) {},
             },
             timer);
}

void Orchestrator::describe(const sim::Context& ctx, nlohmann::json& state) const {
  nlohmann::json flight(nlohmann::json::value_t::object);
  for (const auto& [id, s] : sagas_) {
    const uint32_t step = current_step(s);
    flight[saga_text(id)] = (s.compensating ? "undo " : "") + names_[step] +
                            (s.attempt ? " (attempt " + std::to_string(s.attempt + 1) + ")" : "");
  }
  state["in_flight"] = std::move(flight);
  uint64_t completed = 0;
  for (const auto& [id, e] : ended_) completed += e.second ? 1 : 0;
  state["completed"] = completed;
  state["compensated"] = ended_.size() - completed;
  nlohmann::json breakers(nlohmann::json::value_t::object);
  for (uint32_t i = 0; i < breakers_.size(); ++i)
    if (breakers_[i].state != BreakerState::State::closed)
      breakers[names_[i]] = std::string(kSagaBreakerNames[static_cast<int>(breakers_[i].state)]);
  state["breakers"] = std::move(breakers);
  (void)ctx;
}

}  // namespace dsim::saga
