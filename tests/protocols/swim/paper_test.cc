// SWIM paper tests: one member driven directly, named by the section of Das, Gupta, Motivala,
// "SWIM: Scalable Weakly-consistent Infection-style Process Group Membership Protocol" (DSN 2002)
// whose rule they check.
#include <gtest/gtest.h>

#include <set>

#include "protocols/gossip/swim/node.h"
#include "sim/testing.h"

namespace dsim::swim {
namespace {

class Harness : public sim::TestNode<Member> {
 public:
  explicit Harness(Config cfg, uint32_t members = 8, uint32_t self = 0)
      : TestNode(sim::Topology(members, 0), sim::NodeId(self), [cfg] { return std::make_unique<Member>(cfg); }) {}
  Member& member() { return process(); }
  // Fires the protocol period and returns the probe's ping.
  std::pair<sim::NodeId, Ping> probe() {
    advance(sim::Duration::seconds(1));
    fire<ProbeTimer>();
    auto pings = sent<Ping>();
    EXPECT_EQ(pings.size(), 1u);
    return pings.empty() ? std::pair<sim::NodeId, Ping>{} : pings.back();
  }
};

Update up(uint32_t m, State s, uint32_t inc) { return Update{sim::NodeId(m), s, inc}; }

bool carries(const std::vector<Update>& us, const Update& u) {
  for (const Update& x : us)
    if (x.member == u.member && x.state == u.state && x.incarnation == u.incarnation) return true;
  return false;
}

TEST(SwimPaper, S3_1_EveryPeriodTheMemberPingsOneOtherMember) {
  Harness h(Config{});
  const auto [to, ping] = h.probe();
  EXPECT_NE(to, sim::NodeId(0));
  EXPECT_LT(to.value, 8u);
}

TEST(SwimPaper, S3_1_AMissedAckSendsPingReqsThroughKOtherMembers) {
  Harness h(Config{});
  const auto [target, ping] = h.probe();
  h.fire<PingTimeout>();
  const auto reqs = h.sent<PingReq>();
  ASSERT_EQ(reqs.size(), 3u);  // k = 3
  std::set<uint32_t> helpers;
  for (const auto& [to, r] : reqs) {
    EXPECT_NE(to, target);
    EXPECT_NE(to, sim::NodeId(0));
    EXPECT_EQ(r.target, target);
    EXPECT_EQ(r.seq, ping.seq);
    helpers.insert(to.value);
  }
  EXPECT_EQ(helpers.size(), 3u);  // distinct
}

TEST(SwimPaper, S3_1_ADirectAckInTimeMeansNoPingReqAndNoSuspicion) {
  Harness h(Config{});
  const auto [target, ping] = h.probe();
  h.deliver(target, Ack{ping.seq, {}});
  h.fire<PingTimeout>();
  EXPECT_TRUE(h.sent<PingReq>().empty());
  h.probe();
  EXPECT_TRUE(h.observed<Status>().empty());
  EXPECT_EQ(h.member().entry(target.value).state, State::alive);
}

TEST(SwimPaper, S3_1_AnAckRelayedByAPingReqHelperCounts) {
  Harness h(Config{});
  const auto [target, ping] = h.probe();
  h.fire<PingTimeout>();
  const auto helper = h.sent<PingReq>().at(0).first;
  h.deliver(helper, Ack{ping.seq, {}});
  h.probe();
  EXPECT_EQ(h.member().entry(target.value).state, State::alive);
}

TEST(SwimPaper, S3_1_APingReqPingsTheTargetAndRelaysItsAck) {
  Harness h(Config{});
  h.deliver(1, PingReq{41, sim::NodeId(2), {}});
  const auto pings = h.sent<Ping>();
  ASSERT_EQ(pings.size(), 1u);
  EXPECT_EQ(pings[0].first, sim::NodeId(2));
  h.deliver(2, Ack{pings[0].second.seq, {}});
  const auto acks = h.sent<Ack>();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].first, sim::NodeId(1));
  EXPECT_EQ(acks[0].second.seq, 41u);
}

TEST(SwimPaper, S3_1_APingIsAnsweredWithAnAckOfTheSameSequenceNumber) {
  Harness h(Config{});
  h.deliver(5, Ping{9, {}});
  const auto acks = h.sent<Ack>();
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].first, sim::NodeId(5));
  EXPECT_EQ(acks[0].second.seq, 9u);
}

