// Quorum-store paper tests, named by the rule they check: Dynamo (DeCandia et al., SOSP 2007)
// by section; dotted version vectors (Preguiça et al. 2010; Almeida et al. 2014); ABD (Attiya,
// Bar-Noy & Dolev 1995). The version rules are checked on the data structure, the protocol's on
// one server driven directly.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "protocols/quorum/node.h"
#include "protocols/quorum/ring.h"
#include "protocols/quorum/version.h"
#include "sim/testing.h"

namespace dsim::quorum {
namespace {

Dot dot(uint32_t n, uint64_t c) { return Dot{sim::NodeId(n), c}; }

VersionVector vv(std::initializer_list<std::pair<uint32_t, uint64_t>> entries) {
  VersionVector v;
  for (auto [n, c] : entries)
    for (uint64_t i = 1; i <= c; ++i) v.add(dot(n, i));
  return v;
}

// ---- versions ----

TEST(QuorumPaper, DVV_AWriteOverwritesExactlyTheSiblingsItsContextCovers) {
  Object o;
  o.update({}, sim::NodeId(0), 1, "a", 0, Resolution::dvv);  // blind
  o.update({}, sim::NodeId(1), 1, "b", 0, Resolution::dvv);  // blind, concurrent: a sibling
  ASSERT_EQ(o.siblings.size(), 2u);
  // A client that read only "a" writes "c": "a" goes, "b" (unseen) stays.
  o.update(vv({{0, 1}}), sim::NodeId(0), 2, "c", 0, Resolution::dvv);
  ASSERT_EQ(o.siblings.size(), 2u);
  EXPECT_EQ(o.siblings[0].value, "c");
  EXPECT_EQ(o.siblings[1].value, "b");
}

TEST(QuorumPaper, DVV_MergeKeepsWhatTheOtherSideNeverSawAndDropsWhatItOverwrote) {
  Object a, b;
  a.update({}, sim::NodeId(0), 1, "x", 0, Resolution::dvv);
  b = a;
  b.update(b.context, sim::NodeId(1), 1, "y", 0, Resolution::dvv);  // y overwrites x at b
  a.update({}, sim::NodeId(0), 2, "z", 0, Resolution::dvv);          // z, concurrent with y, at a
  Object m = a;
  m.merge(b, Resolution::dvv);
  std::set<std::string> values;
  for (const Sibling& s : m.siblings) values.insert(s.value);
  EXPECT_EQ(values, (std::set<std::string>{"y", "z"}));  // x was overwritten by y; z was never seen by b
  Object m2 = b;
  m2.merge(a, Resolution::dvv);
  EXPECT_EQ(m2, m);  // merge is commutative
}

TEST(QuorumPaper, CausalContext_AServersNewDotDoesNotClaimItsEarlierOnes) {
  // Almeida et al. §4: a context is a version vector plus a dot cloud. A server that writes its
  // event 5 of a key without holding 1..4 must not claim them.
  VersionVector c;
  c.add(dot(2, 5));
  EXPECT_TRUE(c.covers(dot(2, 5)));
  EXPECT_FALSE(c.covers(dot(2, 4)));
  EXPECT_EQ(c.max_counter(sim::NodeId(2)), 5u);
  c.join(vv({{2, 4}}));  // once 1..4 are seen, the cloud folds into the prefix
  EXPECT_TRUE(c.cloud.empty());
  EXPECT_EQ(c.base(sim::NodeId(2)), 5u);
  // The failure this prevents: a replica holding event 4 merges a copy whose context has only 5.
  Object holder;
  holder.update({}, sim::NodeId(2), 4, "four", 0, Resolution::dvv);
  Object newer;
  newer.update({}, sim::NodeId(2), 5, "five", 0, Resolution::dvv);
  holder.merge(newer, Resolution::dvv);
  EXPECT_EQ(holder.siblings.size(), 2u);
}

TEST(QuorumPaper, LWW_TheLargerTimestampWinsEvenAgainstACausallyLaterWrite) {
  Object o;
  o.update({}, sim::NodeId(0), 1, "first", 2'000, Resolution::lww);
  // Written after reading "first", but stamped by a clock that runs behind: it loses.
  o.update(o.context, sim::NodeId(1), 1, "second", 1'000, Resolution::lww);
  ASSERT_EQ(o.siblings.size(), 1u);
  EXPECT_EQ(o.siblings[0].value, "first");
}

// ---- the ring ----

TEST(QuorumPaper, S4_2_EveryKeyHasNDistinctHomeReplicasTheSameForEveryone) {
  std::vector<sim::NodeId> members;
  for (uint32_t i = 0; i < 7; ++i) members.push_back(sim::NodeId(i));
  const Ring a(members, 8), b(members, 8);
  std::map<uint32_t, int> first;  // virtual nodes spread the keys
  for (int k = 0; k < 700; ++k) {
    const std::string key = "k" + std::to_string(k);
    const auto pref = a.preference(key);
    ASSERT_EQ(pref.size(), 7u);
    EXPECT_EQ(std::set<sim::NodeId>(pref.begin(), pref.end()).size(), 7u);
    EXPECT_EQ(pref, b.preference(key));
    EXPECT_EQ(a.home(key, 3), std::vector<sim::NodeId>(pref.begin(), pref.begin() + 3));
    ++first[pref[0].value];
  }
  for (const auto& [n, count] : first) EXPECT_GT(count, 30) << "server " << n;  // 100 each on average
}

// ---- one server ----

constexpr uint32_t kServers = 5;
const sim::NodeId kClient(kServers);  // c1
const SessionId kSession{kServers};

class Harness : public sim::TestNode<Server> {
 public:
  explicit Harness(Config cfg, uint32_t self = 0)
      : TestNode(sim::Topology(kServers, 1), sim::NodeId(self), [cfg] { return std::make_unique<Server>(cfg); }) {}
  Server& server() { return process(); }
  // A key whose home replicas include (or, home = false, exclude) this server.
  std::string key(bool home) {
    for (int k = 0;; ++k) {
      const std::string key = "k" + std::to_string(k);
      if (server().ring().is_home(key, 3, sim::NodeId(0)) == home) return key;
    }
  }
  std::vector<sim::NodeId> homes(const std::string& key) { return server().ring().home(key, 3); }
};

TEST(QuorumPaper, S4_5_ACoordinatorWritesLocallySyncsAndRepliesAfterWMinusOneAcks) {
  Harness h(Config{});
  const std::string key = h.key(true);
  h.deliver(kClient, ClientPut{kSession, 1, key, "v", {}, false});
  EXPECT_TRUE(h.synced());
  ASSERT_EQ(h.observed<Wrote>().size(), 1u);
  EXPECT_EQ(h.observed<Wrote>()[0].dot, dot(0, 1));
  const auto reps = h.sent<Replicate>();
  ASSERT_EQ(reps.size(), 2u);  // the other N - 1 home replicas
  EXPECT_TRUE(h.sent<ClientReply>().empty());
  // W = 2: the coordinator's own write and one acknowledgement.
  h.deliver(reps[0].first, ReplicateAck{reps[0].second.op, key});
  const auto replies = h.sent<ClientReply>();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_TRUE(replies[0].second.ok);
  EXPECT_EQ(replies[0].second.dots, std::vector<Dot>{dot(0, 1)});
}

TEST(QuorumPaper, S4_5_AServerOutsideTheKeysPreferenceListForwardsTheWrite) {
  Harness h(Config{});
  const std::string key = h.key(false);
  h.deliver(kClient, ClientPut{kSession, 1, key, "v", {}, false});
  const auto fwd = h.sent<ClientPut>();
  ASSERT_EQ(fwd.size(), 1u);
  EXPECT_TRUE(fwd[0].second.forwarded);
  EXPECT_EQ(fwd[0].first, h.homes(key)[0]);
  EXPECT_TRUE(h.observed<Wrote>().empty());
}

TEST(QuorumPaper, S4_5_AReadWaitsForRRepliesReturnsEverySiblingAndRepairsStaleReplicas) {
  Harness h(Config{});
  const std::string key = h.key(false);  // the coordinator holds no copy
  h.deliver(kClient, ClientGet{kSession, 1, key});
  const auto reads = h.sent<Read>();
  ASSERT_EQ(reads.size(), 3u);
  Object x, y;
  x.update({}, reads[0].first, 1, "x", 0, Resolution::dvv);
  y.update({}, reads[1].first, 1, "y", 0, Resolution::dvv);
  h.deliver(reads[0].first, ReadReply{reads[0].second.op, key, x});
  EXPECT_TRUE(h.sent<ClientReply>().empty());  // R = 2
  h.deliver(reads[1].first, ReadReply{reads[1].second.op, key, y});
  const auto replies = h.sent<ClientReply>();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].second.values.size(), 2u);  // concurrent: both, for the client to merge
  // The third reply ends the read: every home replica that lacked a version is repaired.
  h.deliver(reads[2].first, ReadReply{reads[2].second.op, key, Object{}});
  std::set<sim::NodeId> repaired;
  for (const auto& [to, r] : h.sent<Repair>()) {
    repaired.insert(to);
    EXPECT_EQ(r.object.siblings.size(), 2u);
  }
  EXPECT_EQ(repaired, (std::set<sim::NodeId>{reads[0].first, reads[1].first, reads[2].first}));
}

TEST(QuorumPaper, S4_6_ATimedOutReplicaIsReplacedByTheNextHealthyServerWithAHint) {
  Harness h(Config{});
  const std::string key = h.key(true);
  h.deliver(kClient, ClientPut{kSession, 1, key, "v", {}, false});
  const auto reps = h.sent<Replicate>();
  ASSERT_EQ(reps.size(), 2u);
  const sim::NodeId slow = reps[1].first;
  h.advance(sim::Duration::millis(100));
  ASSERT_TRUE(h.fire_if<ReplicaTimeout>([&](const ReplicaTimeout& t) { return t.replica == slow; }));
  const auto fallback = h.sent<Replicate>();
  ASSERT_EQ(fallback.size(), 1u);
  EXPECT_FALSE(h.server().ring().is_home(key, 3, fallback[0].first));
  ASSERT_TRUE(fallback[0].second.hint.has_value());
  EXPECT_EQ(*fallback[0].second.hint, slow);
}

TEST(QuorumPaper, S4_6_StrictQuorumsNeverUseAFallback) {
  Config cfg;
  cfg.sloppy = false;
  Harness h(cfg);
  const std::string key = h.key(true);
  h.deliver(kClient, ClientPut{kSession, 1, key, "v", {}, false});
  const auto reps = h.sent<Replicate>();
  ASSERT_EQ(reps.size(), 2u);
  h.advance(sim::Duration::millis(100));
  ASSERT_TRUE(h.fire<ReplicaTimeout>());
  EXPECT_TRUE(h.sent<Replicate>().empty());
}

TEST(QuorumPaper, S4_6_AFallbackKeepsTheHintDurablyAndHandsItOffThenDeletesIt) {
  Harness h(Config{});
  const std::string key = h.key(false);
  const sim::NodeId owner = h.homes(key)[0];
  Object o;
  o.update({}, h.homes(key)[1], 1, "v", 0, Resolution::dvv);
  h.deliver(h.homes(key)[1], Replicate{7, key, o, owner});
  EXPECT_TRUE(h.synced());
  ASSERT_EQ(h.sent<ReplicateAck>().size(), 1u);
  ASSERT_EQ(h.observed<Hinted>().size(), 1u);
  h.crash_and_restart();  // the hint survives in storage
  ASSERT_EQ(h.server().keys().at(key).hints.count(owner), 1u);
  ASSERT_TRUE(h.fire<HandoffTimer>());
  const auto handoffs = h.sent<Handoff>();
  ASSERT_EQ(handoffs.size(), 1u);
  EXPECT_EQ(handoffs[0].first, owner);
  h.deliver(owner, HandoffAck{key, o.context});
  EXPECT_EQ(h.server().keys().at(key).hints.count(owner), 0u);
  EXPECT_EQ(h.observed<HandedOff>().size(), 1u);
}

TEST(QuorumPaper, LoseHintsBugDropsHintsOnRestart) {
  Config cfg;
  cfg.bugs.lose_hints = true;
  Harness h(cfg);
  const std::string key = h.key(false);
  Object o;
  o.update({}, h.homes(key)[1], 1, "v", 0, Resolution::dvv);
  h.deliver(h.homes(key)[1], Replicate{7, key, o, h.homes(key)[0]});
  h.crash_and_restart();
  EXPECT_TRUE(h.server().keys().count(key) == 0 || h.server().keys().at(key).hints.empty());
}

TEST(QuorumPaper, ARestartedReplicaReloadsItsCopiesAndItsDotCounter) {
  Harness h(Config{});
  const std::string key = h.key(true);
  h.deliver(kClient, ClientPut{kSession, 1, key, "v", {}, false});
  h.crash_and_restart();
  EXPECT_EQ(h.server().keys().at(key).home.siblings.size(), 1u);
  h.deliver(kClient, ClientPut{kSession, 2, key, "w", {}, false});
  EXPECT_EQ(h.observed<Wrote>().at(0).dot, dot(0, 2));  // never dot 1 again
}

TEST(QuorumPaper, S4_7_MerkleTreesOfEqualCopiesAgreeAndOneDifferingKeyShowsInOneLeaf) {
  MerkleTree a, b;
  Object x, y;
  x.update({}, sim::NodeId(0), 1, "x", 0, Resolution::dvv);
  y.update({}, sim::NodeId(1), 1, "y", 0, Resolution::dvv);
  a.add("k1", x);  // order does not matter
  a.add("k2", y);
  b.add("k2", y);
  b.add("k1", x);
  EXPECT_EQ(a.hash(0, 0), b.hash(0, 0));
  Object x2 = x;
  x2.update(x.context, sim::NodeId(0), 2, "x2", 0, Resolution::dvv);
  MerkleTree c;
  c.add("k1", x2);
  c.add("k2", y);
  EXPECT_NE(a.hash(0, 0), c.hash(0, 0));
  uint32_t differing = 0;
  for (uint32_t leaf = 0; leaf < MerkleTree::kLeaves; ++leaf)
    differing += a.hash(MerkleTree::kDepth, leaf) != c.hash(MerkleTree::kDepth, leaf) ? 1 : 0;
  EXPECT_EQ(differing, 1u);
}

TEST(QuorumPaper, S4_7_AntiEntropyDescendsOnlyIntoDifferingSubtreesAndExchangesTheirKeys) {
  Config cfg;
  cfg.anti_entropy = sim::Duration::millis(500);
  Harness h(cfg);
  // A key both this server and a peer host; the peer's hashes say it has nothing.
  const std::string key = h.key(true);
  sim::NodeId peer = h.homes(key)[0] == sim::NodeId(0) ? h.homes(key)[1] : h.homes(key)[0];
  Object o;
  o.update({}, sim::NodeId(0), 1, "v", 0, Resolution::dvv);
  h.deliver(peer, Repair{key, o});
  const MerkleTree empty;
  h.deliver(peer, AeHashes{0, {0}, {empty.hash(0, 0)}});
  auto down = h.sent<AeHashes>();
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].second.level, 1u);
  EXPECT_EQ(down[0].second.nodes.size(), MerkleTree::kFanout);  // the root's children
  // Level 2 as the peer would send it for the one level-1 node on the key's path: only the node
  // on the path differs, so only its children come back.
  const uint32_t leaf = MerkleTree::leaf_of(key);
  const uint32_t at2 = leaf / MerkleTree::kFanout, at1 = at2 / MerkleTree::kFanout;
  AeHashes level2{2, {}, {}};
  for (uint32_t c = 0; c < MerkleTree::kFanout; ++c) {
    level2.nodes.push_back(at1 * MerkleTree::kFanout + c);
    level2.hashes.push_back(empty.hash(2, at1 * MerkleTree::kFanout + c));
  }
  h.deliver(peer, level2);
  down = h.sent<AeHashes>();
  ASSERT_EQ(down.size(), 1u);
  EXPECT_EQ(down[0].second.level, 3u);
  EXPECT_EQ(down[0].second.nodes.size(), MerkleTree::kFanout);
  EXPECT_EQ(down[0].second.nodes[0], at2 * MerkleTree::kFanout);
  // The leaves.
  h.deliver(peer, AeHashes{MerkleTree::kDepth, {leaf}, {empty.hash(MerkleTree::kDepth, leaf)}});
  const auto data = h.sent<AeData>();
  ASSERT_EQ(data.size(), 1u);
  EXPECT_EQ(data[0].second.leaves, std::vector<uint32_t>{leaf});
  ASSERT_EQ(data[0].second.copies.size(), 1u);
  EXPECT_EQ(data[0].second.copies[0].key, key);
  // The peer's answer is merged.
  Object theirs_copy;
  theirs_copy.update({}, peer, 1, "w", 0, Resolution::dvv);
  h.deliver(peer, AeData{{leaf}, {KeyCopy{key, theirs_copy}}, true});
  EXPECT_EQ(h.server().keys().at(key).home.siblings.size(), 2u);
  EXPECT_EQ(h.observed<AeRepaired>().size(), 1u);
  EXPECT_TRUE(h.sent<AeData>().empty());  // a reply is not answered
}

