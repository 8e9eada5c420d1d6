// Raft paper tests: one server driven directly through a sim::Context, named by the section
// of the paper (Ongaro & Ousterhout 2014) or the dissertation whose rule they check. Each test
// calls one handler and inspects the effects: sends, timers, observations and storage.
#include <gtest/gtest.h>

#include <variant>

#include "protocols/raft/node.h"
#include "protocols/raft/observations.h"
#include "sim/registry.h"
#include "sim/testing.h"

namespace dsim::raft {
namespace {

// One server n1 of a `servers`-node cluster (plus one client), driven by hand through
// sim::TestNode, which applies each handler's effects as the runtime does.
class Harness : public sim::TestNode<Node> {
 public:
  explicit Harness(uint32_t servers = 3, Config cfg = Config{})
      : TestNode(sim::Topology(servers, 1), sim::NodeId(0), [cfg] { return std::make_unique<Node>(cfg); }) {}

  Node& node() { return process(); }
  template <class T>
  bool observed_any() const {
    return !observed<T>().empty();
  }

  // Makes n1 leader of term 1 with the votes of n2 and n3.
  void elect() {
    fire<ElectionTimer>();  // PreVote round
    deliver(1, RequestVoteReply{Term{node().current_term().value + 1}, true, true});
    deliver(1, RequestVoteReply{node().current_term(), true, false});
    ASSERT_TRUE(node().is_leader());
  }
};

Entry entry(uint64_t term, uint64_t seq, const std::string& value = "v") {
  return Entry{Term{term}, Command{SessionId{7}, seq, Op::put, "k", value, ""}};
}

AppendEntries append(uint64_t term, uint64_t prev_index, uint64_t prev_term, std::vector<Entry> entries,
                     uint64_t commit = 0) {
  return AppendEntries{Term{term}, sim::NodeId(1), LogIndex{prev_index}, Term{prev_term}, std::move(entries),
                       LogIndex{commit}, 1};
}

TEST(RaftPaper, S5_1_FollowerAdoptsHigherTermAndPersistsIt) {
  Harness h;
  h.deliver(1, append(5, 0, 0, {}));
  EXPECT_EQ(h.node().current_term(), Term{5});
  EXPECT_EQ(h.storage().get("current_term")->get<uint64_t>(), 5u);
  EXPECT_TRUE(h.synced());  // applied before the reply leaves
  ASSERT_EQ(h.sent<AppendEntriesReply>().size(), 1u);
  EXPECT_TRUE(h.sent<AppendEntriesReply>()[0].second.success);
}

TEST(RaftPaper, S5_1_RejectsAppendEntriesFromAStaleTerm) {
  Harness h;
  h.deliver(1, append(5, 0, 0, {}));
  h.deliver(2, append(3, 0, 0, {entry(3, 1)}));
  auto replies = h.sent<AppendEntriesReply>();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_FALSE(replies[0].second.success);
  EXPECT_EQ(replies[0].second.term, Term{5});
  EXPECT_EQ(h.node().log().last_index(), LogIndex{0});
}

TEST(RaftPaper, S5_2_ElectionTimeoutStartsPreVoteWithoutBumpingTheTerm) {
  Harness h;
  h.fire<ElectionTimer>();
  EXPECT_EQ(h.node().current_term(), Term{0});  // dissertation §9.6: PreVote changes no term
  auto asks = h.sent<RequestVote>();
  ASSERT_EQ(asks.size(), 2u);
  EXPECT_TRUE(asks[0].second.pre_vote);
  EXPECT_EQ(asks[0].second.term, Term{1});
  // A majority of PreVotes starts the real election: term 1, voted for itself, persisted.
  h.deliver(1, RequestVoteReply{Term{1}, true, true});
  EXPECT_EQ(h.node().current_term(), Term{1});
  EXPECT_EQ(h.node().voted_for(), sim::NodeId(0));
  EXPECT_EQ(h.storage().get("voted_for")->get<uint32_t>(), 0u);
  auto votes = h.sent<RequestVote>();
  ASSERT_EQ(votes.size(), 2u);
  EXPECT_FALSE(votes[0].second.pre_vote);
}

TEST(RaftPaper, S5_2_VotesAtMostOncePerTerm) {
  Harness h;
  h.deliver(1, RequestVote{Term{2}, sim::NodeId(1), LogIndex{0}, Term{0}, false});
  ASSERT_TRUE(h.sent<RequestVoteReply>()[0].second.vote_granted);
  // The grant is a step others can see (and a nemesis can crash right after): voted.
  ASSERT_EQ(h.observed<Voted>().size(), 1u);
  EXPECT_EQ(h.observed<Voted>()[0].term, Term{2});
  EXPECT_EQ(h.observed<Voted>()[0].candidate, sim::NodeId(1));
  h.deliver(2, RequestVote{Term{2}, sim::NodeId(2), LogIndex{0}, Term{0}, false});
  EXPECT_FALSE(h.sent<RequestVoteReply>()[0].second.vote_granted);
  EXPECT_TRUE(h.observed<Voted>().empty());  // a refusal changes nothing
  // The same candidate asking again (a retry) gets the same answer.
  h.deliver(1, RequestVote{Term{2}, sim::NodeId(1), LogIndex{0}, Term{0}, false});
  EXPECT_TRUE(h.sent<RequestVoteReply>()[0].second.vote_granted);
}

TEST(RaftPaper, S5_2_CandidateWithMajorityBecomesLeaderAndSendsHeartbeats) {
  Harness h;
  h.elect();
  const auto leader = h.observed<BecameLeader>();
  ASSERT_EQ(leader.size(), 1u);
  EXPECT_EQ(leader[0].term, Term{1});
  EXPECT_EQ(h.sent<AppendEntries>().size(), 2u);
}

TEST(RaftPaper, S5_3_ConsistencyCheckRejectsMissingPrevEntryWithAHint) {
  Harness h;
  h.deliver(1, append(1, 0, 0, {entry(1, 1), entry(1, 2)}));
  h.deliver(1, append(2, 5, 2, {entry(2, 6)}));
  auto r = h.sent<AppendEntriesReply>();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].second.success);
  EXPECT_EQ(r[0].second.conflict_term, Term{0});
  EXPECT_EQ(r[0].second.conflict_index, LogIndex{3});  // our log ends at 2
}

