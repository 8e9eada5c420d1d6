#include "protocols/twopc/coordinator.h"
#include "protocols/twopc/participant.h"

#include <algorithm>

#include "protocols/commit/protocol.h"
#include "protocols/commit/shard.h"
#include "sim/overloaded.h"

namespace dsim::twopc {

using commit::Decision;

void Coordinator::on_start(sim::Context& ctx) {
  ctx.observe(commit::CoordinatorUp{});
  // Recovery: abort what was never decided, repeat what was.
  for (uint64_t id : log_.recover(ctx)) {
    const TxnId txn{id};
    Txn* t = load(ctx, txn);
    DSIM_ASSERT(t != nullptr, "an active transaction has a log record");
    if (t->decision == Decision::none) {
      decide(ctx, txn, *t, Decision::abort);
    } else {
      for (sim::NodeId p : t->participants) send_decision(ctx, txn, *t, p);
      t->timer = set_timer(ctx, cfg_.timeout, ResendDecision{txn});
    }
  }
}

void Coordinator::on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) {
  std::visit(sim::overloaded{
                 [&](const commit::CommitRequest& m) { on_commit_request(ctx, from, m); },
                 [&](const VoteCommit& m) { on_vote(ctx, from, m.txn, true); },
                 [&](const VoteAbort& m) { on_vote(ctx, from, m.txn, false); },
                 [&](const Ack& m) { on_ack(ctx, from, m.txn); },
                 [&](const DecisionRequest& m) { on_decision_request(ctx, from, m.txn); },
                 sim::ignored<commit::Execute, commit::Executed, commit::StatusRequest, commit::Outcome, VoteRequest,
                              GlobalCommit, GlobalAbort, DecisionReply>{},  // participants' and clients' messages
             },
             msg);
}

void Coordinator::on_commit_request(sim::Context& ctx, sim::NodeId client, const commit::CommitRequest& m) {
  if (Txn* t = load(ctx, m.txn)) {  // a retry, or a duplicate: answer once the outcome is known
    if (t->decision != Decision::none) {
      send(ctx, client, commit::Outcome{m.txn, t->decision == Decision::commit});
    } else if (std::find(t->clients.begin(), t->clients.end(), client) == t->clients.end()) {
      t->clients.push_back(client);
    }
    return;
  }
  if (m.participants.empty()) return;  // nothing to commit (a malformed request)
  Txn& t = txns_[m.txn.value];
  t.participants = m.participants;
  t.clients.push_back(client);
  // Log "begin" before asking anyone (forced: the sync precedes every send of this handler).
  log_.write(ctx, m.txn, {t.participants, t.decision}, /*begin=*/true);
  ctx.sync();
  commit::observe_begin(ctx, m.txn, t.participants);
  for (sim::NodeId p : t.participants) send(ctx, p, VoteRequest{m.txn, t.participants});
  t.timer = set_timer(ctx, cfg_.timeout, VoteTimeout{m.txn});
}

void Coordinator::on_vote(sim::Context& ctx, sim::NodeId from, TxnId txn, bool yes) {
  Txn* t = load(ctx, txn);
  if (!t || t->decision != Decision::none) return;  // late vote: the decision stands
  if (!yes) return decide(ctx, txn, *t, Decision::abort);
  t->yes.insert(from.value);
  if (t->yes.size() == t->participants.size()) decide(ctx, txn, *t, Decision::commit);
}

void Coordinator::decide(sim::Context& ctx, TxnId txn, Txn& t, Decision d) {
  ctx.cancel_timer(t.timer);
  t.decision = d;
  log_.write(ctx, txn, {t.participants, t.decision}, false);  // durable before anyone hears of it
  ctx.sync();
  commit::observe_decide(ctx, txn, d);
  for (sim::NodeId p : t.participants) send_decision(ctx, txn, t, p);
  for (sim::NodeId c : t.clients) send(ctx, c, commit::Outcome{txn, d == Decision::commit});
  t.clients.clear();
  t.timer = set_timer(ctx, cfg_.timeout, ResendDecision{txn});
}

void Coordinator::send_decision(sim::Context& ctx, TxnId txn, const Txn& t, sim::NodeId to) {
  if (t.decision == Decision::commit) send(ctx, to, GlobalCommit{txn});
  else send(ctx, to, GlobalAbort{txn});
}

void Coordinator::on_ack(sim::Context& ctx, sim::NodeId from, TxnId txn) {
  Txn* t = load(ctx, txn);
  if (!t || t->decision == Decision::none) return;
  t->acked.insert(from.value);
  if (t->acked.size() < t->participants.size()) return;
  ctx.cancel_timer(t->timer);
  // Everyone knows: the record stays (late questions), but recovery need not resend it.
  log_.retire(ctx, txn);
}

void Coordinator::on_decision_request(sim::Context& ctx, sim::NodeId from, TxnId txn) {
  Txn* t = load(ctx, txn);
  if (!t) {
    // Never begun, so nobody voted on it: abort it for good (BHG §7.3, "if the coordinator has
    // no record of the transaction, it must have aborted it").
    Txn& fresh = txns_[txn.value];
    fresh.participants = {from};
    fresh.decision = Decision::abort;
    log_.write(ctx, txn, {fresh.participants, fresh.decision}, false);
    ctx.sync();
    commit::observe_decide(ctx, txn, Decision::abort);
    send_decision(ctx, txn, fresh, from);
    return;
  }
  if (t->decision != Decision::none) send_decision(ctx, txn, *t, from);
  // Undecided: the vote timeout will decide, and the asker hears it then.
}

void Coordinator::on_timer(sim::Context& ctx, sim::TimerId, const CoordinatorTimer& timer) {
  std::visit(sim::overloaded{
                 [&](const VoteTimeout& v) {
                   Txn* t = load(ctx, v.txn);
                   if (!t || t->decision != Decision::none) return;
                   // A vote is missing. Correct 2PC aborts: it cannot know the silent participant's vote.
                   decide(ctx, v.txn, *t, cfg_.bugs.commit_on_timeout ? Decision::commit : Decision::abort);
                 },
                 [&](const ResendDecision& r) {
                   Txn* t = load(ctx, r.txn);
                   if (!t) return;
                   for (sim::NodeId p : t->participants)
                     if (!t->acked.count(p.value)) send_decision(ctx, r.txn, *t, p);
                   t->timer = set_timer(ctx, cfg_.timeout, ResendDecision{r.txn});
                 },
             },
             timer);
}

Coordinator::Txn* Coordinator::load(sim::Context& ctx, TxnId txn) {
  auto it = txns_.find(txn.value);
  if (it != txns_.end()) return &it->second;
  auto r = log_.read(ctx, txn);
  if (!r) return nullptr;
  Txn& t = txns_[txn.value];
  t.participants = std::move(r->participants);
  t.decision = r->decision;
  return &t;
}

// For people (`dsim state`): each undecided transaction (and the latest decided) with its phase
// or decision and the yes votes gathered.
void Coordinator::describe(const sim::Context& ctx, nlohmann::json& state) const {
  commit::describe_coordinator(ctx, txns_, state, [](const Txn&) { return "voting"; });
}

}  // namespace dsim::twopc