TEST(QuorumPaper, S4_9_WhenAServerJoinsTheKeysItTakesOverMoveToItAndTheOldHomeDropsThem) {
  Config cfg;
  cfg.joiners = 1;  // n5 (index 4) starts outside the ring
  Harness h(cfg);
  // A key that server 0 hosts before the join and not after it: n5 takes its place.
  const std::vector<sim::NodeId> before{sim::NodeId(0), sim::NodeId(1), sim::NodeId(2), sim::NodeId(3)};
  const std::vector<sim::NodeId> after{sim::NodeId(0), sim::NodeId(1), sim::NodeId(2), sim::NodeId(3), sim::NodeId(4)};
  const Ring r0(before, cfg.vnodes), r1(after, cfg.vnodes);
  std::string key;
  for (int k = 0; key.empty(); ++k) {
    const std::string c = "k" + std::to_string(k);
    if (r0.is_home(c, 3, sim::NodeId(0)) && !r1.is_home(c, 3, sim::NodeId(0))) key = c;
  }
  h.deliver(kClient, ClientPut{kSession, 1, key, "v", {}, false});
  ASSERT_EQ(h.observed<Wrote>().size(), 1u);
  const Object copy = h.server().keys().at(key).home;
  h.deliver(sim::NodeId(4), RingState{{sim::NodeId(4)}, {}});
  EXPECT_TRUE(h.synced());  // the membership change is durable
  std::set<sim::NodeId> to;
  for (const auto& [n, m] : h.sent<Handoff>())
    if (m.key == key) to.insert(n);
  const auto homes = r1.home(key, 3);
  EXPECT_EQ(to, std::set<sim::NodeId>(homes.begin(), homes.end()));  // every new home replica
  for (sim::NodeId n : homes) h.deliver(n, HandoffAck{key, copy.context});
  EXPECT_EQ(h.observed<Transferred>().size(), 1u);  // after the last acknowledgement
  EXPECT_TRUE(h.server().keys().at(key).home.empty());
}

