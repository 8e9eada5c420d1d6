// A 2PC participant: one key-value shard (protocols/commit/shard.h). States per transaction
// (Tanenbaum & van Steen Figure 8-18b): INIT ("working": locks taken, writes staged, not
// voted), READY ("prepared": voted yes, durable, uncertain), COMMIT, ABORT.
//
//   working   may abort on its own: on a lock conflict, or when no VOTE_REQUEST comes within
//             2 x timeout (the coordinator or the client may be gone);
//   prepared  must not decide alone. The prepared record is forced to the log before the
//             yes vote leaves. Waiting too long for the decision, it asks the coordinator and
//             every other participant (cooperative termination, BHG §7.4): a peer that knows
//             the decision tells it; a peer that has not voted aborts and says so; a peer that
//             is prepared too cannot help. With the coordinator down and every participant
//             prepared, 2PC blocks: that is its known weakness, and 3PC's reason to exist.
#pragma once

#include "protocols/commit/shard.h"
#include "protocols/twopc/messages.h"
#include "protocols/twopc/params.h"
#include "sim/process.h"

namespace dsim::twopc {

class Participant final : public sim::ProcessOf<Message, ParticipantTimer> {
 public:
  explicit Participant(Config c) : cfg_(c) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::TimerId, const ParticipantTimer& timer) override;
  void describe(const sim::Context&, nlohmann::json& state) const override { shard_.describe(state); }


 private:
  void on_execute(sim::Context& ctx, sim::NodeId client, const commit::Execute& m);
  void on_vote_request(sim::Context& ctx, sim::NodeId from, const VoteRequest& m);
  void on_decision(sim::Context& ctx, sim::NodeId from, TxnId txn, bool committed, bool from_coordinator);
  void on_decision_request(sim::Context& ctx, sim::NodeId from, TxnId txn);
  void answer_status(sim::Context& ctx, sim::NodeId client, TxnId txn);
  void finish(sim::Context& ctx, TxnId txn, commit::TxnRecord& r, bool committed);
  void ask_again(sim::Context& ctx, TxnId txn);  // the decision is overdue
  void ask_later(sim::Context& ctx, TxnId txn, uint32_t asked);

  Config cfg_;
  commit::Shard shard_;
  std::map<uint64_t, uint32_t> asked_;  // prepared transaction -> decision requests sent so far
};

}  // namespace dsim::twopc
