#include "protocols/threepc/participant.h"

#include <algorithm>

#include "sim/overloaded.h"

namespace dsim::threepc {

using commit::Decision;
using commit::TxnRecord;
using commit::TxnState;

void Participant::on_start(sim::Context& ctx) {
  for (TxnId txn : shard_.recover(ctx)) {
    Doubt& d = doubts_[txn.value];
    if (cfg_.bugs.no_termination) {  // no one to ask: the naive timeout transition will decide
      wait(ctx, txn, d, cfg_.timeout * 2);
      continue;
    }
    // BHG §7.5: a process that failed in doubt may hold a stale state; it takes no part in
    // the termination protocol and asks for the outcome instead.
    d.recovering = true;
    d.wait = set_timer(ctx, sim::Duration::nanos(1), AskAgain{txn});
  }
}

void Participant::on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) {
  std::visit(sim::overloaded{
                 [&](const commit::Execute& m) { on_execute(ctx, from, m); },
                 [&](const CanCommit& m) { on_can_commit(ctx, from, m); },
                 [&](const PreCommit& m) { on_pre_commit(ctx, from, m); },
                 [&](const PreCommitAck& m) { on_pre_commit_ack(ctx, from, m); },
                 [&](const DoCommit& m) { on_decision(ctx, from, m.txn, true); },
                 [&](const Abort& m) { on_decision(ctx, from, m.txn, false); },
                 [&](const StateRequest& m) { on_state_request(ctx, from, m); },
                 [&](const StateReply& m) { on_state_reply(ctx, from, m); },
                 [&](const DecisionRequest& m) { on_decision_request(ctx, from, m.txn); },
                 [&](const commit::StatusRequest& m) { answer_status(ctx, from, m.txn); },
                 sim::ignored<commit::Executed, commit::CommitRequest, commit::Outcome, Vote,
                              HaveDecided>{},  // the coordinator's and clients' messages
             },
             msg);
}

void Participant::on_execute(sim::Context& ctx, sim::NodeId client, const commit::Execute& m) {
  const commit::Shard::Work work = shard_.execute(ctx, m);
  send(ctx, client, commit::Executed{m.txn, work.ok});
  if (work.started) set_timer(ctx, cfg_.timeout * 2, WorkTimeout{m.txn});
}

void Participant::on_can_commit(sim::Context& ctx, sim::NodeId from, const CanCommit& m) {
  TxnRecord* r = shard_.lookup(ctx, m.txn);
  if (!r || (r->state == TxnState::working && ctx.rng().bernoulli(cfg_.vote_no))) {
    commit::observe_vote(ctx, m.txn, false);
    if (!r) r = &shard_.add(m.txn, TxnRecord{TxnState::working, {}, {}});
    shard_.abort_unilaterally(ctx, m.txn, *r);
    return send(ctx, from, Vote{m.txn, false});
  }
  if (r->state == TxnState::working) {
    r->participants = m.participants;
    shard_.persist(ctx, m.txn, TxnState::prepared);  // forced before the yes vote leaves
    ctx.sync();
    commit::observe_vote(ctx, m.txn, true);
    send(ctx, from, Vote{m.txn, true});
    return wait(ctx, m.txn, doubts_[m.txn.value], cfg_.timeout * 2);
  }
  send(ctx, from, Vote{m.txn, r->state != TxnState::aborted});  // a repeated request
}

void Participant::pre_commit(sim::Context& ctx, TxnId txn) {
  shard_.persist(ctx, txn, TxnState::precommitted);
  ctx.sync();
  ctx.observe(PreCommitted{txn});
}

void Participant::on_pre_commit(sim::Context& ctx, sim::NodeId from, const PreCommit& m) {
  TxnRecord* r = shard_.find(m.txn);
  auto it = doubts_.find(m.txn.value);
  if (!r || it == doubts_.end()) return;  // decided already, or never voted yes
  Doubt& d = it->second;
  if (d.recovering || m.round < d.round) return;  // not taking part, or a stale round
  if (r->state == TxnState::prepared) pre_commit(ctx, m.txn);
  d.round = m.round;
  send(ctx, from, PreCommitAck{m.txn, m.round});
  wait(ctx, m.txn, d, m.round == 0 ? cfg_.timeout * 2 : cfg_.timeout * 4);
}

void Participant::on_pre_commit_ack(sim::Context& ctx, sim::NodeId from, const PreCommitAck& m) {
  auto it = doubts_.find(m.txn.value);
  if (it == doubts_.end()) return;
  Doubt& d = it->second;
  if (!d.leading || !d.pre_committing || m.round != d.round) return;
  d.awaiting_acks.erase(from.value);
  if (!d.awaiting_acks.empty()) return;
  TxnRecord& r = *shard_.find(m.txn);
  announce(ctx, m.txn, r, true);
  finish(ctx, m.txn, r, true);
}

