// Storage that takes time and fails (sim/storage.h, sim/simulation.h StorageModel): a sync's
// sends leave when it completes, syncs queue on the node's one disk, a crash before completion
// loses the held sends and (when it loses unsynced writes) the writes; a sync that lies loses
// its writes at the next crash; a corrupted record is a read error that fail-stops a node that
// does not handle it, and is cleared by a rewrite.
#include <gtest/gtest.h>

#include <variant>

#include "sim/simulation.h"

namespace dsim::sim {
namespace {

struct Ping {
  static constexpr std::string_view type_name = "sm.ping";
  int64_t n = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("n", self.n); }
};
using SmMessage = std::variant<Ping>;

// What the writer reports having written ("wrote n").
struct SmWrote {
  static constexpr std::string_view type_name = "sm.wrote";
  int64_t n = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("n", self.n); }
};

// Records every send's and observation's trace time, and the order of observations and crashes.
struct SendTimes : TraceSink {
  std::vector<int64_t> sends, observed;
  std::vector<nlohmann::json> crashes;
  std::vector<std::string> story;  // "wrote 1", "crash"
  void on_event(const TraceEvent& ev) override {
    if (ev.kind == TraceKind::send) sends.push_back(ev.time.ns());
    if (ev.kind == TraceKind::crash) {
      crashes.push_back(*ev.data);
      story.push_back("crash");
    }
    if (const SmWrote* w = ev.observed<SmWrote>()) {
      observed.push_back(ev.time.ns());
      story.push_back("wrote " + std::to_string(w->n));
    }
  }
};

// n1 writes "k" = n, asks for a sync and sends Ping{n} to n2 at 1ms, 2ms (from its on_start:
// two handlers' worth, driven by the test through messages to itself is overkill: a timer).
struct SmTick {
  static constexpr std::string_view type_name = "sm.tick";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};
using SmTimer = std::variant<SmTick>;

class Writer final : public ProcessOf<SmMessage, SmTimer> {
 public:
  explicit Writer(bool sync_second = true, int ticks = 2) : sync_second_(sync_second), ticks_(ticks) {}
  void on_start(Context& ctx) override {
    if (ctx.self().value != 0) return;
    // Recovery reads what survived.
    if (const auto* k = ctx.storage().get("k")) recovered = k->get<int64_t>();
    if (ctx.incarnation() == 0)
      for (int i = 1; i <= ticks_; ++i) set_timer(ctx, Duration::millis(i), SmTick{});
  }
  void on_message(Context&, NodeId, const SmMessage&) override {}
  void on_timer(Context& ctx, TimerId, const SmTimer&) override {
    ++n;
    ctx.storage().put("k", n);
    if (n == 1 || sync_second_) ctx.sync();
    ctx.observe(SmWrote{n});
    send(ctx, NodeId(1), Ping{n});
  }
  bool sync_second_;
  int ticks_;
  int64_t n = 0;
  int64_t recovered = -1;
};

NetworkConfig fixed_network() {
  NetworkConfig net;
  net.defaults.latency.kind = LatencyDist::Kind::constant;
  net.defaults.latency.a = Duration::micros(100);
  return net;
}

LatencyDist constant(Duration d) {
  LatencyDist l;
  l.kind = LatencyDist::Kind::constant;
  l.a = d;
  return l;
}

struct Rig {
  explicit Rig(bool sync_second = true, int ticks = 2)
      : sim{SimOptions{1, Duration::seconds(1)}, Topology(2, 0), fixed_network(),
            [sync_second, ticks](NodeId, const Topology&) { return std::make_unique<Writer>(sync_second, ticks); }} {
    sim.add_sink(&times);
  }
  Simulation sim;
  SendTimes times;
  Writer& writer() { return *static_cast<Writer*>(sim.process(NodeId(0))); }
  void run_until(Duration t) {
    sim.schedule(Time::zero() + t, [] {});
    while (sim.now() < Time::zero() + t && sim.step()) {
    }
  }
};

TEST(StorageModel, InstantByDefault) {
  Rig rig;
  rig.sim.run();
  ASSERT_EQ(rig.times.sends.size(), 2u);
  EXPECT_EQ(rig.times.sends[0], 1'000'000);
  EXPECT_EQ(rig.times.sends[1], 2'000'000);
  EXPECT_EQ(rig.sim.stats().syncs_delayed, 0u);
}