TEST(RaftPaper, S5_3_ConsistencyCheckRejectsATermMismatchWithTheFirstIndexOfThatTerm) {
  Harness h;
  h.deliver(1, append(1, 0, 0, {entry(1, 1), entry(1, 2), entry(1, 3)}));
  h.deliver(1, append(3, 3, 2, {}));
  auto r = h.sent<AppendEntriesReply>();
  EXPECT_FALSE(r[0].second.success);
  EXPECT_EQ(r[0].second.conflict_term, Term{1});
  EXPECT_EQ(r[0].second.conflict_index, LogIndex{1});
}

TEST(RaftPaper, S5_3_ConflictingSuffixIsTruncatedAndReplaced) {
  Harness h;
  h.deliver(1, append(1, 0, 0, {entry(1, 1), entry(1, 2, "old"), entry(1, 3, "old")}));
  h.deliver(1, append(2, 1, 1, {entry(2, 2, "new")}));
  EXPECT_TRUE(h.sent<AppendEntriesReply>()[0].second.success);
  const auto truncated = h.observed<LogTruncate>();
  ASSERT_EQ(truncated.size(), 1u);
  EXPECT_EQ(truncated[0].from, LogIndex{2});
  const auto appended = h.observed<LogAppend>();
  ASSERT_EQ(appended.size(), 1u);
  EXPECT_EQ(appended[0].first, LogIndex{2});
  ASSERT_EQ(appended[0].entries.size(), 1u);
  EXPECT_EQ(appended[0].entries[0].term, Term{2});
  EXPECT_EQ(appended[0].entries[0].digest, digest(entry(2, 2, "new").command));
  EXPECT_EQ(h.node().log().last_index(), LogIndex{2});
  EXPECT_EQ(h.node().log().at(LogIndex{2}).command.value, "new");
  const sim::DurableLog<Entry>& stored = h.storage().log<Entry>(RaftLog::kStorageName);
  EXPECT_EQ(stored.end(), 3u);  // entries 1 and 2
  EXPECT_EQ(stored.at(2).command.value, "new");
}

TEST(RaftPaper, S5_3_StaleAppendEntriesDoesNotTruncateMatchingEntries) {
  Harness h;
  h.deliver(1, append(1, 0, 0, {entry(1, 1), entry(1, 2)}));
  h.deliver(1, append(1, 0, 0, {entry(1, 1)}));  // reordered, older message
  EXPECT_EQ(h.node().log().last_index(), LogIndex{2});
  EXPECT_FALSE(h.observed_any<LogTruncate>());
}

