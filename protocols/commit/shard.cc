#include "protocols/commit/shard.h"

#include <algorithm>

#include "sim/reflect.h"

namespace dsim::commit {

std::string_view to_string(TxnState s) {
  switch (s) {
    case TxnState::working: return "working";
    case TxnState::prepared: return "prepared";
    case TxnState::precommitted: return "precommitted";
    case TxnState::committed: return "committed";
    case TxnState::aborted: return "aborted";
  }
  return "?";
}

bool Shard::try_lock(TxnId txn, const std::vector<Write>& writes) {
  for (const auto& w : writes) {
    auto it = locks_.find(w.key);
    if (it != locks_.end() && it->second != txn.value) return false;
  }
  for (const auto& w : writes) locks_[w.key] = txn.value;
  return true;
}

void Shard::unlock(TxnId txn, const std::vector<Write>& writes) {
  for (const auto& w : writes) {
    auto it = locks_.find(w.key);
    if (it != locks_.end() && it->second == txn.value) locks_.erase(it);
  }
}

TxnRecord* Shard::find(TxnId txn) {
  auto it = txns_.find(txn.value);
  return it == txns_.end() ? nullptr : &it->second;
}

TxnRecord& Shard::add(TxnId txn, TxnRecord record) { return txns_[txn.value] = std::move(record); }

void Shard::persist(sim::Context& ctx, TxnId txn, TxnState state) {
  TxnRecord& r = txns_.at(txn.value);
  r.state = state;
  ctx.storage().put(txn_key(txn), sim::to_json_value(r));
  const bool doubt = state == TxnState::prepared || state == TxnState::precommitted;
  const auto it = std::find(in_doubt_.begin(), in_doubt_.end(), txn.value);
  if (doubt && it == in_doubt_.end()) {
    in_doubt_.push_back(txn.value);
    write_in_doubt(ctx);
  } else if (!doubt && it != in_doubt_.end()) {
    in_doubt_.erase(it);
    write_in_doubt(ctx);
  }
}

void Shard::write_in_doubt(sim::Context& ctx) { ctx.storage().put("in_doubt", sim::to_json_value(in_doubt_)); }

void Shard::apply(sim::Context& ctx, const std::vector<Write>& writes) {
  for (const auto& w : writes) ctx.storage().put("kv/" + w.key, w.value);
}

std::vector<TxnId> Shard::recover(sim::Context& ctx) {
  std::vector<TxnId> out;
  if (const auto* list = ctx.storage().get("in_doubt")) sim::from_json_value(*list, in_doubt_, "in_doubt");
  for (uint64_t t : in_doubt_) {
    TxnRecord* r = lookup(ctx, TxnId{t});
    DSIM_ASSERT(r != nullptr, "an in-doubt transaction has a durable record");
    const bool locked = try_lock(TxnId{t}, r->writes);
    DSIM_ASSERT(locked, "in-doubt transactions hold disjoint locks");
    out.push_back(TxnId{t});
  }
  return out;
}

TxnRecord* Shard::lookup(sim::Context& ctx, TxnId txn) {
  if (TxnRecord* r = find(txn)) return r;
  const auto* stored = ctx.storage().get(txn_key(txn));
  if (!stored) return nullptr;
  TxnRecord r;
  sim::from_json_value(*stored, r, "record");
  return &add(txn, std::move(r));
}

Shard::Work Shard::execute(sim::Context& ctx, const Execute& m) {
  if (const TxnRecord* known = lookup(ctx, m.txn)) return {known->state != TxnState::aborted, false};  // repeated
  TxnRecord& r = add(m.txn, TxnRecord{TxnState::working, m.writes, {}});
  if (try_lock(m.txn, m.writes)) return {true, true};
  r.writes.clear();  // locks not taken: nothing to release
  abort_unilaterally(ctx, m.txn, r);
  return {false, false};
}

// Durable before anyone hears of it (the observation and the handler's messages wait for the
// sync). Presumed abort (Mohan et al. 1986) lets a participant forget an abort it never told
// anyone of; this one was told (the client hears "not executed", the coordinator "no"), and a
// restart that forgot it would take a repeated Execute afresh, vote yes, and commit what it
// had announced aborted (a 10,000-seed swarm, twopc seed 7658: every server crashed right
// after a step and restarted within 65us).
void Shard::abort_unilaterally(sim::Context& ctx, TxnId txn, TxnRecord& r) {
  unlock(txn, r.writes);
  persist(ctx, txn, TxnState::aborted);
  ctx.sync();
  observe_decide(ctx, txn, Decision::abort);
}

std::optional<bool> Shard::committed(sim::Context& ctx, TxnId txn) {
  const TxnRecord* r = lookup(ctx, txn);
  if (!r || (r->state != TxnState::committed && r->state != TxnState::aborted)) return std::nullopt;
  return r->state == TxnState::committed;
}

void observe_apply(sim::Context& ctx, TxnId txn, const std::vector<Write>& writes) {
  if (ctx.observing()) ctx.observe(Applied{txn, writes});
}

void observe_decide(sim::Context& ctx, TxnId txn, Decision d) { ctx.observe(Decided{txn, d}); }

void observe_vote(sim::Context& ctx, TxnId txn, bool yes) { ctx.observe(Voted{txn, yes}); }

void Shard::describe(nlohmann::json& state) const {
  nlohmann::json txns(nlohmann::json::value_t::object), locks(nlohmann::json::value_t::object);
  uint64_t committed = 0, aborted = 0;
  size_t decided_shown = 0;
  for (auto it = txns_.rbegin(); it != txns_.rend(); ++it) {  // latest first
    const TxnState st = it->second.state;
    const bool decided = st == TxnState::committed || st == TxnState::aborted;
    committed += st == TxnState::committed;
    aborted += st == TxnState::aborted;
    if (!decided || decided_shown++ < kDescribedDecided) txns[std::to_string(it->first)] = to_string(st);
  }
  for (const auto& [key, txn] : locks_) locks[key] = std::to_string(txn);
  state["txns"] = std::move(txns);
  state["locks"] = std::move(locks);
  state["committed"] = committed;
  state["aborted"] = aborted;
}

}  // namespace dsim::commit