TEST(StorageModel, SendsLeaveWhenTheSyncCompletesAndSyncsQueueOnOneDisk) {
  Rig rig;
  StorageModel m;
  m.sync = constant(Duration::millis(5));
  rig.sim.set_storage(m);
  rig.sim.run();
  ASSERT_EQ(rig.times.sends.size(), 2u);
  EXPECT_EQ(rig.times.sends[0], 6'000'000);   // asked at 1ms, 5ms on the disk
  EXPECT_EQ(rig.times.sends[1], 11'000'000);  // asked at 2ms, waits for the first: 6ms + 5ms
  EXPECT_EQ(rig.sim.stats().syncs_delayed, 2u);
}

// The second handler syncs nothing, yet its send waits for the first handler's sync: it could
// report state that sync has not made durable (a follower acknowledging entries on a heartbeat).
TEST(StorageModel, ASendNeverOvertakesASyncInProgress) {
  Rig rig(/*sync_second=*/false);
  StorageModel m;
  m.sync = constant(Duration::millis(5));
  rig.sim.set_storage(m);
  rig.sim.run();
  ASSERT_EQ(rig.times.sends.size(), 2u);
  EXPECT_EQ(rig.times.sends[0], 6'000'000);
  EXPECT_EQ(rig.times.sends[1], 6'000'000);
  EXPECT_EQ(rig.sim.stats().syncs_delayed, 1u);
}

// Group commit: syncs asked for while one is in progress and another waits join the waiting
// one, so a disk slower than the requests never builds a backlog beyond two syncs.
TEST(StorageModel, SyncsAskedForWhileTwoArePendingJoinTheWaitingOne) {
  Rig rig(/*sync_second=*/true, /*ticks=*/5);
  StorageModel m;
  m.sync = constant(Duration::millis(5));
  rig.sim.set_storage(m);
  rig.sim.run();
  // Asked at 1..5ms: the first completes at 6ms, the rest leave together at 11ms.
  EXPECT_EQ(rig.times.sends, (std::vector<int64_t>{6'000'000, 11'000'000, 11'000'000, 11'000'000, 11'000'000}));
  EXPECT_EQ(rig.sim.stats().syncs_delayed, 2u);
}

TEST(StorageModel, PerNodeLatencyOverridesTheDefault) {
  Rig rig;
  StorageModel m;
  m.sync = constant(Duration::millis(5));
  m.nodes[NodeId(0)] = constant(Duration::millis(1));
  rig.sim.set_storage(m);
  rig.sim.run();
  ASSERT_EQ(rig.times.sends.size(), 2u);
  EXPECT_EQ(rig.times.sends[0], 2'000'000);
  EXPECT_EQ(rig.times.sends[1], 3'000'000);
}

TEST(StorageModel, ACrashBeforeTheSyncCompletesLosesItsSendsAndWrites) {
  Rig rig;
  StorageModel m;
  m.sync = constant(Duration::millis(5));
  rig.sim.set_storage(m);
  rig.run_until(Duration::millis(3));  // both syncs in progress
  rig.sim.crash(NodeId(0), /*lose_unsynced=*/true);
  rig.sim.restart(NodeId(0));
  EXPECT_EQ(rig.writer().recovered, -1);  // neither write became durable
  rig.sim.run();
  EXPECT_TRUE(rig.times.sends.empty());
  ASSERT_EQ(rig.times.crashes.size(), 1u);
  EXPECT_EQ(rig.times.crashes[0].at("held_sends"), 2);
}

TEST(StorageModel, ACompletedSyncSurvivesACrash) {
  Rig rig;
  StorageModel m;
  m.sync = constant(Duration::millis(5));
  rig.sim.set_storage(m);
  rig.run_until(Duration::millis(7));  // the first sync completed at 6ms, the second runs to 11ms
  rig.sim.crash(NodeId(0), /*lose_unsynced=*/true);
  rig.sim.restart(NodeId(0));
  // A sync covers every write made before it completes: the second write (at 2ms) too.
  EXPECT_EQ(rig.writer().recovered, 2);
  EXPECT_EQ(rig.times.sends.size(), 1u);
}

TEST(StorageModel, ALatencySpikeDelaysEvenAnInstantDisk) {
  Rig rig;
  rig.sim.add_sync_extra(NodeId(0), Duration::millis(3));
  rig.run_until(Duration::millis(1) + Duration::micros(500));
  rig.sim.add_sync_extra(NodeId(0), -Duration::millis(3));  // the spike ends: the second sync is instant again
  rig.sim.run();
  ASSERT_EQ(rig.times.sends.size(), 2u);
  EXPECT_EQ(rig.times.sends[0], 4'000'000);
  // The disk is busy with the first sync until 4ms: the second queues behind it.
  EXPECT_EQ(rig.times.sends[1], 4'000'000);
}