TEST(SwimPaper, S3_1_BasicSwimDeclaresAnUnansweredTargetFailedAtTheEndOfThePeriod) {
  Config c;
  c.suspicion = false;
  Harness h(c);
  const auto [target, ping] = h.probe();
  h.fire<PingTimeout>();
  h.probe();  // the period ends without an ack
  ASSERT_EQ(h.member().entry(target.value).state, State::dead);
  bool seen = false;
  for (const Status& s : h.observed<Status>())
    if (s.member == target && s.state == State::dead) seen = s.how == How::probe;
  EXPECT_TRUE(seen);
}

TEST(SwimPaper, S4_2_WithSuspicionAnUnansweredTargetIsSuspectedThenDeclaredDeadAfterTheTimeout) {
  Harness h(Config{});
  const auto [target, ping] = h.probe();
  h.fire<PingTimeout>();
  h.probe();
  ASSERT_EQ(h.member().entry(target.value).state, State::suspect);
  EXPECT_EQ(h.observed<Status>().at(0).how, How::probe);
  const sim::NodeId suspect = target;  // named: clang 14 cannot capture a structured binding
  h.fire_if<SuspicionTimeout>([&](const SuspicionTimeout& t) { return t.member == suspect; });
  EXPECT_EQ(h.member().entry(target.value).state, State::dead);
  ASSERT_EQ(h.observed<Status>().size(), 1u);
  EXPECT_EQ(h.observed<Status>()[0].how, How::timeout);
}

TEST(SwimPaper, S4_2_TheOverridingOrderOfAliveSuspectAndConfirm) {
  const auto e = [](State s, uint32_t inc) { return Entry{true, s, inc}; };
  // {Alive Ml, inc=i} overrides {Suspect Ml, inc=j} and {Alive Ml, inc=j} for i > j.
  EXPECT_TRUE(overrides(up(1, State::alive, 2), e(State::suspect, 1)));
  EXPECT_FALSE(overrides(up(1, State::alive, 1), e(State::suspect, 1)));
  EXPECT_TRUE(overrides(up(1, State::alive, 2), e(State::alive, 1)));
  EXPECT_FALSE(overrides(up(1, State::alive, 1), e(State::alive, 1)));
  // {Suspect Ml, inc=i} overrides {Suspect Ml, inc=j} for i > j and {Alive Ml, inc=j} for i >= j.
  EXPECT_TRUE(overrides(up(1, State::suspect, 2), e(State::suspect, 1)));
  EXPECT_FALSE(overrides(up(1, State::suspect, 1), e(State::suspect, 1)));
  EXPECT_TRUE(overrides(up(1, State::suspect, 1), e(State::alive, 1)));
  EXPECT_FALSE(overrides(up(1, State::suspect, 0), e(State::alive, 1)));
  // {Confirm Ml, inc=i} overrides Alive and Suspect (at any incarnation up to its own here).
  EXPECT_TRUE(overrides(up(1, State::dead, 1), e(State::alive, 1)));
  EXPECT_TRUE(overrides(up(1, State::dead, 1), e(State::suspect, 0)));
  // Our rejoin rule: a refutation with a higher incarnation revives; a stale death is ignored.
  EXPECT_TRUE(overrides(up(1, State::alive, 2), e(State::dead, 1)));
  EXPECT_FALSE(overrides(up(1, State::dead, 0), e(State::alive, 1)));
  // Anything about an unknown member is news.
  EXPECT_TRUE(overrides(up(1, State::alive, 0), Entry{}));
}

TEST(SwimPaper, S4_2_ARefutationCancelsTheSuspicion) {
  Harness h(Config{});
  h.deliver(1, Ping{1, {up(2, State::suspect, 0)}});
  ASSERT_EQ(h.member().entry(2).state, State::suspect);
  h.deliver(1, Ping{2, {up(2, State::alive, 0)}});  // not newer: ignored
  EXPECT_EQ(h.member().entry(2).state, State::suspect);
  h.deliver(1, Ping{3, {up(2, State::alive, 1)}});
  EXPECT_EQ(h.member().entry(2).state, State::alive);
  EXPECT_EQ(h.member().entry(2).incarnation, 1u);
}