void Participant::on_decision(sim::Context& ctx, sim::NodeId from, TxnId txn, bool committed) {
  TxnRecord* r = shard_.lookup(ctx, txn);
  // Unknown: never voted yes. A commit then is someone else's bug; obey it with nothing to apply.
  if (!r) r = &shard_.add(txn, TxnRecord{TxnState::prepared, {}, {}});
  if (r->state != TxnState::committed && r->state != TxnState::aborted) finish(ctx, txn, *r, committed);
  if (from == commit::coordinator_node()) send(ctx, from, HaveDecided{txn});
}

void Participant::finish(sim::Context& ctx, TxnId txn, TxnRecord& r, bool committed) {
  if (committed) commit::Shard::apply(ctx, r.writes);
  shard_.unlock(txn, r.writes);
  shard_.persist(ctx, txn, committed ? TxnState::committed : TxnState::aborted);
  ctx.sync();
  auto it = doubts_.find(txn.value);
  if (it != doubts_.end()) {
    ctx.cancel_timer(it->second.wait);
    doubts_.erase(it);
  }
  commit::observe_decide(ctx, txn, committed ? Decision::commit : Decision::abort);
  if (committed) commit::observe_apply(ctx, txn, r.writes);
}

void Participant::announce(sim::Context& ctx, TxnId txn, const TxnRecord& r, bool committed) {
  for (sim::NodeId p : r.participants) {
    if (p == ctx.self()) continue;
    if (committed) send(ctx, p, DoCommit{txn});
    else send(ctx, p, Abort{txn});
  }
  // The original coordinator, if it is recovering, is waiting to hear it too.
  if (committed) send(ctx, commit::coordinator_node(), DoCommit{txn});
  else send(ctx, commit::coordinator_node(), Abort{txn});
}

Reported Participant::report(const TxnRecord& r, const Doubt* d) const {
  if (d && d->recovering) return Reported::recovering;
  switch (r.state) {
    case TxnState::prepared: return Reported::uncertain;
    case TxnState::precommitted: return Reported::committable;
    case TxnState::committed: return Reported::committed;
    case TxnState::working:
    case TxnState::aborted: return Reported::aborted;
  }
  return Reported::aborted;
}

void Participant::on_state_request(sim::Context& ctx, sim::NodeId from, const StateRequest& m) {
  TxnRecord* r = shard_.lookup(ctx, m.txn);
  if (!r) r = &shard_.add(m.txn, TxnRecord{TxnState::working, {}, {}});
  if (r->state == TxnState::working) shard_.abort_unilaterally(ctx, m.txn, *r);  // never voted: abort now
  auto it = doubts_.find(m.txn.value);
  if (it != doubts_.end() && !it->second.recovering) {
    Doubt& d = it->second;
    if (m.round < d.round) return;  // a round we already gave up on
    if (m.round > d.round) {
      d.round = m.round;
      d.leading = d.pre_committing = false;
    }
    wait(ctx, m.txn, d, cfg_.timeout * 4);
  }
  send(ctx, from, StateReply{m.txn, m.round, report(*r, it == doubts_.end() ? nullptr : &it->second)});
}

void Participant::on_state_reply(sim::Context& ctx, sim::NodeId from, const StateReply& m) {
  auto it = doubts_.find(m.txn.value);
  if (it == doubts_.end()) return;
  Doubt& d = it->second;
  if (!d.leading || d.pre_committing || m.round != d.round) return;
  d.states[from.value] = m.state;
  TxnRecord& r = *shard_.find(m.txn);
  if (d.states.size() == r.participants.size()) lead(ctx, m.txn, r, d);
}

void Participant::enter_round(sim::Context& ctx, TxnId txn, TxnRecord& r, Doubt& d, uint32_t round) {
  d.round = round;
  d.leading = d.pre_committing = false;
  d.states.clear();
  d.awaiting_acks.clear();
  wait(ctx, txn, d, cfg_.timeout * 4);
  const sim::NodeId leader = r.participants[(round - 1) % r.participants.size()];
  if (leader != ctx.self()) return;
  d.leading = true;
  d.states[ctx.self().value] = report(r, &d);
  ctx.observe(TerminationRound{txn, round});
  for (sim::NodeId p : r.participants)
    if (p != ctx.self()) send(ctx, p, StateRequest{txn, round});
  set_timer(ctx, cfg_.timeout, RoundTimeout{txn});
}