TEST(RaftPaper, S5_3_FollowerCommitsUpToLeaderCommitAndApplies) {
  Harness h;
  h.deliver(1, append(1, 0, 0, {entry(1, 1), entry(1, 2)}, 1));
  EXPECT_EQ(h.node().commit_index(), LogIndex{1});
  const auto applied = h.observed<Apply>();
  ASSERT_EQ(applied.size(), 1u);
  EXPECT_EQ(applied[0].first, LogIndex{1});
  ASSERT_EQ(applied[0].entries.size(), 1u);
  EXPECT_EQ(applied[0].entries[0].digest, digest(entry(1, 1).command));
}

TEST(RaftPaper, S5_4_1_VoteDeniedToACandidateWithAStaleLog) {
  Harness h;
  h.deliver(1, append(2, 0, 0, {entry(1, 1), entry(2, 2)}));
  h.advance(sim::Duration::seconds(1));  // the leader went quiet (else §4.2.3 ignores votes)
  // Older last term: denied, even with a longer log.
  h.deliver(2, RequestVote{Term{3}, sim::NodeId(2), LogIndex{5}, Term{1}, false});
  EXPECT_FALSE(h.sent<RequestVoteReply>()[0].second.vote_granted);
  // Same last term, shorter log: denied.
  h.deliver(2, RequestVote{Term{4}, sim::NodeId(2), LogIndex{1}, Term{2}, false});
  EXPECT_FALSE(h.sent<RequestVoteReply>()[0].second.vote_granted);
  // Same last term, as long: granted.
  h.deliver(2, RequestVote{Term{5}, sim::NodeId(2), LogIndex{2}, Term{2}, false});
  EXPECT_TRUE(h.sent<RequestVoteReply>()[0].second.vote_granted);
}

TEST(RaftPaper, S5_4_1_VoteAnyLogBugGrantsTheStaleCandidate) {
  Config cfg;
  cfg.bugs.vote_any_log = true;
  Harness h(3, cfg);
  h.deliver(1, append(2, 0, 0, {entry(1, 1), entry(2, 2)}));
  h.advance(sim::Duration::seconds(1));
  h.deliver(2, RequestVote{Term{3}, sim::NodeId(2), LogIndex{5}, Term{1}, false});
  EXPECT_TRUE(h.sent<RequestVoteReply>()[0].second.vote_granted);
}

// Figure 8: a leader of term 3 holding an entry of term 2 that a majority stores must not
// commit it by counting; it commits once an entry of term 3 is on a majority.
void leader_with_old_entry(Harness& h) {
  h.deliver(1, append(2, 0, 0, {entry(2, 1)}));  // n1 got index 1 from the term-2 leader
  h.advance(sim::Duration::seconds(1));           // that leader has long gone quiet
  h.elect();                                      // n1 leads term 3
  ASSERT_EQ(h.node().current_term(), Term{3});
}

TEST(RaftPaper, S5_4_2_LeaderDoesNotCommitOldTermEntriesByCounting) {
  Harness h;
  leader_with_old_entry(h);
  h.deliver(1, AppendEntriesReply{Term{3}, true, LogIndex{1}, Term{}, LogIndex{}, 1});
  EXPECT_EQ(h.node().commit_index(), LogIndex{0});
  EXPECT_FALSE(h.observed_any<Commit>());
  // A client write of term 3 reaches n2: now both entries are committed.
  h.deliver(3, ClientRequest{Command{SessionId{9}, 1, Op::put, "k", "x", ""}});
  h.deliver(1, AppendEntriesReply{Term{3}, true, LogIndex{2}, Term{}, LogIndex{}, 1});
  EXPECT_EQ(h.node().commit_index(), LogIndex{2});
  const auto commits = h.observed<Commit>();
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(commits[0].index, LogIndex{2});
  EXPECT_EQ(commits[0].term, Term{3});
  EXPECT_EQ(commits[0].leader_term, Term{3});
  EXPECT_EQ(h.sent<ClientReply>().size(), 1u);
}

TEST(RaftPaper, S5_4_2_CommitOldTermBugCountsOldEntries) {
  Config cfg;
  cfg.bugs.commit_old_term = true;
  Harness h(3, cfg);
  leader_with_old_entry(h);
  h.deliver(1, AppendEntriesReply{Term{3}, true, LogIndex{1}, Term{}, LogIndex{}, 1});
  EXPECT_EQ(h.node().commit_index(), LogIndex{1});
  const auto commits = h.observed<Commit>();
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(commits[0].term, Term{2});         // an entry of an older term...
  EXPECT_EQ(commits[0].leader_term, Term{3});  // ...committed by counting in term 3
}