TEST(SwimPaper, S4_2_ASuspectedMemberRefutesWithAHigherIncarnationNumber) {
  Harness h(Config{});
  h.deliver(1, Ping{1, {up(0, State::suspect, 0)}});
  ASSERT_EQ(h.observed<Refuted>().size(), 1u);
  EXPECT_EQ(h.member().incarnation(), 1u);
  EXPECT_TRUE(carries(h.sent<Ack>().at(0).second.updates, up(0, State::alive, 1)));  // said at once
  h.deliver(1, Ping{2, {up(0, State::dead, 4)}});  // declared dead: refuted too (rejoin)
  EXPECT_EQ(h.member().incarnation(), 5u);
  h.deliver(1, Ping{3, {up(0, State::suspect, 2)}});  // older than ours: nothing to refute
  EXPECT_TRUE(h.observed<Refuted>().empty());
  EXPECT_EQ(h.member().incarnation(), 5u);
}

TEST(SwimPaper, S4_2_BugNoIncarnationCannotRaiseItsIncarnation) {
  Config c;
  c.bugs.no_incarnation = true;
  Harness h(c);
  h.deliver(1, Ping{1, {up(0, State::suspect, 0)}});
  EXPECT_EQ(h.member().incarnation(), 0u);
  // What it says does not override the suspicion anywhere.
  EXPECT_FALSE(overrides(up(0, State::alive, 0), Entry{true, State::suspect, 0}));
}

TEST(SwimPaper, S4_1_EachUpdateIsPiggybackedABoundedNumberOfTimes) {
  Config c;
  Harness h(c);
  const Update news = up(3, State::alive, 1);
  h.deliver(1, Ping{1, {news}});
  uint32_t carried = carries(h.sent<Ack>().at(0).second.updates, news);  // the answer to the news already carries it
  for (uint32_t i = 0; i < 100; ++i) {
    h.deliver(2, Ping{10 + i, {}});
    carried += carries(h.sent<Ack>().at(0).second.updates, news);
  }
  EXPECT_EQ(carried, c.retransmits(8));  // ceil(3 ln 9) = 7
  EXPECT_EQ(carried, 7u);
  EXPECT_EQ(h.member().buffered(), 0u);
}

TEST(SwimPaper, S4_1_AtMostPiggybackUpdatesPerMessageTheLeastSentFirst) {
  Config c;
  c.piggyback = 2;
  Harness h(c);
  h.deliver(1, Ping{1, {up(2, State::alive, 1), up(3, State::alive, 1), up(4, State::alive, 1)}});
  EXPECT_EQ(h.sent<Ack>().at(0).second.updates.size(), 2u);
  h.deliver(1, Ping{2, {}});
  // The one not yet sent goes first.
  EXPECT_TRUE(carries(h.sent<Ack>().at(0).second.updates, up(4, State::alive, 1)));
}

TEST(SwimPaper, S4_1_BugDropPiggybackSendsNoUpdates) {
  Config c;
  c.bugs.drop_piggyback = true;
  Harness h(c);
  h.deliver(1, Ping{1, {up(3, State::alive, 1)}});
  EXPECT_EQ(h.member().entry(3).incarnation, 1u);  // it still learns
  EXPECT_TRUE(h.sent<Ack>().at(0).second.updates.empty());
}

TEST(SwimPaper, S4_3_RoundRobinProbesEveryOtherMemberOncePerTraversal) {
  Harness h(Config{});
  for (int traversal = 0; traversal < 3; ++traversal) {
    std::multiset<uint32_t> targets;
    for (int i = 0; i < 7; ++i) {
      const auto [to, ping] = h.probe();
      targets.insert(to.value);
      h.deliver(to, Ack{ping.seq, {}});
    }
    EXPECT_EQ(targets, (std::multiset<uint32_t>{1, 2, 3, 4, 5, 6, 7})) << "traversal " << traversal;
  }
}

TEST(SwimPaper, S4_3_RoundRobinSkipsMembersHeldDead) {
  Config c;
  c.reconnect_every = 0;  // no pings to the dead
  c.sync_every = 0;
  Harness h(c);
  h.deliver(1, Ping{1, {up(3, State::dead, 0), up(5, State::left, 0)}});
  for (int i = 0; i < 12; ++i) {
    const auto [to, ping] = h.probe();
    EXPECT_NE(to.value, 3u);
    EXPECT_NE(to.value, 5u);
    h.deliver(to, Ack{ping.seq, {}});
  }
}

