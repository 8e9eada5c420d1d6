#include "protocols/twopc/participant.h"

#include <algorithm>

#include "sim/overloaded.h"

namespace dsim::twopc {

using commit::Decision;
using commit::TxnRecord;
using commit::TxnState;

void Participant::on_start(sim::Context& ctx) {
  // Recovery: the prepared transactions are in the log; ask about each at once.
  for (TxnId txn : shard_.recover(ctx)) ask_later(ctx, txn, 0);
}

void Participant::on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) {
  std::visit(sim::overloaded{
                 [&](const commit::Execute& m) { on_execute(ctx, from, m); },
                 [&](const VoteRequest& m) { on_vote_request(ctx, from, m); },
                 [&](const GlobalCommit& m) { on_decision(ctx, from, m.txn, true, true); },
                 [&](const GlobalAbort& m) { on_decision(ctx, from, m.txn, false, true); },
                 [&](const DecisionReply& m) { on_decision(ctx, from, m.txn, m.committed, false); },
                 [&](const DecisionRequest& m) { on_decision_request(ctx, from, m.txn); },
                 [&](const commit::StatusRequest& m) { answer_status(ctx, from, m.txn); },
                 sim::ignored<commit::Executed, commit::CommitRequest, commit::Outcome, VoteCommit, VoteAbort,
                              Ack>{},  // the coordinator's and clients' messages
             },
             msg);
}

void Participant::on_execute(sim::Context& ctx, sim::NodeId client, const commit::Execute& m) {
  const commit::Shard::Work work = shard_.execute(ctx, m);
  send(ctx, client, commit::Executed{m.txn, work.ok});
  if (work.started) set_timer(ctx, cfg_.timeout * 2, VoteRequestTimeout{m.txn});
}

void Participant::on_vote_request(sim::Context& ctx, sim::NodeId from, const VoteRequest& m) {
  TxnRecord* r = shard_.lookup(ctx, m.txn);
  if (!r) {
    // Never executed here (the work was lost, or overtaken by this request), or lost in a
    // crash before the vote: vote no.
    commit::observe_vote(ctx, m.txn, false);
    shard_.abort_unilaterally(ctx, m.txn, shard_.add(m.txn, TxnRecord{TxnState::working, {}, {}}));
    return send(ctx, from, VoteAbort{m.txn});
  }
  switch (r->state) {
    case TxnState::working: {
      r->participants = m.participants;
      if (ctx.rng().bernoulli(cfg_.vote_no)) {
        commit::observe_vote(ctx, m.txn, false);
        shard_.abort_unilaterally(ctx, m.txn, *r);
        return send(ctx, from, VoteAbort{m.txn});
      }
      // Force the prepared record to the log before the vote leaves (BHG §7.3: "the participant
      // writes a yes record before sending its vote"). The bug keeps it in memory only.
      if (cfg_.bugs.forget_prepared) {
        r->state = TxnState::prepared;
      } else {
        shard_.persist(ctx, m.txn, TxnState::prepared);
        ctx.sync();
      }
      commit::observe_vote(ctx, m.txn, true);
      send(ctx, from, VoteCommit{m.txn});
      return ask_later(ctx, m.txn, 1);
    }
    case TxnState::prepared:
    case TxnState::committed: return send(ctx, from, VoteCommit{m.txn});  // a repeated request
    case TxnState::aborted: return send(ctx, from, VoteAbort{m.txn});
    case TxnState::precommitted: DSIM_ASSERT(false, "2PC has no pre-commit state");
  }
}

void Participant::on_decision(sim::Context& ctx, sim::NodeId from, TxnId txn, bool committed, bool from_coordinator) {
  TxnRecord* r = shard_.lookup(ctx, txn);
  if (!r) {
    // Unknown here. A correct participant only hears a decision on a transaction it voted yes
    // on, and then it has a record; one that lost its prepared record (forget_prepared) obeys
    // the decision with nothing left to apply.
    r = &shard_.add(txn, TxnRecord{TxnState::prepared, {}, {}});
  }
  if (r->state == TxnState::working || r->state == TxnState::prepared) finish(ctx, txn, *r, committed);
  if (from_coordinator) send(ctx, from, Ack{txn});
}

void Participant::finish(sim::Context& ctx, TxnId txn, TxnRecord& r, bool committed) {
  if (committed) commit::Shard::apply(ctx, r.writes);
  shard_.unlock(txn, r.writes);
  shard_.persist(ctx, txn, committed ? TxnState::committed : TxnState::aborted);
  ctx.sync();
  asked_.erase(txn.value);
  commit::observe_decide(ctx, txn, committed ? Decision::commit : Decision::abort);
  if (committed) commit::observe_apply(ctx, txn, r.writes);
}

void Participant::on_decision_request(sim::Context& ctx, sim::NodeId from, TxnId txn) {
  TxnRecord* r = shard_.lookup(ctx, txn);
  if (!r) {
    // Never voted (or forgot that it did, with the bug): abort, and say so.
    r = &shard_.add(txn, TxnRecord{TxnState::working, {}, {}});
    shard_.abort_unilaterally(ctx, txn, *r);
  } else if (r->state == TxnState::working) {
    shard_.abort_unilaterally(ctx, txn, *r);
  }
  if (r->state == TxnState::committed || r->state == TxnState::aborted)
    send(ctx, from, DecisionReply{txn, r->state == TxnState::committed});
  // Prepared too: uncertain, no help to give.
}

void Participant::ask_later(sim::Context& ctx, TxnId txn, uint32_t asked) {
  asked_[txn.value] = asked;
  // Back off to 8 x timeout, so a blocked participant does not flood the network.
  const sim::Duration wait = asked == 0 ? sim::Duration::nanos(1) : cfg_.timeout * (1LL << std::min<uint32_t>(asked - 1, 3));
  set_timer(ctx, wait, DecisionTimeout{txn});
}

void Participant::on_timer(sim::Context& ctx, sim::TimerId, const ParticipantTimer& timer) {
  std::visit(sim::overloaded{
                 [&](const VoteRequestTimeout& t) {
                   TxnRecord* r = shard_.find(t.txn);
                   if (r && r->state == TxnState::working) shard_.abort_unilaterally(ctx, t.txn, *r);
                 },
                 [&](const DecisionTimeout& t) { ask_again(ctx, t.txn); },
             },
             timer);
}

void Participant::ask_again(sim::Context& ctx, TxnId txn) {
  TxnRecord* r = shard_.find(txn);
  if (!r || r->state != TxnState::prepared) return;
  const uint32_t asked = asked_[txn.value];
  send(ctx, commit::coordinator_node(), DecisionRequest{txn});
  for (sim::NodeId p : r->participants)
    if (p != ctx.self()) send(ctx, p, DecisionRequest{txn});
  ask_later(ctx, txn, asked + 1);
}

// A client asking a participant: answered once this participant has decided, never forcing a
// decision (a working participant keeps working).
void Participant::answer_status(sim::Context& ctx, sim::NodeId client, TxnId txn) {
  if (const auto committed = shard_.committed(ctx, txn)) send(ctx, client, commit::Outcome{txn, *committed});
}

}  // namespace dsim::twopc