void Participant::lead(sim::Context& ctx, TxnId txn, TxnRecord& r, Doubt& d) {
  bool aborted = false, committed = false, committable = false;
  for (const auto& [node, s] : d.states) {
    aborted |= s == Reported::aborted;
    committed |= s == Reported::committed;
    committable |= s == Reported::committable;
  }
  if (aborted || committed || !committable) {  // TR1, TR2, TR3 (all reporting are uncertain)
    const bool commit = !aborted && committed;
    announce(ctx, txn, r, commit);
    return finish(ctx, txn, r, commit);
  }
  // TR4: some committable, none committed: pre-commit the uncertain, then commit.
  if (r.state == TxnState::prepared) pre_commit(ctx, txn);
  for (const auto& [node, s] : d.states)
    if (s == Reported::uncertain && node != ctx.self().value) d.awaiting_acks.insert(node);
  if (d.awaiting_acks.empty()) {
    announce(ctx, txn, r, true);
    return finish(ctx, txn, r, true);
  }
  d.pre_committing = true;
  for (uint32_t node : d.awaiting_acks) send(ctx, sim::NodeId(node), PreCommit{txn, d.round});
  set_timer(ctx, cfg_.timeout, RoundTimeout{txn});
}

void Participant::timeout_transition(sim::Context& ctx, TxnId txn, TxnRecord& r) {
  // Skeen's local rule without cooperation: w (uncertain) -> abort, p (committable) -> commit.
  finish(ctx, txn, r, r.state == TxnState::precommitted);
}

void Participant::on_decision_request(sim::Context& ctx, sim::NodeId from, TxnId txn) {
  TxnRecord* r = shard_.lookup(ctx, txn);
  if (!r) r = &shard_.add(txn, TxnRecord{TxnState::working, {}, {}});
  if (r->state == TxnState::working) shard_.abort_unilaterally(ctx, txn, *r);
  if (r->state == TxnState::committed) send(ctx, from, DoCommit{txn});
  if (r->state == TxnState::aborted) send(ctx, from, Abort{txn});
}

void Participant::wait(sim::Context& ctx, TxnId txn, Doubt& d, sim::Duration how_long) {
  ctx.cancel_timer(d.wait);
  d.wait = set_timer(ctx, how_long, WaitTimeout{txn});
}

void Participant::on_timer(sim::Context& ctx, sim::TimerId, const ParticipantTimer& timer) {
  // The transaction's record and its doubt, when it has both.
  const auto in_doubt = [&](TxnId txn) -> std::pair<TxnRecord*, Doubt*> {
    TxnRecord* r = shard_.find(txn);
    auto it = doubts_.find(txn.value);
    if (!r || it == doubts_.end()) return {nullptr, nullptr};
    return {r, &it->second};
  };
  std::visit(sim::overloaded{
                 [&](const WorkTimeout& t) {
                   TxnRecord* r = shard_.find(t.txn);
                   if (r && r->state == TxnState::working) shard_.abort_unilaterally(ctx, t.txn, *r);
                 },
                 [&](const WaitTimeout& t) {
                   auto [r, d] = in_doubt(t.txn);
                   if (!r) return;
                   if (cfg_.bugs.no_termination) return timeout_transition(ctx, t.txn, *r);
                   if (!d->recovering) enter_round(ctx, t.txn, *r, *d, d->round + 1);
                 },
                 [&](const RoundTimeout& t) {
                   auto [r, d] = in_doubt(t.txn);
                   if (!r || !d->leading) return;
                   if (!d->pre_committing) return lead(ctx, t.txn, *r, *d);  // the silent are presumed crashed
                   announce(ctx, t.txn, *r, true);  // acks missing: presumed crashed, as the coordinator would
                   finish(ctx, t.txn, *r, true);
                 },
                 [&](const AskAgain& t) {
                   auto [r, d] = in_doubt(t.txn);
                   if (!r || !d->recovering) return;
                   send(ctx, commit::coordinator_node(), DecisionRequest{t.txn});
                   for (sim::NodeId p : r->participants)
                     if (p != ctx.self()) send(ctx, p, DecisionRequest{t.txn});
                   const uint32_t backoff = std::min<uint32_t>(d->asked++, 3);
                   d->wait = set_timer(ctx, cfg_.timeout * (1LL << backoff), AskAgain{t.txn});
                 },
             },
             timer);
}

// A client asking a participant: answered once this participant has decided, never forcing a
// decision (a working participant keeps working).
void Participant::answer_status(sim::Context& ctx, sim::NodeId client, TxnId txn) {
  if (const auto committed = shard_.committed(ctx, txn)) send(ctx, client, commit::Outcome{txn, *committed});
}

}  // namespace dsim::threepc
