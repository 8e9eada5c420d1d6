// The 2PC coordinator (Gray 1978; Bernstein, Hadzilacos & Goodman §7.3; Tanenbaum & van Steen
// §8.5). Write-ahead log in storage, forced before the message that depends on it:
//   begin    "txn/<id>" = {participants, decision: none}, before any VOTE_REQUEST, so after
//            a crash the coordinator knows which transactions it may have asked about;
//   decide   the decision, before GLOBAL_COMMIT / GLOBAL_ABORT or any answer about it.
// "active" lists the transactions begun and not yet acknowledged by every participant.
//
// Recovery (on_start after a restart): a transaction begun and undecided is aborted (no
// participant can know a commit that was never logged); a decided one is sent again. A
// decision request about a transaction the coordinator never began is answered "abort":
// no participant can be prepared for it, and the abort is logged so a late commit request
// cannot begin it afterwards.
#pragma once

#include <map>
#include <set>
#include <vector>

#include "protocols/commit/coordinator_log.h"
#include "protocols/twopc/messages.h"
#include "protocols/twopc/params.h"
#include "sim/process.h"

namespace dsim::twopc {

class Coordinator final : public sim::ProcessOf<Message, CoordinatorTimer> {
 public:
  explicit Coordinator(Config c) : cfg_(c) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::TimerId, const CoordinatorTimer& timer) override;
  void describe(const sim::Context& ctx, nlohmann::json& state) const override;


 private:
  struct Txn {
    std::vector<sim::NodeId> participants;
    commit::Decision decision = commit::Decision::none;
    std::set<uint32_t> yes, acked;
    std::vector<sim::NodeId> clients;  // to tell the outcome
    sim::TimerId timer;
  };

  void on_commit_request(sim::Context& ctx, sim::NodeId client, const commit::CommitRequest& m);
  void on_vote(sim::Context& ctx, sim::NodeId from, TxnId txn, bool yes);
  void on_ack(sim::Context& ctx, sim::NodeId from, TxnId txn);
  void on_decision_request(sim::Context& ctx, sim::NodeId from, TxnId txn);
  void decide(sim::Context& ctx, TxnId txn, Txn& t, commit::Decision d);
  void send_decision(sim::Context& ctx, TxnId txn, const Txn& t, sim::NodeId to);
  Txn* load(sim::Context& ctx, TxnId txn);  // from memory, else from the log

  Config cfg_;
  std::map<uint64_t, Txn> txns_;
  commit::CoordinatorLog log_;
};

}  // namespace dsim::twopc