TEST(RaftPaper, S5_3_LeaderBacksOffWithTheConflictHint) {
  Harness h;
  h.deliver(1, append(1, 0, 0, {entry(1, 1), entry(1, 2), entry(1, 3)}));
  h.advance(sim::Duration::seconds(1));
  h.elect();
  // n2 reports that its log ends at index 1 (conflict_index = its length + 1, no conflicting term).
  h.deliver(1, AppendEntriesReply{h.node().current_term(), false, LogIndex{}, Term{}, LogIndex{2}, 1});
  auto again = h.sent<AppendEntries>();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].second.prev_log_index, LogIndex{1});
  EXPECT_EQ(again[0].second.entries.size(), 2u);
}

// Figure 2's "decrement nextIndex and retry" once per rejection: a duplicated or stale
// rejection (the network copies messages) must not start a second chain of probes to the same
// follower, or every copy doubles them. Only a rejection that moves nextIndex back retries at
// once; the heartbeat retries the rest.
TEST(RaftPaper, S5_3_ADuplicatedRejectionDoesNotProbeTwice) {
  Harness h;
  h.deliver(1, append(1, 0, 0, {entry(1, 1), entry(1, 2), entry(1, 3)}));
  h.advance(sim::Duration::seconds(1));
  h.elect();
  const AppendEntriesReply rejection{h.node().current_term(), false, LogIndex{}, Term{}, LogIndex{2}, 1};
  h.deliver(1, rejection);
  ASSERT_EQ(h.sent<AppendEntries>().size(), 1u);
  h.deliver(1, rejection);  // the copy
  EXPECT_TRUE(h.sent<AppendEntries>().empty());
  // A rejection that moves nextIndex further back still retries at once.
  h.deliver(1, AppendEntriesReply{h.node().current_term(), false, LogIndex{}, Term{}, LogIndex{1}, 1});
  ASSERT_EQ(h.sent<AppendEntries>().size(), 1u);
  EXPECT_EQ(h.sent<AppendEntries>()[0].second.prev_log_index, LogIndex{0});
}

TEST(RaftPaper, Persistence_VoteSurvivesACrashRightAfterTheGrant) {
  Harness h;
  h.deliver(1, RequestVote{Term{4}, sim::NodeId(1), LogIndex{0}, Term{0}, false});
  ASSERT_TRUE(h.sent<RequestVoteReply>()[0].second.vote_granted);
  h.crash_and_restart(true);  // after the handler's sync (the runtime's order): nothing unsynced is lost
  EXPECT_EQ(h.node().current_term(), Term{4});
  EXPECT_EQ(h.node().voted_for(), sim::NodeId(1));
  h.deliver(2, RequestVote{Term{4}, sim::NodeId(2), LogIndex{0}, Term{0}, false});
  EXPECT_FALSE(h.sent<RequestVoteReply>()[0].second.vote_granted);
}

TEST(RaftPaper, Persistence_ForgetVoteBugVotesTwiceAfterARestart) {
  Config cfg;
  cfg.bugs.forget_vote = true;
  Harness h(3, cfg);
  h.deliver(1, RequestVote{Term{4}, sim::NodeId(1), LogIndex{0}, Term{0}, false});
  h.crash_and_restart(true);
  h.deliver(2, RequestVote{Term{4}, sim::NodeId(2), LogIndex{0}, Term{0}, false});
  EXPECT_TRUE(h.sent<RequestVoteReply>()[0].second.vote_granted);
}

TEST(RaftPaper, Persistence_LogAndTermRecoverFromStorageAlone) {
  Harness h;
  h.deliver(1, append(2, 0, 0, {entry(1, 1), entry(2, 2)}));
  h.crash_and_restart(true);
  EXPECT_EQ(h.node().current_term(), Term{2});
  EXPECT_EQ(h.node().log().last_index(), LogIndex{2});
  EXPECT_EQ(h.node().log().at(LogIndex{2}).term, Term{2});
  EXPECT_EQ(h.node().commit_index(), LogIndex{0});  // volatile: relearned from the leader
}

TEST(RaftPaper, S9_6_PreVoteDoesNotChangeTheVotersTermOrVote) {
  Harness h;
  h.deliver(1, RequestVote{Term{7}, sim::NodeId(1), LogIndex{0}, Term{0}, true});
  auto r = h.sent<RequestVoteReply>();
  EXPECT_TRUE(r[0].second.vote_granted);
  EXPECT_TRUE(r[0].second.pre_vote);
  EXPECT_EQ(h.node().current_term(), Term{0});
  EXPECT_FALSE(h.node().voted_for().has_value());
  EXPECT_EQ(h.storage().get("current_term"), nullptr);
}

