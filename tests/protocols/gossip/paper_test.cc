// Gossip paper tests: one member driven directly, named by the section of Demers et al.,
// "Epidemic Algorithms for Replicated Database Maintenance" (PODC 1987) whose rule they check.
#include <gtest/gtest.h>

#include "protocols/gossip/node.h"
#include "sim/testing.h"

namespace dsim::gossip {
namespace {

Config rumor(uint32_t k = 1) {
  Config c;
  c.updates = 0;
  c.k = k;
  return c;
}

class Harness : public sim::TestNode<Member> {
 public:
  explicit Harness(Config cfg, uint32_t members = 4)
      : TestNode(sim::Topology(members, 0), sim::NodeId(0), [cfg] { return std::make_unique<Member>(cfg); }) {}
  Member& member() { return process(); }
};

Entry entry(uint64_t key, uint64_t version) {
  std::string value = "v";  // (appended: GCC 12 -O2 warns falsely on "v" + to_string(...))
  value += std::to_string(version);
  return Entry{key, version, value};
}

TEST(GossipPaper, S1_1_ANewerVersionReplacesAnOlderOneAndNeverTheReverse) {
  Harness h(rumor());
  h.deliver(1, Rumor{{entry(7, 3)}});
  EXPECT_EQ(h.member().store().at(7).version, 3u);
  h.deliver(2, Rumor{{entry(7, 2)}});
  EXPECT_EQ(h.member().store().at(7).version, 3u);
  EXPECT_EQ(h.sent<Feedback>().at(0).second.known, std::vector<uint64_t>{2});  // already superseded: unnecessary
  h.deliver(2, Rumor{{entry(7, 5)}});
  EXPECT_EQ(h.member().store().at(7).version, 5u);
  EXPECT_EQ(h.member().hot().count(3), 0u);  // the superseded rumor is no longer hot
  EXPECT_EQ(h.observed<LostInterest>().size(), 1u);
}

TEST(GossipPaper, S1_4_ALearnedUpdateBecomesAHotRumorPushedToOneMemberPerCycle) {
  Harness h(rumor());
  h.deliver(1, Rumor{{entry(1, 1)}});
  ASSERT_EQ(h.observed<Infective>().size(), 1u);
  h.advance(sim::Duration::millis(100));
  h.fire<CycleTimer>();
  const auto pushes = h.sent<Rumor>();
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_NE(pushes[0].first, sim::NodeId(0));  // never itself
  EXPECT_EQ(pushes[0].second.entries.at(0).version, 1u);
}

TEST(GossipPaper, S1_4_FeedbackWithCounterLosesInterestAfterKUnnecessaryContacts) {
  Harness h(rumor(2));
  h.deliver(1, Rumor{{entry(1, 1)}});
  h.deliver(2, Feedback{{1}});
  EXPECT_EQ(h.member().hot().count(1), 1u);  // one of two
  h.deliver(3, Feedback{{}});                // a necessary contact does not count
  EXPECT_EQ(h.member().hot().count(1), 1u);
  h.deliver(2, Feedback{{1}});
  EXPECT_EQ(h.member().hot().count(1), 0u);
  ASSERT_EQ(h.observed<LostInterest>().size(), 1u);
}

TEST(GossipPaper, S1_4_BlindCounterLosesInterestAfterKPushesWhateverThePeerKnew) {
  Config c = rumor(2);
  c.loss = Loss::blind;
  Harness h(c);
  h.deliver(1, Rumor{{entry(1, 1)}});
  EXPECT_TRUE(h.sent<Feedback>().empty());  // blind: no feedback
  h.advance(sim::Duration::millis(100));
  h.fire<CycleTimer>();
  EXPECT_EQ(h.member().hot().count(1), 1u);
  h.advance(sim::Duration::millis(100));
  h.fire<CycleTimer>();
  EXPECT_EQ(h.member().hot().count(1), 0u);
}

TEST(GossipPaper, S1_4_CoinWithKOneLosesInterestAtTheFirstCountedContact) {
  Config c = rumor(1);
  c.stop = Stop::coin;
  Harness h(c);
  h.deliver(1, Rumor{{entry(1, 1)}});
  h.deliver(2, Feedback{{1}});
  EXPECT_EQ(h.member().hot().count(1), 0u);  // probability 1/k = 1
}

TEST(GossipPaper, Bug_NoFeedbackNeverLosesInterest) {
  Config c = rumor(1);
  c.bugs.no_feedback = true;
  Harness h(c);
  h.deliver(1, Rumor{{entry(1, 1)}});
  for (int i = 0; i < 10; ++i) h.deliver(2, Feedback{{1}});
  EXPECT_EQ(h.member().hot().count(1), 1u);
}

TEST(GossipPaper, Cycles_ContactsOfOneCycleHappenAllAtOnce) {
  Harness h(rumor());
  h.advance(sim::Duration::millis(5));  // inside cycle 0 of 100ms
  h.deliver(1, Rumor{{entry(1, 1)}});
  h.deliver(2, Rumor{{entry(1, 1)}});  // the same cycle: it did not know the rumor when the cycle began
  EXPECT_TRUE(h.sent<Feedback>().at(0).second.known.empty());
  h.advance(sim::Duration::millis(100));  // the next cycle
  h.deliver(3, Rumor{{entry(1, 1)}});
  EXPECT_EQ(h.sent<Feedback>().at(0).second.known, std::vector<uint64_t>{1});
}

TEST(GossipPaper, Cycles_EveryMembersPeriodFiresAtTheMultiplesOfThePeriod) {
  Harness h(rumor());
  // Armed at start (time 1s in the harness): the next multiple of 100ms.
  ASSERT_EQ(h.armed<CycleTimer>().size(), 1u);
  h.advance(sim::Duration::millis(37));
  h.fire<CycleTimer>();
  EXPECT_EQ(h.armed<CycleTimer>().size(), 1u);
}

TEST(GossipPaper, S1_3_PullAntiEntropyAnswersADigestWithTheNewerEntriesOnly) {
  Config c = rumor();
  c.spread = Spread::anti_entropy;
  Harness h(c);
  h.deliver(1, AeEntries{{entry(1, 4), entry(2, 2), entry(3, 1)}, false});
  h.deliver(2, AeDigest{{{1, 4}, {2, 5}}, DigestAsk::newer});
  const auto replies = h.sent<AeEntries>();
  ASSERT_EQ(replies.size(), 1u);
  ASSERT_EQ(replies[0].second.entries.size(), 1u);  // key 3 only: key 1 equal, key 2 older here
  EXPECT_EQ(replies[0].second.entries[0].key, 3u);
  EXPECT_TRUE(h.sent<AeWant>().empty());
}

TEST(GossipPaper, S1_3_PushPullDigestAsksForWhatItLacksAndSendsWhatIsNewer) {
  Config c = rumor();
  c.spread = Spread::anti_entropy;
  Harness h(c);
  h.deliver(1, AeEntries{{entry(1, 4), entry(2, 2)}, false});
  h.deliver(2, AeDigest{{{1, 1}, {2, 5}, {9, 1}}, DigestAsk::both});
  ASSERT_EQ(h.sent<AeEntries>().size(), 1u);
  EXPECT_EQ(h.sent<AeEntries>()[0].second.entries.at(0).key, 1u);
  ASSERT_EQ(h.sent<AeWant>().size(), 1u);
  EXPECT_EQ(h.sent<AeWant>()[0].second.keys, (std::vector<uint64_t>{2, 9}));
  h.deliver(2, AeWant{{1, 8}});  // key 8 unknown here: only key 1 is sent
  EXPECT_EQ(h.sent<AeEntries>().at(0).second.entries.size(), 1u);
}

TEST(GossipPaper, Bug_FirstWriterWinsKeepsTheFirstVersionSeen) {
  Config c = rumor();
  c.bugs.first_writer_wins = true;
  Harness h(c);
  h.deliver(1, Rumor{{entry(7, 1)}});
  h.deliver(2, Rumor{{entry(7, 6)}});
  EXPECT_EQ(h.member().store().at(7).version, 1u);
}

}  // namespace
}  // namespace dsim::gossip
