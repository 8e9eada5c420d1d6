// The transaction client shared by 2PC and 3PC. Open loop: transactions arrive as a Poisson
// process at `rate` per second, whatever is still in flight. Each writes one key on each of
// `shards_per_txn` distinct participants, its value naming the transaction ("t10000000000017"),
// so a shard's state shows which transactions reached it.
//
// A transaction: observe `submit` (txn, participants, writes), send Execute to every
// participant, and once all have answered Executed (or after `timeout`), CommitRequest to the
// coordinator; then wait for the Outcome. A participant that never saw the work votes no. On a
// timeout the client asks again (CommitRequest is idempotent at the coordinator) and asks the
// participants too (StatusRequest); after `attempts` it records the outcome as unknown. Even a doomed transaction (a participant
// answered not ok) goes to the coordinator: the participant's no vote aborts it. The client takes no part in the protocol's safety: AC1-AC5
// are about the servers, and the client only reports what it was told.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocols/commit/observations.h"
#include "protocols/commit/txn.h"
#include "protocols/commit/workload.h"
#include "sim/overloaded.h"
#include "sim/process.h"

namespace dsim::commit {

template <class Message>
class Client final : public sim::ProcessOf<Message, ClientTimer> {
 public:
  explicit Client(Workload w) : w_(w) {}

  void on_start(sim::Context& ctx) override {
    number_ = ctx.self().value - ctx.servers() + 1;
    incarnation_ = ctx.incarnation();  // in every id: a restarted client reuses none of its earlier ones
    schedule_next(ctx);
  }

  void on_message(sim::Context& ctx, sim::NodeId, const Message& msg) override {
    // Clients receive only Executed and Outcome; the servers' messages are never sent to them.
    if (const auto* executed = std::get_if<Executed>(&msg)) return on_executed(ctx, *executed);
    const auto* outcome = std::get_if<Outcome>(&msg);
    if (!outcome) return;
    auto it = pending_.find(outcome->txn.value);
    if (it == pending_.end()) return;  // a duplicate or late answer
    ctx.cancel_timer(it->second.timer);
    pending_.erase(it);
    ctx.observe(ClientOutcome{outcome->txn, outcome->committed ? TxnOutcome::committed : TxnOutcome::aborted});
  }

  void on_timer(sim::Context& ctx, sim::TimerId, const ClientTimer& timer) override {
    std::visit(sim::overloaded{
                   [&](const NextTxnTimer&) { submit(ctx); },
                   [&](const OutcomeTimer& t) { on_overdue(ctx, t.txn); },
               },
               timer);
  }

 private:

  struct Pending {
    std::vector<sim::NodeId> participants;
    uint32_t awaiting_executed = 0;
    uint32_t attempts = 0;
    sim::TimerId timer;
  };

  void on_overdue(sim::Context& ctx, TxnId txn) {
    auto it = pending_.find(txn.value);
    if (it == pending_.end()) return;
    Pending& p = it->second;
    if (p.awaiting_executed > 0) {  // some work went unanswered: ask for the commit anyway
      p.awaiting_executed = 0;
      return request_commit(ctx, txn, p);
    }
    if (++p.attempts >= w_.attempts) {
      ctx.observe(ClientOutcome{txn, TxnOutcome::unknown});
      pending_.erase(it);
      return;
    }
    request_commit(ctx, txn, p);
    for (sim::NodeId node : p.participants) this->send(ctx, node, StatusRequest{txn});
  }

  void on_executed(sim::Context& ctx, const Executed& m) {
    auto it = pending_.find(m.txn.value);
    if (it == pending_.end() || it->second.awaiting_executed == 0) return;
    if (--it->second.awaiting_executed > 0) return;
    ctx.cancel_timer(it->second.timer);
    request_commit(ctx, m.txn, it->second);
  }

  void request_commit(sim::Context& ctx, TxnId txn, Pending& p) {
    this->send(ctx, coordinator_node(), CommitRequest{txn, p.participants});
    p.timer = this->set_timer(ctx, w_.timeout, OutcomeTimer{txn});
  }

  void schedule_next(sim::Context& ctx) {
    if (w_.rate <= 0 || (w_.count > 0 && submitted_ >= w_.count)) return;
    const double mean_ns = 1e9 / w_.rate;
    const double gap_ns = w_.periodic ? mean_ns : ctx.rng().exponential(mean_ns);
    this->set_timer(ctx, sim::Duration::nanos(std::max<int64_t>(1, static_cast<int64_t>(gap_ns))), NextTxnTimer{});
  }

  void submit(sim::Context& ctx) {
    ++submitted_;
    schedule_next(ctx);
    const uint32_t shards = participant_count(ctx.topology());
    if (shards == 0) return;
    const TxnId txn = make_txn_id(number_, incarnation_, next_seq_++);
    // Distinct shards by a partial Fisher-Yates shuffle, then one key of each shard.
    std::vector<uint32_t> order(shards);
    for (uint32_t i = 0; i < shards; ++i) order[i] = i;
    const uint32_t k = std::min(w_.shards_per_txn, shards);
    for (uint32_t i = 0; i < k; ++i) std::swap(order[i], order[i + ctx.rng().uniform(shards - i)]);
    std::sort(order.begin(), order.begin() + k);
    Pending p;
    Submitted submitted{txn, {}, {}};
    const std::string value = "t" + std::to_string(txn.value);
    for (uint32_t i = 0; i < k; ++i) {
      const uint32_t shard = order[i];
      const uint32_t on_shard = std::max<uint32_t>(1, (w_.keys + shards - 1 - shard) / shards);
      const uint64_t key_index = shard + static_cast<uint64_t>(shards) * ctx.rng().uniform(on_shard);
      const Write write{"k" + std::to_string(key_index), value};
      const sim::NodeId node = participant_node(shard);
      p.participants.push_back(node);
      submitted.writes.push_back(write);
      this->send(ctx, node, Execute{txn, {write}});
    }
    submitted.participants = p.participants;
    ctx.observe(std::move(submitted));
    p.awaiting_executed = k;
    p.timer = this->set_timer(ctx, w_.timeout, OutcomeTimer{txn});
    pending_.emplace(txn.value, std::move(p));
  }

 public:
  // For people (`dsim state`): the transactions waiting for an outcome.
  void describe(const sim::Context&, nlohmann::json& state) const override {
    nlohmann::json pending = nlohmann::json::array();
    for (const auto& [txn, p] : pending_) pending.push_back(std::to_string(txn));
    state["pending"] = std::move(pending);
    state["submitted"] = submitted_;
  }

 private:
  Workload w_;
  uint64_t number_ = 0;
  uint32_t incarnation_ = 0;
  uint64_t next_seq_ = 1;  // within this incarnation
  uint64_t submitted_ = 0;  // by this incarnation
  std::map<uint64_t, Pending> pending_;  // by transaction id
};

}  // namespace dsim::commit
