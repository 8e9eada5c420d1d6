// 2PC rules, one handler at a time (Gray 1978; Bernstein, Hadzilacos & Goodman 1987, ch. 7;
// Tanenbaum & van Steen §8.5). Node n1 is the coordinator; n2 and n3 are participants.
#include <gtest/gtest.h>

#include "protocols/twopc/coordinator.h"
#include "protocols/twopc/participant.h"
#include "sim/reflect.h"
#include "sim/testing.h"

namespace dsim::twopc {
namespace {

using commit::TxnId;

constexpr TxnId kTxn{1000001};
const std::vector<sim::NodeId> kParticipants{sim::NodeId(1), sim::NodeId(2)};

Config config(double vote_no = 0) {
  Config c;
  c.vote_no = vote_no;
  return c;
}

struct TwoPcParticipant : ::testing::Test {
  sim::TestNode<Participant> h{sim::Topology(3, 1), sim::NodeId(1), [] { return std::make_unique<Participant>(config()); }};
  void execute() { h.deliver(sim::NodeId(3), commit::Execute{kTxn, {commit::Write{"k1", "t1000001"}}}); }
  void prepare() {
    execute();
    h.deliver(sim::NodeId(0), VoteRequest{kTxn, kParticipants});
  }
};

TEST_F(TwoPcParticipant, S7_3_PreparedRecordIsForcedBeforeTheYesVote) {
  prepare();
  ASSERT_EQ(h.sent<VoteCommit>().size(), 1u);
  EXPECT_TRUE(h.synced()) << "the yes vote must not leave before the prepared record is durable";
  const auto* record = h.storage().get(commit::txn_key(kTxn));
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->at("state"), static_cast<int>(commit::TxnState::prepared));
}

TEST_F(TwoPcParticipant, S7_3_NotYetVotedParticipantAbortsOnItsOwn) {
  execute();
  h.fire<VoteRequestTimeout>();
  ASSERT_EQ(h.observed<commit::Decided>().size(), 1u);
  EXPECT_EQ(h.observed<commit::Decided>()[0].decision, commit::Decision::abort);
  h.deliver(sim::NodeId(0), VoteRequest{kTxn, kParticipants});  // too late
  EXPECT_EQ(h.sent<VoteAbort>().size(), 1u);
}

TEST_F(TwoPcParticipant, S7_4_PreparedParticipantDoesNotDecideAloneButAsksEveryone) {
  prepare();
  h.fire<DecisionTimeout>();
  EXPECT_TRUE(h.observed<commit::Decided>().empty()) << "an uncertain participant must not decide on a timeout";
  const auto asked = h.sent<DecisionRequest>();
  ASSERT_EQ(asked.size(), 2u);  // the coordinator and the other participant
  EXPECT_EQ(asked[0].first.value, 0u);
  EXPECT_EQ(asked[1].first.value, 2u);
  EXPECT_EQ(h.armed<DecisionTimeout>().size(), 1u) << "it keeps asking";
}

TEST_F(TwoPcParticipant, S7_4_PeerThatHasNotVotedAnswersAbortAndAborts) {
  execute();
  h.deliver(sim::NodeId(2), DecisionRequest{kTxn});
  const auto replies = h.sent<DecisionReply>();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_FALSE(replies[0].second.committed);
  h.deliver(sim::NodeId(0), VoteRequest{kTxn, kParticipants});
  EXPECT_EQ(h.sent<VoteAbort>().size(), 1u) << "having answered abort, it may never vote yes";
}

TEST_F(TwoPcParticipant, S7_4_UncertainPeerCannotHelp) {
  prepare();
  h.deliver(sim::NodeId(2), DecisionRequest{kTxn});
  EXPECT_TRUE(h.sent<DecisionReply>().empty());
}

// A participant that aborted on its own and said so (the client heard "not executed") keeps
// that abort through a restart: a repeated Execute is refused and the vote is no (twopc swarm
// seed 7658 of 10,000: it took the work afresh, voted yes and committed what it had aborted).
TEST_F(TwoPcParticipant, S7_3_AUnilateralAbortIsDurableBeforeAnyoneHearsOfIt) {
  prepare();  // kTxn holds the lock on k1
  const TxnId other{1000002};
  h.deliver(sim::NodeId(3), commit::Execute{other, {commit::Write{"k1", "t1000002"}}});
  ASSERT_EQ(h.sent<commit::Executed>().size(), 1u);
  EXPECT_FALSE(h.sent<commit::Executed>()[0].second.ok);
  EXPECT_TRUE(h.synced()) << "the refusal must not leave before the abort is durable";
  h.deliver(sim::NodeId(0), GlobalAbort{kTxn});  // the lock is free again
  h.crash_and_restart(/*lose_unsynced=*/true);
  h.deliver(sim::NodeId(3), commit::Execute{other, {commit::Write{"k1", "t1000002"}}});  // a duplicate
  ASSERT_EQ(h.sent<commit::Executed>().size(), 1u);
  EXPECT_FALSE(h.sent<commit::Executed>()[0].second.ok) << "took an aborted transaction's work afresh";
  h.deliver(sim::NodeId(0), VoteRequest{other, kParticipants});
  EXPECT_EQ(h.sent<VoteAbort>().size(), 1u);
  EXPECT_TRUE(h.sent<VoteCommit>().empty());
}

TEST_F(TwoPcParticipant, S7_3_RecoveryRestoresThePreparedStateAndItsLocks) {
  prepare();
  h.crash_and_restart(/*lose_unsynced=*/true);
  // In doubt after the restart: it asks at once, and a competing transaction finds the lock held.
  h.fire<DecisionTimeout>();
  EXPECT_EQ(h.sent<DecisionRequest>().size(), 2u);
  h.deliver(sim::NodeId(3), commit::Execute{TxnId{1000002}, {commit::Write{"k1", "t1000002"}}});
  ASSERT_EQ(h.sent<commit::Executed>().size(), 1u);
  EXPECT_FALSE(h.sent<commit::Executed>()[0].second.ok);
  h.deliver(sim::NodeId(0), GlobalCommit{kTxn});
  ASSERT_EQ(h.observed<commit::Applied>().size(), 1u);
  EXPECT_EQ(h.observed<commit::Applied>()[0].writes, (std::vector<commit::Write>{{"k1", "t1000001"}}));
  EXPECT_EQ(*h.storage().get("kv/k1"), "t1000001");
  EXPECT_EQ(h.sent<Ack>().size(), 1u);
}

TEST_F(TwoPcParticipant, ClientLearnsTheOutcomeFromAParticipantOnceItDecided) {
  prepare();
  h.deliver(sim::NodeId(3), commit::StatusRequest{kTxn});
  EXPECT_TRUE(h.sent<commit::Outcome>().empty()) << "uncertain: nothing to tell";
  EXPECT_TRUE(h.observed<commit::Decided>().empty()) << "a status request forces no decision";
  h.deliver(sim::NodeId(0), GlobalCommit{kTxn});
  h.deliver(sim::NodeId(3), commit::StatusRequest{kTxn});
  ASSERT_EQ(h.sent<commit::Outcome>().size(), 1u);
  EXPECT_TRUE(h.sent<commit::Outcome>()[0].second.committed);
}

TEST(TwoPcBugs, ForgetPreparedLosesTheVoteInACrash) {
  Config c = config();
  c.bugs.forget_prepared = true;
  sim::TestNode<Participant> h{sim::Topology(3, 1), sim::NodeId(1), [c] { return std::make_unique<Participant>(c); }};
  h.deliver(sim::NodeId(3), commit::Execute{kTxn, {commit::Write{"k1", "v"}}});
  h.deliver(sim::NodeId(0), VoteRequest{kTxn, kParticipants});
  ASSERT_EQ(h.sent<VoteCommit>().size(), 1u);
  h.crash_and_restart(true);
  h.deliver(sim::NodeId(2), DecisionRequest{kTxn});  // "have you voted?" - it no longer knows
  ASSERT_EQ(h.sent<DecisionReply>().size(), 1u);
  EXPECT_FALSE(h.sent<DecisionReply>()[0].second.committed);
}

struct TwoPcCoordinator : ::testing::Test {
  sim::TestNode<Coordinator> h{sim::Topology(3, 1), sim::NodeId(0), [] { return std::make_unique<Coordinator>(config()); }};
  void begin() { h.deliver(sim::NodeId(3), commit::CommitRequest{kTxn, kParticipants}); }
};

TEST_F(TwoPcCoordinator, S7_3_BeginIsLoggedBeforeTheVoteRequests) {
  begin();
  EXPECT_EQ(h.sent<VoteRequest>().size(), 2u);
  EXPECT_TRUE(h.synced());
  EXPECT_NE(h.storage().get(commit::txn_key(kTxn)), nullptr);
}

TEST_F(TwoPcCoordinator, S7_3_AllYesCommitsAndTheDecisionIsDurableFirst) {
  begin();
  h.deliver(sim::NodeId(1), VoteCommit{kTxn});
  EXPECT_TRUE(h.sent<GlobalCommit>().empty());
  h.deliver(sim::NodeId(2), VoteCommit{kTxn});
  EXPECT_EQ(h.sent<GlobalCommit>().size(), 2u);
  EXPECT_TRUE(h.synced());
  EXPECT_EQ(h.sent<commit::Outcome>().size(), 1u);
  EXPECT_TRUE(h.sent<commit::Outcome>()[0].second.committed);
}

TEST_F(TwoPcCoordinator, S7_3_OneNoAborts) {
  begin();
  h.deliver(sim::NodeId(1), VoteCommit{kTxn});
  h.deliver(sim::NodeId(2), VoteAbort{kTxn});
  EXPECT_EQ(h.sent<GlobalAbort>().size(), 2u);
}

TEST_F(TwoPcCoordinator, S7_3_MissingVoteAbortsOnTimeout) {
  begin();
  h.deliver(sim::NodeId(1), VoteCommit{kTxn});
  h.fire<VoteTimeout>();
  EXPECT_EQ(h.sent<GlobalAbort>().size(), 2u);
}

TEST(TwoPcBugs, CommitOnTimeoutCommitsWithAVoteMissing) {
  Config c = config();
  c.bugs.commit_on_timeout = true;
  sim::TestNode<Coordinator> h{sim::Topology(3, 1), sim::NodeId(0), [c] { return std::make_unique<Coordinator>(c); }};
  h.deliver(sim::NodeId(3), commit::CommitRequest{kTxn, kParticipants});
  h.deliver(sim::NodeId(1), VoteCommit{kTxn});
  h.fire<VoteTimeout>();
  EXPECT_EQ(h.sent<GlobalCommit>().size(), 2u);
}

TEST_F(TwoPcCoordinator, S7_3_RecoveryAbortsWhatWasNeverDecided) {
  begin();
  h.deliver(sim::NodeId(1), VoteCommit{kTxn});
  h.crash_and_restart(true);
  EXPECT_EQ(h.sent<GlobalAbort>().size(), 2u) << "begun, undecided: no participant can know a commit";
  ASSERT_EQ(h.observed<commit::Decided>().size(), 1u);
  EXPECT_EQ(h.observed<commit::Decided>()[0].decision, commit::Decision::abort);
  h.deliver(sim::NodeId(2), VoteCommit{kTxn});  // a late vote does not revive it
  EXPECT_TRUE(h.sent<GlobalCommit>().empty());
}

TEST_F(TwoPcCoordinator, S7_3_RecoveryResendsALoggedCommit) {
  begin();
  h.deliver(sim::NodeId(1), VoteCommit{kTxn});
  h.deliver(sim::NodeId(2), VoteCommit{kTxn});
  h.crash_and_restart(true);
  EXPECT_EQ(h.sent<GlobalCommit>().size(), 2u);
  h.deliver(sim::NodeId(1), DecisionRequest{kTxn});
  EXPECT_EQ(h.sent<GlobalCommit>().size(), 1u);
}

TEST_F(TwoPcCoordinator, S7_3_UnknownTransactionIsAbortedForGood) {
  h.deliver(sim::NodeId(1), DecisionRequest{kTxn});
  EXPECT_EQ(h.sent<GlobalAbort>().size(), 1u);
  begin();  // the client's commit request arrives late
  EXPECT_TRUE(h.sent<VoteRequest>().empty()) << "an aborted transaction must not begin again";
  ASSERT_EQ(h.sent<commit::Outcome>().size(), 1u);
  EXPECT_FALSE(h.sent<commit::Outcome>()[0].second.committed);
}

}  // namespace
}  // namespace dsim::twopc
