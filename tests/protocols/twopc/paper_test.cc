// 2PC rules, one handler at a time (Gray 1978; Bernstein, Hadzilacos & Goodman 1987, ch. 7;
// Tanenbaum & van Steen §8.5). Node n1 is the coordinator; n2 and n3 are participants.
#include <gtest/gtest.h>

#include "protocols/twopc/coordinator.h"
#include "protocols/twopc/participant.h"
#include "sim/reflect.h"
#include "tests/protocols/commit/harness.h"

namespace dsim::twopc {
namespace {

using commit::TxnId;
using commit_test::Harness;

constexpr TxnId kTxn{1000001};
const std::vector<sim::NodeId> kParticipants{sim::NodeId(1), sim::NodeId(2)};

Config config(double vote_no = 0) {
  Config c;
  c.vote_no = vote_no;
  return c;
}

struct TwoPcParticipant : ::testing::Test {
  Harness<Participant, Message> h{1, 3, [] { return std::make_unique<Participant>(config()); }};
  void execute() { h.deliver(3, commit::Execute{kTxn, {commit::Write{"k1", "t1000001"}}}); }
  void prepare() {
    execute();
    h.deliver(0, VoteRequest{kTxn, kParticipants});
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
  h.fire(kTxn.value * 2 + Participant::kVoteRequestTimeout);
  ASSERT_EQ(h.observed("decide").size(), 1u);
  EXPECT_EQ(h.observed("decide")[0].at("decision"), "abort");
  h.deliver(0, VoteRequest{kTxn, kParticipants});  // too late
  EXPECT_EQ(h.sent<VoteAbort>().size(), 1u);
}

TEST_F(TwoPcParticipant, S7_4_PreparedParticipantDoesNotDecideAloneButAsksEveryone) {
  prepare();
  h.fire(kTxn.value * 2 + Participant::kDecisionTimeout);
  EXPECT_TRUE(h.observed("decide").empty()) << "an uncertain participant must not decide on a timeout";
  const auto asked = h.sent<DecisionRequest>();
  ASSERT_EQ(asked.size(), 2u);  // the coordinator and the other participant
  EXPECT_EQ(asked[0].first, 0u);
  EXPECT_EQ(asked[1].first, 2u);
  EXPECT_TRUE(h.armed(kTxn.value * 2 + Participant::kDecisionTimeout)) << "it keeps asking";
}

TEST_F(TwoPcParticipant, S7_4_PeerThatHasNotVotedAnswersAbortAndAborts) {
  execute();
  h.deliver(2, DecisionRequest{kTxn});
  const auto replies = h.sent<DecisionReply>();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_FALSE(replies[0].second.committed);
  h.deliver(0, VoteRequest{kTxn, kParticipants});
  EXPECT_EQ(h.sent<VoteAbort>().size(), 1u) << "having answered abort, it may never vote yes";
}

TEST_F(TwoPcParticipant, S7_4_UncertainPeerCannotHelp) {
  prepare();
  h.deliver(2, DecisionRequest{kTxn});
  EXPECT_TRUE(h.sent<DecisionReply>().empty());
}

TEST_F(TwoPcParticipant, S7_3_RecoveryRestoresThePreparedStateAndItsLocks) {
  prepare();
  h.crash_and_restart(/*lose_unsynced=*/true);
  // In doubt after the restart: it asks at once, and a competing transaction finds the lock held.
  h.fire(kTxn.value * 2 + Participant::kDecisionTimeout);
  EXPECT_EQ(h.sent<DecisionRequest>().size(), 2u);
  h.deliver(3, commit::Execute{TxnId{1000002}, {commit::Write{"k1", "t1000002"}}});
  ASSERT_EQ(h.sent<commit::Executed>().size(), 1u);
  EXPECT_FALSE(h.sent<commit::Executed>()[0].second.ok);
  h.deliver(0, GlobalCommit{kTxn});
  ASSERT_EQ(h.observed("apply").size(), 1u);
  EXPECT_EQ(h.observed("apply")[0].at("writes"), nlohmann::json::parse(R"([["k1","t1000001"]])"));
  EXPECT_EQ(*h.storage().get("kv/k1"), "t1000001");
  EXPECT_EQ(h.sent<Ack>().size(), 1u);
}

TEST_F(TwoPcParticipant, ClientLearnsTheOutcomeFromAParticipantOnceItDecided) {
  prepare();
  h.deliver(3, commit::StatusRequest{kTxn});
  EXPECT_TRUE(h.sent<commit::Outcome>().empty()) << "uncertain: nothing to tell";
  EXPECT_TRUE(h.observed("decide").empty()) << "a status request forces no decision";
  h.deliver(0, GlobalCommit{kTxn});
  h.deliver(3, commit::StatusRequest{kTxn});
  ASSERT_EQ(h.sent<commit::Outcome>().size(), 1u);
  EXPECT_TRUE(h.sent<commit::Outcome>()[0].second.committed);
}

TEST(TwoPcBugs, ForgetPreparedLosesTheVoteInACrash) {
  Config c = config();
  c.bugs.forget_prepared = true;
  Harness<Participant, Message> h{1, 3, [c] { return std::make_unique<Participant>(c); }};
  h.deliver(3, commit::Execute{kTxn, {commit::Write{"k1", "v"}}});
  h.deliver(0, VoteRequest{kTxn, kParticipants});
  ASSERT_EQ(h.sent<VoteCommit>().size(), 1u);
  h.crash_and_restart(true);
  h.deliver(2, DecisionRequest{kTxn});  // "have you voted?" - it no longer knows
  ASSERT_EQ(h.sent<DecisionReply>().size(), 1u);
  EXPECT_FALSE(h.sent<DecisionReply>()[0].second.committed);
}

struct TwoPcCoordinator : ::testing::Test {
  Harness<Coordinator, Message> h{0, 3, [] { return std::make_unique<Coordinator>(config()); }};
  void begin() { h.deliver(3, commit::CommitRequest{kTxn, kParticipants}); }
};

TEST_F(TwoPcCoordinator, S7_3_BeginIsLoggedBeforeTheVoteRequests) {
  begin();
  EXPECT_EQ(h.sent<VoteRequest>().size(), 2u);
  EXPECT_TRUE(h.synced());
  EXPECT_NE(h.storage().get(commit::txn_key(kTxn)), nullptr);
}

TEST_F(TwoPcCoordinator, S7_3_AllYesCommitsAndTheDecisionIsDurableFirst) {
  begin();
  h.deliver(1, VoteCommit{kTxn});
  EXPECT_TRUE(h.sent<GlobalCommit>().empty());
  h.deliver(2, VoteCommit{kTxn});
  EXPECT_EQ(h.sent<GlobalCommit>().size(), 2u);
  EXPECT_TRUE(h.synced());
  EXPECT_EQ(h.sent<commit::Outcome>().size(), 1u);
  EXPECT_TRUE(h.sent<commit::Outcome>()[0].second.committed);
}

TEST_F(TwoPcCoordinator, S7_3_OneNoAborts) {
  begin();
  h.deliver(1, VoteCommit{kTxn});
  h.deliver(2, VoteAbort{kTxn});
  EXPECT_EQ(h.sent<GlobalAbort>().size(), 2u);
}

TEST_F(TwoPcCoordinator, S7_3_MissingVoteAbortsOnTimeout) {
  begin();
  h.deliver(1, VoteCommit{kTxn});
  h.fire(kTxn.value * 2 + Coordinator::kVoteTimeout);
  EXPECT_EQ(h.sent<GlobalAbort>().size(), 2u);
}

TEST(TwoPcBugs, CommitOnTimeoutCommitsWithAVoteMissing) {
  Config c = config();
  c.bugs.commit_on_timeout = true;
  Harness<Coordinator, Message> h{0, 3, [c] { return std::make_unique<Coordinator>(c); }};
  h.deliver(3, commit::CommitRequest{kTxn, kParticipants});
  h.deliver(1, VoteCommit{kTxn});
  h.fire(kTxn.value * 2 + Coordinator::kVoteTimeout);
  EXPECT_EQ(h.sent<GlobalCommit>().size(), 2u);
}

TEST_F(TwoPcCoordinator, S7_3_RecoveryAbortsWhatWasNeverDecided) {
  begin();
  h.deliver(1, VoteCommit{kTxn});
  h.crash_and_restart(true);
  EXPECT_EQ(h.sent<GlobalAbort>().size(), 2u) << "begun, undecided: no participant can know a commit";
  ASSERT_EQ(h.observed("decide").size(), 1u);
  EXPECT_EQ(h.observed("decide")[0].at("decision"), "abort");
  h.deliver(2, VoteCommit{kTxn});  // a late vote does not revive it
  EXPECT_TRUE(h.sent<GlobalCommit>().empty());
}

TEST_F(TwoPcCoordinator, S7_3_RecoveryResendsALoggedCommit) {
  begin();
  h.deliver(1, VoteCommit{kTxn});
  h.deliver(2, VoteCommit{kTxn});
  h.crash_and_restart(true);
  EXPECT_EQ(h.sent<GlobalCommit>().size(), 2u);
  h.deliver(1, DecisionRequest{kTxn});
  EXPECT_EQ(h.sent<GlobalCommit>().size(), 1u);
}

TEST_F(TwoPcCoordinator, S7_3_UnknownTransactionIsAbortedForGood) {
  h.deliver(1, DecisionRequest{kTxn});
  EXPECT_EQ(h.sent<GlobalAbort>().size(), 1u);
  begin();  // the client's commit request arrives late
  EXPECT_TRUE(h.sent<VoteRequest>().empty()) << "an aborted transaction must not begin again";
  ASSERT_EQ(h.sent<commit::Outcome>().size(), 1u);
  EXPECT_FALSE(h.sent<commit::Outcome>()[0].second.committed);
}

}  // namespace
}  // namespace dsim::twopc