TEST(StorageModel, ASyncThatLiesLosesItsWritesAtTheNextCrash) {
  Rig rig;
  rig.sim.add_sync_lies(NodeId(0), 1);
  rig.run_until(Duration::millis(3));
  EXPECT_EQ(rig.times.sends.size(), 2u);  // the sends left: the syncs reported success
  rig.sim.crash(NodeId(0), /*lose_unsynced=*/false);  // an ordinary crash, yet the writes are gone
  rig.sim.restart(NodeId(0));
  EXPECT_EQ(rig.writer().recovered, -1);
  EXPECT_EQ(rig.times.crashes.at(0).at("lied_syncs_lost"), true);
}

TEST(StorageModel, WithoutTheLieTheSameCrashKeepsTheWrites) {
  Rig rig;
  rig.run_until(Duration::millis(3));
  rig.sim.crash(NodeId(0), /*lose_unsynced=*/false);
  rig.sim.restart(NodeId(0));
  EXPECT_EQ(rig.writer().recovered, 2);
}

TEST(StorageModel, ACorruptedRecordFailStopsANodeThatDoesNotHandleIt) {
  Rig rig;
  rig.run_until(Duration::millis(3));
  rig.sim.crash(NodeId(0));
  Rng rng(7);
  EXPECT_EQ(rig.sim.corrupt_storage(NodeId(0), rng), "key \"k\"");
  rig.sim.restart(NodeId(0));  // on_start reads "k": a read error it does not catch
  EXPECT_FALSE(rig.sim.is_up(NodeId(0)));
  ASSERT_EQ(rig.times.crashes.size(), 2u);
  EXPECT_EQ(rig.times.crashes[1].at("storage_error"), "record \"k\" failed its checksum");
}

TEST(StorageModel, ARewriteClearsTheCorruption) {
  Storage s;
  s.put("a", 1);
  s.sync();
  EXPECT_EQ(s.corrupt([](uint64_t) { return 0; }), "key \"a\"");
  EXPECT_THROW(s.get("a"), StorageReadError);
  s.put("a", 2);
  EXPECT_EQ(s.get("a")->get<int>(), 2);  // the unsynced write shadows the bad record
  s.sync();
  EXPECT_EQ(s.get("a")->get<int>(), 2);
  EXPECT_EQ(Storage().corrupt([](uint64_t) { return 0; }), "");  // nothing durable to corrupt
}

TEST(StorageModel, ACorruptedLogRecordFailsItsReadUntilTruncated) {
  Storage s;
  auto& log = s.log<int>("wal");
  for (int i = 0; i < 5; ++i) log.append(i);
  s.sync();
  log.append(5);  // not durable: never chosen
  EXPECT_EQ(s.corrupt([](uint64_t n) { EXPECT_EQ(n, 5u); return 3; }), "log \"wal\" record 3");
  EXPECT_EQ(log.at(2), 2);
  EXPECT_THROW((void)log.at(3), StorageReadError);
  log.truncate(3);
  log.append(30);
  EXPECT_EQ(log.at(3), 30);
}

// An observation reports state; one made by a handler that syncs is true only once the sync
// completes, so it becomes visible then, with the sends. A completed sync makes every write so
// far durable, the writes of handlers whose own syncs still run included: their observations
// show at once, their sends still wait.
TEST(StorageModel, ObservationsBecomeVisibleWhenTheirWritesAreDurable) {
  Rig rig;
  StorageModel m;
  m.sync = constant(Duration::millis(5));
  rig.sim.set_storage(m);
  rig.sim.run();
  EXPECT_EQ(rig.times.observed, (std::vector<int64_t>{6'000'000, 6'000'000}));
  EXPECT_EQ(rig.times.sends, (std::vector<int64_t>{6'000'000, 11'000'000}));
}

// A crash that loses the unsynced writes takes their observations with them: they never
// happened. One that keeps the writes shows the observations, before the crash.
TEST(StorageModel, ACrashDecidesWhetherHeldObservationsHappened) {
  for (const bool lose : {true, false}) {
    Rig rig;
    StorageModel m;
    m.sync = constant(Duration::millis(5));
    rig.sim.set_storage(m);
    rig.run_until(Duration::millis(3));
    rig.sim.crash(NodeId(0), lose);
    rig.sim.run();
    if (lose) EXPECT_EQ(rig.times.story, (std::vector<std::string>{"crash"}));
    else EXPECT_EQ(rig.times.story, (std::vector<std::string>{"wrote 1", "wrote 2", "crash"}));
    EXPECT_TRUE(rig.times.sends.empty());
  }
}

}  // namespace
}  // namespace dsim::sim
