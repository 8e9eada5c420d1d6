#include "protocols/threepc/coordinator.h"

#include <algorithm>

#include "protocols/commit/protocol.h"
#include "protocols/commit/shard.h"
#include "sim/overloaded.h"

namespace dsim::threepc {

using commit::Decision;

void Coordinator::on_start(sim::Context& ctx) {
  ctx.observe(commit::CoordinatorUp{});
  for (uint64_t id : log_.recover(ctx)) {
    Txn* t = load(ctx, TxnId{id});
    DSIM_ASSERT(t != nullptr, "an active transaction has a log record");
    // Undecided: the participants may have run the termination protocol without us; ask them.
    t->phase = t->decision == Decision::none ? Phase::recovering : Phase::decided;
    t->timer = set_timer(ctx, sim::Duration::nanos(1), CoordinatorTimeout{TxnId{id}});
  }
}

void Coordinator::on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) {
  std::visit(sim::overloaded{
                 [&](const commit::CommitRequest& m) { on_commit_request(ctx, from, m); },
                 [&](const Vote& m) { on_vote(ctx, from, m); },
                 [&](const PreCommitAck& m) { on_pre_commit_ack(ctx, from, m); },
                 [&](const DoCommit& m) { on_decision(ctx, m.txn, Decision::commit); },
                 [&](const Abort& m) { on_decision(ctx, m.txn, Decision::abort); },
                 [&](const HaveDecided& m) { on_have_decided(ctx, from, m.txn); },
                 [&](const DecisionRequest& m) { on_decision_request(ctx, from, m.txn); },
                 sim::ignored<commit::Execute, commit::Executed, commit::StatusRequest, commit::Outcome, CanCommit,
                              PreCommit, StateRequest, StateReply>{},  // participants' and clients' messages
             },
             msg);
}

void Coordinator::on_commit_request(sim::Context& ctx, sim::NodeId client, const commit::CommitRequest& m) {
  if (Txn* t = load(ctx, m.txn)) {
    if (t->decision != Decision::none) send(ctx, client, commit::Outcome{m.txn, t->decision == Decision::commit});
    else if (std::find(t->clients.begin(), t->clients.end(), client) == t->clients.end()) t->clients.push_back(client);
    return;
  }
  if (m.participants.empty()) return;
  Txn& t = txns_[m.txn.value];
  t.participants = m.participants;
  t.clients.push_back(client);
  log_.write(ctx, m.txn, {t.participants, t.decision}, /*begin=*/true);  // forced before CanCommit leaves
  ctx.sync();
  commit::observe_begin(ctx, m.txn, t.participants);
  for (sim::NodeId p : t.participants) send(ctx, p, CanCommit{m.txn, t.participants});
  t.timer = set_timer(ctx, cfg_.timeout, CoordinatorTimeout{m.txn});
}

void Coordinator::on_vote(sim::Context& ctx, sim::NodeId from, const Vote& m) {
  Txn* t = load(ctx, m.txn);
  if (!t || t->phase != Phase::voting) return;
  if (!m.yes) return decide(ctx, m.txn, *t, Decision::abort);
  t->yes.insert(from.value);
  if (t->yes.size() < t->participants.size()) return;
  // Every vote is yes: pre-commit (the state from which, BHG §7.5, no process can abort).
  ctx.cancel_timer(t->timer);
  t->phase = Phase::pre_committing;
  for (sim::NodeId p : t->participants) send(ctx, p, PreCommit{m.txn, 0});
  t->timer = set_timer(ctx, cfg_.timeout, CoordinatorTimeout{m.txn});
}

void Coordinator::on_pre_commit_ack(sim::Context& ctx, sim::NodeId from, const PreCommitAck& m) {
  Txn* t = load(ctx, m.txn);
  if (!t || t->phase != Phase::pre_committing || m.round != 0) return;
  t->pre_acked.insert(from.value);
  if (t->pre_acked.size() == t->participants.size()) decide(ctx, m.txn, *t, Decision::commit);
}

void Coordinator::on_decision(sim::Context& ctx, TxnId txn, Decision d) {
  Txn* t = load(ctx, txn);
  if (t && t->phase == Phase::recovering) decide(ctx, txn, *t, d);
}