TEST(SwimPaper, GossipToTheDeadTellsAMemberHeldDeadFirst) {
  Harness h(Config{});
  h.deliver(1, Ping{1, {up(2, State::dead, 3)}});
  h.deliver(2, Ping{2, {}});
  const auto acks = h.sent<Ack>();
  ASSERT_EQ(acks.size(), 1u);
  const auto& updates = acks[0].second.updates;
  ASSERT_FALSE(updates.empty());
  EXPECT_EQ(updates[0].member, sim::NodeId(2));
  EXPECT_EQ(updates[0].state, State::dead);
  EXPECT_EQ(updates[0].incarnation, 3u);
}

TEST(SwimPaper, AStaleSuspicionIsAnsweredWithTheRefutation) {
  Harness h(Config{});
  h.deliver(1, Ping{1, {up(2, State::alive, 1)}});
  for (int i = 0; i < 20; ++i) h.deliver(1, Ping{2 + static_cast<uint32_t>(i), {}});  // its retransmissions spent
  EXPECT_EQ(h.member().buffered(), 0u);
  h.deliver(4, Ping{50, {up(2, State::suspect, 0)}});
  EXPECT_TRUE(carries(h.sent<Ack>().at(0).second.updates, up(2, State::alive, 1)));
}

TEST(SwimPaper, AJoinerAsksAnInitialMemberForItsViewAndIsInOnceItArrives) {
  Config c;
  c.joiners = 1;
  Harness h(c, 4, 3);
  EXPECT_FALSE(h.member().joined());
  h.fire<JoinTimer>();
  const auto syncs = h.sent<Sync>();
  ASSERT_EQ(syncs.size(), 1u);
  EXPECT_LT(syncs[0].first.value, 3u);
  EXPECT_TRUE(syncs[0].second.reply);
  EXPECT_TRUE(carries(syncs[0].second.entries, up(3, State::alive, 0)));  // itself: not in the initial membership
  h.deliver(syncs[0].first, Sync{{up(1, State::dead, 0)}, false});
  EXPECT_TRUE(h.member().joined());
  EXPECT_EQ(h.observed<Joined>().size(), 1u);
  EXPECT_EQ(h.member().entry(1).state, State::dead);
}

TEST(SwimPaper, AnInitialMemberLearnsAJoinerFromItsSyncAndAnswersWithItsView) {
  Config c;
  c.joiners = 1;
  Harness h(c, 4, 0);
  EXPECT_FALSE(h.member().entry(3).known);
  h.deliver(1, Ping{1, {up(2, State::suspect, 0)}});
  h.deliver(3, Sync{{up(3, State::alive, 0)}, true});
  EXPECT_EQ(h.member().entry(3).state, State::alive);
  const auto replies = h.sent<Sync>();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_FALSE(replies[0].second.reply);
  EXPECT_TRUE(carries(replies[0].second.entries, up(2, State::suspect, 0)));
  EXPECT_TRUE(carries(replies[0].second.entries, up(3, State::alive, 0)));
}

TEST(SwimPaper, ALeaverAnnouncesItAndFallsSilent) {
  Config c;
  c.leavers = 1;
  Harness h(c, 8, 7);
  h.fire<LeaveTimer>();
  EXPECT_EQ(h.observed<Left>().size(), 1u);
  const auto syncs = h.sent<Sync>();
  ASSERT_FALSE(syncs.empty());
  EXPECT_TRUE(carries(syncs[0].second.entries, up(7, State::left, 0)));
  h.deliver(1, Ping{1, {}});
  EXPECT_TRUE(h.sent<Ack>().empty());
}

TEST(SwimPaper, ARestartedMemberRejoinsThroughAnInitialMember) {
  Harness h(Config{});
  h.crash_and_restart();
  const auto syncs = h.sent<Sync>();
  ASSERT_EQ(syncs.size(), 1u);
  EXPECT_TRUE(syncs[0].second.reply);
  EXPECT_FALSE(h.member().joined());
  h.deliver(syncs[0].first, Sync{{up(0, State::dead, 2)}, false});
  EXPECT_TRUE(h.member().joined());
  EXPECT_EQ(h.member().incarnation(), 3u);  // it was declared dead: refuted
}

}  // namespace
}  // namespace dsim::swim