TEST(QuorumPaper, S4_9_ALeavingServerAnnouncesItAndHandsEveryKeyOn) {
  Config cfg;
  cfg.leavers = 1;  // n1 (index 0) leaves at leave_at
  Harness h(cfg);
  const std::string key = h.key(true);
  h.deliver(kClient, ClientPut{kSession, 1, key, "v", {}, false});
  h.advance(cfg.leave_at);
  ASSERT_TRUE(h.fire<LeaveTimer>());
  EXPECT_EQ(h.observed<Left>().size(), 1u);
  EXPECT_EQ(h.sent<RingState>().size(), kServers - 1);  // announced to every other server
  EXPECT_FALSE(h.server().ring().is_home(key, 3, sim::NodeId(0)));
  std::set<sim::NodeId> to;
  for (const auto& [n, m] : h.sent<Handoff>())
    if (m.key == key) to.insert(n);
  EXPECT_EQ(to.size(), 3u);
}

TEST(QuorumPaper, ABD_AWriteQueriesRThenStoresUnderALargerTagAtW) {
  Config cfg;
  cfg.mode = Mode::abd;
  Harness h(cfg);
  const std::string key = h.key(false);
  h.deliver(kClient, ClientPut{kSession, 1, key, "v", {}, false});
  const auto queries = h.sent<AbdQuery>();
  ASSERT_EQ(queries.size(), 3u);
  h.deliver(queries[0].first, AbdValue{queries[0].second.op, key, Tag{4, sim::NodeId(2), 9}, "old"});
  EXPECT_TRUE(h.sent<AbdStore>().empty());
  h.deliver(queries[1].first, AbdValue{queries[1].second.op, key, Tag{2, sim::NodeId(1), 3}, "older"});
  const auto stores = h.sent<AbdStore>();
  ASSERT_EQ(stores.size(), 3u);
  EXPECT_EQ(stores[0].second.tag.counter, 5u);  // the largest tag seen, plus one
  EXPECT_EQ(stores[0].second.tag.writer, sim::NodeId(0));
  EXPECT_EQ(stores[0].second.value, std::optional<std::string>("v"));
  h.deliver(stores[0].first, AbdStored{stores[0].second.op, key});
  EXPECT_TRUE(h.sent<ClientReply>().empty());  // W = 2
  h.deliver(stores[1].first, AbdStored{stores[1].second.op, key});
  ASSERT_EQ(h.sent<ClientReply>().size(), 1u);
  EXPECT_TRUE(h.sent<ClientReply>()[0].second.ok);
}

TEST(QuorumPaper, ABD_AReadWritesTheNewestValueBackBeforeReturningIt) {
  Config cfg;
  cfg.mode = Mode::abd;
  Harness h(cfg);
  const std::string key = h.key(false);
  h.deliver(kClient, ClientGet{kSession, 1, key});
  const auto queries = h.sent<AbdQuery>();
  ASSERT_EQ(queries.size(), 3u);
  h.deliver(queries[0].first, AbdValue{queries[0].second.op, key, Tag{3, sim::NodeId(1), 1}, "new"});
  h.deliver(queries[1].first, AbdValue{queries[1].second.op, key, Tag{}, std::nullopt});
  EXPECT_TRUE(h.sent<ClientReply>().empty());  // not before the write-back
  const auto stores = h.sent<AbdStore>();
  ASSERT_EQ(stores.size(), 3u);
  EXPECT_EQ(stores[0].second.tag, (Tag{3, sim::NodeId(1), 1}));
  h.deliver(stores[0].first, AbdStored{stores[0].second.op, key});
  h.deliver(stores[1].first, AbdStored{stores[1].second.op, key});
  const auto replies = h.sent<ClientReply>();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].second.values, std::vector<std::string>{"new"});
}

}  // namespace
}  // namespace dsim::quorum
