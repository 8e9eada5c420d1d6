// 3PC rules, one handler at a time (Skeen 1981; Bernstein, Hadzilacos & Goodman 1987, §7.5).
// n1 is the coordinator; n2, n3 and n4 are the transaction's participants, and n2 leads
// termination round 1 (participant number 0).
#include <gtest/gtest.h>

#include "protocols/threepc/coordinator.h"
#include "protocols/threepc/participant.h"
#include "sim/testing.h"

namespace dsim::threepc {
namespace {

using commit::TxnId;

constexpr TxnId kTxn{1000001};
const std::vector<sim::NodeId> kParticipants{sim::NodeId(1), sim::NodeId(2), sim::NodeId(3)};

// Participant n2 (id 1): voted yes, then the coordinator fell silent; it leads round 1.
struct ThreePcLeader : ::testing::Test {
  sim::TestNode<Participant> h{sim::Topology(4, 1), sim::NodeId(1), [] { return std::make_unique<Participant>(Config{}); }};
  void SetUp() override {
    h.deliver(sim::NodeId(4), commit::Execute{kTxn, {commit::Write{"k1", "v"}}});
    h.deliver(sim::NodeId(0), CanCommit{kTxn, kParticipants});
    ASSERT_EQ(h.sent<Vote>().size(), 1u);
    ASSERT_TRUE(h.sent<Vote>()[0].second.yes);
  }
  void start_round() {
    h.fire<WaitTimeout>();
    ASSERT_EQ(h.sent<StateRequest>().size(), 2u) << "the round-1 leader asks the other participants";
  }
  std::string decision() {
    const auto d = h.observed<commit::Decided>();
    return d.empty() ? "none" : std::string(commit::to_string(d[0].decision));
  }
};

TEST_F(ThreePcLeader, S7_5_UncertainParticipantDoesNotDecideOnTimeoutButStartsTermination) {
  start_round();
  EXPECT_EQ(decision(), "none");
}

TEST_F(ThreePcLeader, S7_5_TR1_SomeoneAbortedMeansAbort) {
  start_round();
  h.deliver(sim::NodeId(2), StateReply{kTxn, 1, Reported::aborted});
  h.deliver(sim::NodeId(3), StateReply{kTxn, 1, Reported::uncertain});
  EXPECT_EQ(decision(), "abort");
  EXPECT_EQ(h.sent<Abort>().size(), 3u);  // the two peers and the coordinator
}

TEST_F(ThreePcLeader, S7_5_TR2_SomeoneCommittedMeansCommit) {
  start_round();
  h.deliver(sim::NodeId(2), StateReply{kTxn, 1, Reported::committed});
  h.deliver(sim::NodeId(3), StateReply{kTxn, 1, Reported::uncertain});
  EXPECT_EQ(decision(), "commit");
}

TEST_F(ThreePcLeader, S7_5_TR3_AllUncertainMeansAbort) {
  start_round();
  h.deliver(sim::NodeId(2), StateReply{kTxn, 1, Reported::uncertain});
  h.deliver(sim::NodeId(3), StateReply{kTxn, 1, Reported::uncertain});
  EXPECT_EQ(decision(), "abort");
}

TEST_F(ThreePcLeader, S7_5_TR4_CommittablePeerMeansPreCommitTheUncertainThenCommit) {
  start_round();
  h.deliver(sim::NodeId(2), StateReply{kTxn, 1, Reported::committable});
  h.deliver(sim::NodeId(3), StateReply{kTxn, 1, Reported::uncertain});
  EXPECT_EQ(decision(), "none") << "commit only after the uncertain are committable";
  ASSERT_EQ(h.observed<PreCommitted>().size(), 1u) << "the leader itself was uncertain";
  const auto pre = h.sent<PreCommit>();
  ASSERT_EQ(pre.size(), 1u);
  EXPECT_EQ(pre[0].first.value, 3u);
  EXPECT_EQ(pre[0].second.round, 1u);
  h.deliver(sim::NodeId(3), PreCommitAck{kTxn, 1});
  EXPECT_EQ(decision(), "commit");
}

TEST_F(ThreePcLeader, S7_5_SilentParticipantsArePresumedCrashed) {
  start_round();
  h.deliver(sim::NodeId(2), StateReply{kTxn, 1, Reported::uncertain});
  h.fire<RoundTimeout>();  // n4 never answers
  EXPECT_EQ(decision(), "abort");
}

TEST_F(ThreePcLeader, S7_5_RecoveringParticipantsAreNotCounted) {
  start_round();
  h.deliver(sim::NodeId(2), StateReply{kTxn, 1, Reported::recovering});
  h.deliver(sim::NodeId(3), StateReply{kTxn, 1, Reported::committable});
  // TR4 on n4's state; n3's possibly stale state does not count, so nobody but the leader is
  // left to pre-commit, and the leader commits at once.
  EXPECT_EQ(h.sent<PreCommit>().size(), 0u);
  EXPECT_EQ(h.observed<PreCommitted>().size(), 1u);
  EXPECT_EQ(decision(), "commit");
}

TEST_F(ThreePcLeader, S7_5_LaterRoundTakesOverAndStaleRoundsAreIgnored) {
  h.deliver(sim::NodeId(3), StateRequest{kTxn, 3});
  ASSERT_EQ(h.sent<StateReply>().size(), 1u);
  EXPECT_EQ(h.sent<StateReply>()[0].second.state, Reported::uncertain);
  h.deliver(sim::NodeId(2), StateRequest{kTxn, 2});
  EXPECT_TRUE(h.sent<StateReply>().empty());
  h.deliver(sim::NodeId(2), PreCommit{kTxn, 2});
  EXPECT_TRUE(h.sent<PreCommitAck>().empty());
}

TEST_F(ThreePcLeader, S7_5_RecoveredParticipantAsksInsteadOfTakingPart) {
  h.crash_and_restart(true);
  h.fire<AskAgain>();
  EXPECT_EQ(h.sent<DecisionRequest>().size(), 3u);  // coordinator and both peers
  h.deliver(sim::NodeId(2), StateRequest{kTxn, 1});
  ASSERT_EQ(h.sent<StateReply>().size(), 1u);
  EXPECT_EQ(h.sent<StateReply>()[0].second.state, Reported::recovering);
  h.deliver(sim::NodeId(2), DoCommit{kTxn});
  EXPECT_EQ(decision(), "commit");
}

TEST(ThreePcBugs, NoTerminationDecidesFromTheLocalStateAlone) {
  Config c;
  c.bugs.no_termination = true;
  sim::TestNode<Participant> h{sim::Topology(4, 1), sim::NodeId(1), [c] { return std::make_unique<Participant>(c); }};
  h.deliver(sim::NodeId(4), commit::Execute{kTxn, {commit::Write{"k1", "v"}}});
  h.deliver(sim::NodeId(0), CanCommit{kTxn, kParticipants});
  h.fire<WaitTimeout>();
  EXPECT_TRUE(h.sent<StateRequest>().empty());
  ASSERT_EQ(h.observed<commit::Decided>().size(), 1u);
  EXPECT_EQ(h.observed<commit::Decided>()[0].decision, commit::Decision::abort);
}

struct ThreePcCoordinator : ::testing::Test {
  sim::TestNode<Coordinator> h{sim::Topology(4, 1), sim::NodeId(0), [] { return std::make_unique<Coordinator>(Config{}); }};
  void all_yes() {
    h.deliver(sim::NodeId(4), commit::CommitRequest{kTxn, kParticipants});
    for (uint32_t p = 1; p <= 3; ++p) h.deliver(p, Vote{kTxn, true});
  }
};

TEST_F(ThreePcCoordinator, S7_5_AllYesLeadsToPreCommitNotCommit) {
  all_yes();
  EXPECT_EQ(h.sent<PreCommit>().size(), 3u);
  EXPECT_TRUE(h.sent<DoCommit>().empty());
  EXPECT_TRUE(h.observed<commit::Decided>().empty());
}

TEST_F(ThreePcCoordinator, S7_5_AckTimeoutCommitsAnyway) {
  all_yes();
  h.deliver(sim::NodeId(1), PreCommitAck{kTxn, 0});
  h.fire<CoordinatorTimeout>();
  EXPECT_EQ(h.sent<DoCommit>().size(), 3u);
}

TEST_F(ThreePcCoordinator, S7_5_RecoveredCoordinatorAsksAndAdopts) {
  all_yes();
  h.crash_and_restart(true);
  h.fire<CoordinatorTimeout>();
  EXPECT_EQ(h.sent<DecisionRequest>().size(), 3u);
  EXPECT_TRUE(h.observed<commit::Decided>().empty()) << "it must not decide alone: the participants may have terminated";
  h.deliver(sim::NodeId(2), Abort{kTxn});
  ASSERT_EQ(h.observed<commit::Decided>().size(), 1u);
  EXPECT_EQ(h.observed<commit::Decided>()[0].decision, commit::Decision::abort);
}

}  // namespace
}  // namespace dsim::threepc
