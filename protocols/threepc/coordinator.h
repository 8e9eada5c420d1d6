// The 3PC coordinator (Skeen 1981; BHG §7.5). Like 2PC's, it logs "begin" before CanCommit and
// its decision before announcing it. Between the votes and the decision it inserts the
// pre-commit phase: once every vote is yes it sends PreCommit and waits for the acks; a
// participant that does not ack within the timeout is presumed crashed (3PC assumes a
// synchronous network) and the coordinator commits anyway.
//
// After a restart the coordinator does not decide an undecided transaction on its own (the
// participants may have terminated without it): it asks them, and adopts what they decided.
#pragma once

#include <map>
#include <set>
#include <vector>

#include "protocols/commit/coordinator_log.h"
#include "protocols/threepc/messages.h"
#include "protocols/threepc/params.h"
#include "sim/process.h"

namespace dsim::threepc {

class Coordinator final : public sim::ProcessOf<Message, CoordinatorTimer> {
 public:
  explicit Coordinator(Config c) : cfg_(c) {}
  void on_start(sim::Context& ctx) override;
  void on_message(sim::Context& ctx, sim::NodeId from, const Message& msg) override;
  void on_timer(sim::Context& ctx, sim::TimerId, const CoordinatorTimer& timer) override;
  // Names a timer of the coordinator (or, with coordinator false, of a participant) for `dsim log`.
  void describe(const sim::Context& ctx, nlohmann::json& state) const override;

 private:
  enum class Phase : uint8_t { voting, pre_committing, recovering, decided };
  struct Txn {
    std::vector<sim::NodeId> participants;
    Phase phase = Phase::voting;
    commit::Decision decision = commit::Decision::none;
    std::set<uint32_t> yes, pre_acked, have_decided;
    std::vector<sim::NodeId> clients;
    sim::TimerId timer;
    uint32_t asked = 0;
  };

  void on_commit_request(sim::Context& ctx, sim::NodeId client, const commit::CommitRequest& m);
  void on_vote(sim::Context& ctx, sim::NodeId from, const Vote& m);
  void on_pre_commit_ack(sim::Context& ctx, sim::NodeId from, const PreCommitAck& m);
  void on_decision(sim::Context& ctx, TxnId txn, commit::Decision d);  // learned while recovering
  void on_have_decided(sim::Context& ctx, sim::NodeId from, TxnId txn);
  void on_decision_request(sim::Context& ctx, sim::NodeId from, TxnId txn);
  void decide(sim::Context& ctx, TxnId txn, Txn& t, commit::Decision d);
  void send_decision(sim::Context& ctx, TxnId txn, const Txn& t, sim::NodeId to);
  Txn* load(sim::Context& ctx, TxnId txn);

  Config cfg_;
  std::map<uint64_t, Txn> txns_;
  commit::CoordinatorLog log_;
};

}  // namespace dsim::threepc