TEST(RaftPaper, S4_2_3_IgnoresVotesWhileALeaderIsHeard) {
  Harness h;
  h.deliver(1, append(2, 0, 0, {}));
  h.deliver(2, RequestVote{Term{3}, sim::NodeId(2), LogIndex{0}, Term{0}, true});
  EXPECT_FALSE(h.sent<RequestVoteReply>()[0].second.vote_granted);
  h.deliver(2, RequestVote{Term{3}, sim::NodeId(2), LogIndex{0}, Term{0}, false});
  EXPECT_FALSE(h.sent<RequestVoteReply>()[0].second.vote_granted);
  EXPECT_EQ(h.node().current_term(), Term{2});  // not disrupted
  h.advance(sim::Duration::millis(400));         // the leader went quiet
  h.deliver(2, RequestVote{Term{3}, sim::NodeId(2), LogIndex{0}, Term{0}, false});
  EXPECT_TRUE(h.sent<RequestVoteReply>()[0].second.vote_granted);
}

TEST(RaftPaper, S6_2_CheckQuorumLeaderStepsDownWithoutAMajority) {
  Harness h;
  h.elect();
  h.fire<CheckQuorumTimer>();
  EXPECT_FALSE(h.node().is_leader());
  const auto stepped = h.observed<SteppedDown>();
  ASSERT_EQ(stepped.size(), 1u);
  EXPECT_EQ(stepped[0].reason, StepDownReason::check_quorum);
}

TEST(RaftPaper, S8_FollowerRedirectsClientsToTheLeader) {
  Harness h;
  h.deliver(2, append(1, 0, 0, {}));  // the leader of term 1 is n2 (NodeId 1, the leader_id field)
  h.deliver(3, ClientRequest{Command{SessionId{9}, 1, Op::put, "k", "x", ""}});
  auto r = h.sent<ClientReply>();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].second.ok);
  EXPECT_EQ(r[0].second.leader_hint, sim::NodeId(1));
}

// A refusal says "not here"; only from a server that has not seen the command does it also
// say "not applied". A copy of a request (the network duplicates) reaching a follower whose log
// holds the command unapplied (appended while it led) is refused as `held`: the entry may yet
// commit. So is one applied.
TEST(RaftPaper, S8_ARefusalOfACommandTheFollowerHoldsSaysSo) {
  Harness h;
  const Command c = entry(2, 1).command;
  h.deliver(1, append(2, 0, 0, {entry(2, 1)}));
  h.deliver(3, ClientRequest{c});
  ASSERT_EQ(h.sent<ClientReply>().size(), 1u);
  EXPECT_FALSE(h.sent<ClientReply>()[0].second.ok);
  EXPECT_TRUE(h.sent<ClientReply>()[0].second.held) << "refused a command its log holds as if never seen";
  EXPECT_EQ(h.sent<ClientReply>()[0].second.leader_hint, sim::NodeId(1));
  Command other = c;
  other.seq = 2;
  h.deliver(3, ClientRequest{other});  // one it has not seen
  ASSERT_EQ(h.sent<ClientReply>().size(), 1u);
  EXPECT_FALSE(h.sent<ClientReply>()[0].second.held);
  h.deliver(1, append(2, 1, 2, {}, 1));  // committed and applied
  h.deliver(3, ClientRequest{c});
  ASSERT_EQ(h.sent<ClientReply>().size(), 1u);
  EXPECT_TRUE(h.sent<ClientReply>()[0].second.held) << "refused a command it applied as if never seen";
}

TEST(RaftPaper, S8_RetriedCommandAppliesOnce) {
  Harness h(1);  // a one-server cluster commits on its own
  h.fire<ElectionTimer>();
  ASSERT_TRUE(h.node().is_leader());
  h.deliver(1, ClientRequest{Command{SessionId{9}, 1, Op::append, "k", "x", ""}});
  h.deliver(1, ClientRequest{Command{SessionId{9}, 1, Op::append, "k", "x", ""}});  // the retry
  EXPECT_EQ(h.sent<ClientReply>().size(), 1u);
  EXPECT_EQ(h.node().kv().read("k"), "x");
  EXPECT_EQ(h.node().log().last_index(), LogIndex{1});
}

}  // namespace
}  // namespace dsim::raft
