// A 3PC participant: a key-value shard (protocols/commit/shard.h) in one of the states of
// Skeen's protocol: working (q: not voted), uncertain (w: voted yes, logged), committable (p:
// pre-committed, logged), committed (c), aborted (a). No state is adjacent to both commit and
// abort, which is what lets the operational participants finish without the coordinator.
//
// Termination protocol (BHG §7.5), run when the coordinator falls silent: rounds r = 1, 2, ...
// each led by the transaction's participant number (r-1) mod n. The leader asks every
// participant for its state, then decides:
//   TR1 some participant aborted            -> abort
//   TR2 some participant committed          -> commit
//   TR3 every reporting one is uncertain    -> abort
//   TR4 some committable, none committed    -> pre-commit the uncertain ones, wait for their
//                                              acks, then commit
// A participant gives each round 4 x timeout before it moves on to the next leader, and
// ignores requests from rounds older than its own. A participant that crashed and restarted
// while in doubt is "recovering": it takes no part (its state may be stale) and instead asks
// everyone for the decision until someone who knows tells it.
#pragma once

#include <map>
#include <set>

#include "protocols/commit/shard.h"
#include "protocols/threepc/messages.h"
#include "protocols/threepc/params.h"
#include "sim/process.h"

namespace dsim::threepc {

class Participant final : public sim::ProcessOf<Message, ParticipantTimer> {
 public:
  explicit Participant(Config c) : cfg_(c) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::TimerId, const ParticipantTimer& timer) override;
  void describe(const sim::Context&, nlohmann::json& state) const override { shard_.describe(state); }


 private:
  // Volatile protocol state per in-doubt transaction (the record itself lives in the shard).
  struct Doubt {
    uint32_t round = 0;
    bool recovering = false;
    uint32_t asked = 0;
    sim::TimerId wait;
    // While leading `round`:
    bool leading = false, pre_committing = false;
    std::map<uint32_t, Reported> states;
    std::set<uint32_t> awaiting_acks;
  };

  void on_execute(sim::Context& ctx, sim::NodeId client, const commit::Execute& m);
  void on_can_commit(sim::Context& ctx, sim::NodeId from, const CanCommit& m);
  void on_pre_commit(sim::Context& ctx, sim::NodeId from, const PreCommit& m);
  void on_pre_commit_ack(sim::Context& ctx, sim::NodeId from, const PreCommitAck& m);
  void on_decision(sim::Context& ctx, sim::NodeId from, TxnId txn, bool committed);
  void on_state_request(sim::Context& ctx, sim::NodeId from, const StateRequest& m);
  void on_state_reply(sim::Context& ctx, sim::NodeId from, const StateReply& m);
  void on_decision_request(sim::Context& ctx, sim::NodeId from, TxnId txn);
  void answer_status(sim::Context& ctx, sim::NodeId client, TxnId txn);

  void enter_round(sim::Context& ctx, TxnId txn, commit::TxnRecord& r, Doubt& d, uint32_t round);
  void lead(sim::Context& ctx, TxnId txn, commit::TxnRecord& r, Doubt& d);  // TR1-TR4
  void timeout_transition(sim::Context& ctx, TxnId txn, commit::TxnRecord& r);  // the no_termination bug
  void wait(sim::Context& ctx, TxnId txn, Doubt& d, sim::Duration how_long);
  void pre_commit(sim::Context& ctx, TxnId txn);
  void finish(sim::Context& ctx, TxnId txn, commit::TxnRecord& r, bool committed);
  void announce(sim::Context& ctx, TxnId txn, const commit::TxnRecord& r, bool committed);
  Reported report(const commit::TxnRecord& r, const Doubt* d) const;

  Config cfg_;
  commit::Shard shard_;
  std::map<uint64_t, Doubt> doubts_;
};

}  // namespace dsim::threepc