void Coordinator::decide(sim::Context& ctx, TxnId txn, Txn& t, Decision d) {
  ctx.cancel_timer(t.timer);
  t.phase = Phase::decided;
  t.decision = d;
  log_.write(ctx, txn, {t.participants, t.decision}, false);
  ctx.sync();
  commit::observe_decide(ctx, txn, d);
  for (sim::NodeId p : t.participants) send_decision(ctx, txn, t, p);
  for (sim::NodeId c : t.clients) send(ctx, c, commit::Outcome{txn, d == Decision::commit});
  t.clients.clear();
  t.timer = set_timer(ctx, cfg_.timeout, CoordinatorTimeout{txn});
}

void Coordinator::send_decision(sim::Context& ctx, TxnId txn, const Txn& t, sim::NodeId to) {
  if (t.decision == Decision::commit) send(ctx, to, DoCommit{txn});
  else send(ctx, to, Abort{txn});
}

void Coordinator::on_have_decided(sim::Context& ctx, sim::NodeId from, TxnId txn) {
  Txn* t = load(ctx, txn);
  if (!t || t->phase != Phase::decided) return;
  t->have_decided.insert(from.value);
  if (t->have_decided.size() < t->participants.size()) return;
  ctx.cancel_timer(t->timer);
  log_.retire(ctx, txn);
}

void Coordinator::on_decision_request(sim::Context& ctx, sim::NodeId from, TxnId txn) {
  Txn* t = load(ctx, txn);
  if (!t) {
    // Never begun, so never voted on: abort it for good (and remember, for a late request).
    Txn& fresh = txns_[txn.value];
    fresh.participants = {from};
    decide(ctx, txn, fresh, Decision::abort);
    return;
  }
  if (t->phase == Phase::decided) send_decision(ctx, txn, *t, from);
}

void Coordinator::on_timer(sim::Context& ctx, sim::TimerId, const CoordinatorTimer& timer) {
  const TxnId txn = std::get<CoordinatorTimeout>(timer).txn;  // its only timer
  Txn* t = load(ctx, txn);
  if (!t) return;
  switch (t->phase) {
    case Phase::voting: return decide(ctx, txn, *t, Decision::abort);  // a vote is missing
    case Phase::pre_committing:
      // Acks missing: those participants are presumed crashed; they learn the decision when
      // they recover. Every live participant is committable now, so no one can abort.
      return decide(ctx, txn, *t, Decision::commit);
    case Phase::recovering: {
      for (sim::NodeId p : t->participants) send(ctx, p, DecisionRequest{txn});
      const uint32_t backoff = std::min<uint32_t>(t->asked++, 3);
      t->timer = set_timer(ctx, cfg_.timeout * (1LL << backoff), CoordinatorTimeout{txn});
      return;
    }
    case Phase::decided:
      for (sim::NodeId p : t->participants)
        if (!t->have_decided.count(p.value)) send_decision(ctx, txn, *t, p);
      t->timer = set_timer(ctx, cfg_.timeout, CoordinatorTimeout{txn});
      return;
  }
}

Coordinator::Txn* Coordinator::load(sim::Context& ctx, TxnId txn) {
  auto it = txns_.find(txn.value);
  if (it != txns_.end()) return &it->second;
  auto r = log_.read(ctx, txn);
  if (!r) return nullptr;
  Txn& t = txns_[txn.value];
  t.participants = std::move(r->participants);
  t.decision = r->decision;
  t.phase = r->decision == Decision::none ? Phase::recovering : Phase::decided;
  return &t;
}

// For people (`dsim state`): each undecided transaction (and the latest decided) with its phase
// or decision and the yes votes gathered.
void Coordinator::describe(const sim::Context& ctx, nlohmann::json& state) const {
  commit::describe_coordinator(ctx, txns_, state, [](const Txn& t) {
    return t.phase == Phase::voting ? "voting" : t.phase == Phase::pre_committing ? "pre-committing"
           : t.phase == Phase::recovering ? "recovering" : "decided";
  });
}

}  // namespace dsim::threepc
