// Node runtime tests through small test Processes: crash destroys volatile state and timers,
// restart recovers from storage only, unsynced writes are lost only when the crash says so,
// effects are applied in the fixed order, and local-time timers fire at the computed global
// instants.
#include <gtest/gtest.h>

#include <variant>

#include "sim/simulation.h"

namespace dsim::sim {
namespace {

struct Note {
  static constexpr std::string_view type_name = "test.note";
  int64_t value = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("value", self.value); }
};
using TestMessage = std::variant<Note>;
// A timer with a value, to see it come back.
struct Beat {
  static constexpr std::string_view type_name = "test.beat";
  int64_t n = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("n", self.n); }
};
using BeatTimer = std::variant<Beat>;
struct Hello {
  static constexpr std::string_view type_name = "hello";
  int64_t x = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("x", self.x); }
};
struct Got {
  static constexpr std::string_view type_name = "got";
  int64_t x = 0;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("x", self.x); }
};

// Counts in memory (volatile) and in storage (durable); counts restarts through storage.
class Counter final : public ProcessOf<TestMessage, BeatTimer> {
 public:
  void on_start(Context& ctx) override {
    const json_t* boots = ctx.storage().get("boots");
    const int64_t n = boots ? boots->get<int64_t>() + 1 : 1;
    ctx.storage().put("boots", n);
    ctx.sync();
    set_timer(ctx, Duration::millis(10), Beat{7});
  }
  void on_message(Context& ctx, NodeId, const TestMessage& msg) override {
    volatile_count += std::get<Note>(msg).value;
    const json_t* d = ctx.storage().get("durable");
    ctx.storage().put("durable", (d ? d->get<int64_t>() : 0) + std::get<Note>(msg).value);
    if (sync_writes) ctx.sync();
  }
  void on_timer(Context& ctx, TimerId, const BeatTimer& t) override {
    ++timer_fires;
    EXPECT_EQ(std::get<Beat>(t).n, 7);
    set_timer(ctx, Duration::millis(10), Beat{7});
  }
  using json_t = nlohmann::json;
  int64_t volatile_count = 0;
  int timer_fires = 0;
  bool sync_writes = true;
};

// n1 sends a Note to n2 every millisecond.
class Sender final : public ProcessOf<TestMessage, Ticks> {
 public:
  void on_start(Context& ctx) override { set_timer(ctx, Duration::millis(1), Tick{}); }
  void on_message(Context&, NodeId, const TestMessage&) override {}
  void on_timer(Context& ctx, TimerId, const Ticks&) override {
    send(ctx, NodeId(1), Note{1});
    set_timer(ctx, Duration::millis(1), Tick{});
  }
};

NetworkConfig constant_network(Duration latency) {
  NetworkConfig net;
  net.defaults.latency.kind = LatencyDist::Kind::constant;
  net.defaults.latency.a = latency;
  return net;
}

struct Harness {
  explicit Harness(bool sync_writes = true)
      : sim(SimOptions{1, Duration::seconds(1)}, Topology(2, 0), constant_network(Duration::micros(100)),
            [sync_writes](NodeId id, const Topology&) -> std::unique_ptr<Process> {
              if (id.value == 0) return std::make_unique<Sender>();
              auto c = std::make_unique<Counter>();
              c->sync_writes = sync_writes;
              return c;
            }) {}
  Counter& counter() { return *static_cast<Counter*>(sim.process(NodeId(1))); }
  void run_until(Time t) {
    sim.schedule(t, [] {});
    while (sim.now() < t && sim.step()) {
    }
  }
  Simulation sim;
};

TEST(Runtime, CrashLosesVolatileStateAndKeepsDurableState) {
  Harness h;
  h.run_until(Time::zero() + Duration::millis(50));
  const int64_t before = h.counter().volatile_count;
  EXPECT_GT(before, 40);
  EXPECT_EQ(h.sim.storage(NodeId(1)).get("durable")->get<int64_t>(), before);

  h.sim.crash(NodeId(1));
  EXPECT_EQ(h.sim.process(NodeId(1)), nullptr);
  h.run_until(Time::zero() + Duration::millis(60));  // messages to the crashed node are dropped
  EXPECT_GT(h.sim.stats().drops_by_cause.at("crashed"), 5u);

  h.sim.restart(NodeId(1));
  EXPECT_EQ(h.counter().volatile_count, 0);  // a new object: volatile state is gone
  EXPECT_EQ(h.counter().timer_fires, 0);
  EXPECT_EQ(h.sim.storage(NodeId(1)).get("boots")->get<int64_t>(), 2);  // recovered from storage
  EXPECT_EQ(h.sim.storage(NodeId(1)).get("durable")->get<int64_t>(), before);
  h.run_until(Time::zero() + Duration::millis(80));
  EXPECT_GT(h.counter().volatile_count, 10);
}

TEST(Runtime, CrashDropsTimersOfTheOldIncarnation) {
  Harness h;
  h.run_until(Time::zero() + Duration::millis(25));
  EXPECT_EQ(h.counter().timer_fires, 2);
  h.sim.crash(NodeId(1));
  h.run_until(Time::zero() + Duration::millis(28));
  h.sim.restart(NodeId(1));  // arms a fresh 10ms timer at t=28ms
  h.run_until(Time::zero() + Duration::millis(37));
  EXPECT_EQ(h.counter().timer_fires, 0);  // the old incarnation's timer at 30ms did not fire here
  h.run_until(Time::zero() + Duration::millis(39));
  EXPECT_EQ(h.counter().timer_fires, 1);
}

TEST(Runtime, UnsyncedWritesAreLostOnlyByAStorageFaultCrash) {
  for (bool lose : {false, true}) {
    Harness h(/*sync_writes=*/false);
    h.run_until(Time::zero() + Duration::millis(20));
    const int64_t written = h.sim.storage(NodeId(1)).get("durable")->get<int64_t>();
    EXPECT_GT(written, 0);
    EXPECT_GT(h.sim.storage(NodeId(1)).unsynced_writes(), 0u);
    h.sim.crash(NodeId(1), lose);
    const auto* after = h.sim.storage(NodeId(1)).get("durable");
    if (lose) EXPECT_EQ(after, nullptr) << "unsynced writes must be lost";
    else ASSERT_TRUE(after && after->get<int64_t>() == written);
    EXPECT_EQ(h.sim.storage(NodeId(1)).get("boots")->get<int64_t>(), 1);  // synced: kept either way
  }
}

// A timer of 1s local time on a node with drift +1000ppm fires at 0.999s global.
class OneShot final : public ProcessOf<TestMessage, Ticks> {
 public:
  void on_start(Context& ctx) override { set_timer(ctx, Duration::seconds(1), Tick{}); }
  void on_message(Context&, NodeId, const TestMessage&) override {}
  void on_timer(Context& ctx, TimerId, const Ticks&) override { fired_global = ctx.global_now(); fired_local = ctx.now(); }
  Time fired_global, fired_local;
};

TEST(Runtime, DriftingNodeFiresLocalTimerAtComputedGlobalTime) {
  Simulation sim(SimOptions{1, Duration::seconds(2)}, Topology(1, 0), constant_network(Duration::millis(1)),
                 [](NodeId, const Topology&) { return std::make_unique<OneShot>(); });
  sim.set_clock(NodeId(0), Duration{}, 1'000'000);  // +1000 ppm
  sim.run();
  auto* p = static_cast<OneShot*>(sim.process(NodeId(0)));
  EXPECT_LE(std::abs(static_cast<double>(p->fired_global.ns()) - 1e9 / 1.001), 1.0);
  EXPECT_GE(p->fired_local.ns(), 1'000'000'000);
}

TEST(Runtime, ClockJumpMovesPendingTimers) {
  Simulation sim(SimOptions{1, Duration::seconds(2)}, Topology(1, 0), constant_network(Duration::millis(1)),
                 [](NodeId, const Topology&) { return std::make_unique<OneShot>(); });
  // At 100ms global, jump the clock 300ms forward: the 1s local timer fires at 700ms global.
  sim.schedule(Time::zero() + Duration::millis(100), [&] { sim.jump_clock(NodeId(0), Duration::millis(300)); });
  sim.run();
  EXPECT_EQ(static_cast<OneShot*>(sim.process(NodeId(0)))->fired_global.ns(), 700'000'000);
}

// Effects are applied after the handler: storage is synced before the send is routed.
class PersistThenSend final : public ProcessOf<TestMessage> {
 public:
  void on_start(Context& ctx) override {
    if (ctx.self().value != 0) return;
    send(ctx, NodeId(1), Note{5});
    ctx.storage().put("k", 1);
    ctx.sync();
  }
  void on_message(Context&, NodeId, const TestMessage&) override {}
};

TEST(Runtime, StorageIsSyncedBeforeAnySendLeaves) {
  Simulation sim(SimOptions{1, Duration::seconds(1)}, Topology(2, 0), constant_network(Duration::millis(1)),
                 [](NodeId, const Topology&) { return std::make_unique<PersistThenSend>(); });
  sim.start();
  // The send is already in flight and the write it follows is durable: a crash now keeps it.
  EXPECT_EQ(sim.stats().sent, 1u);
  sim.crash(NodeId(0), /*lose_unsynced=*/true);
  ASSERT_NE(sim.storage(NodeId(0)).get("k"), nullptr);
}

}  // namespace
}  // namespace dsim::sim

namespace dsim::sim {
namespace {

// Observations are traced after the handler's storage sync and before its sends, and a
// MemorySink keeps owned copies of everything.
class Observer final : public ProcessOf<TestMessage> {
 public:
  void on_start(Context& ctx) override {
    if (ctx.self().value != 0) return;
    send(ctx, NodeId(1), Note{1});
    ctx.observe(Hello{1});
  }
  void on_message(Context& ctx, NodeId, const TestMessage&) override { ctx.observe(Got{2}); }
};

TEST(Runtime, ObservationsAreTracedBeforeTheHandlersSends) {
  Simulation sim(SimOptions{1, Duration::seconds(1)}, Topology(2, 0), constant_network(Duration::millis(1)),
                 [](NodeId, const Topology&) { return std::make_unique<Observer>(); });
  MemorySink mem;
  sim.add_sink(&mem);
  sim.run();
  const auto& ev = mem.events();
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].kind, TraceKind::observe);
  EXPECT_EQ(ev[0].name, "hello");
  ASSERT_NE(ev[0].view().observed<Hello>(), nullptr);
  EXPECT_EQ(ev[0].view().observed<Hello>()->x, 1);
  EXPECT_EQ(ev[0].view().observed<Got>(), nullptr);
  EXPECT_EQ(ev[1].kind, TraceKind::send);
  EXPECT_EQ(ev[1].data.at("type"), "test.note");
  EXPECT_EQ(ev[2].kind, TraceKind::deliver);
  EXPECT_EQ(ev[2].time.ns(), 1'000'000);
  EXPECT_EQ(ev[3].kind, TraceKind::observe);
  EXPECT_EQ(ev[3].name, "got");
  ASSERT_NE(ev[3].view().observed<Got>(), nullptr);
  EXPECT_EQ(ev[3].view().observed<Got>()->x, 2);
  for (size_t i = 0; i < ev.size(); ++i) EXPECT_EQ(ev[i].seq, i);
}

TEST(Runtime, WithoutSinksNothingIsObserved) {
  // observing() is false without sinks, so protocols can skip building payloads.
  Simulation sim(SimOptions{1, Duration::seconds(1)}, Topology(2, 0), constant_network(Duration::millis(1)),
                 [](NodeId, const Topology&) { return std::make_unique<Observer>(); });
  RunStats st = sim.run();
  EXPECT_EQ(st.trace_records, 0u);
  EXPECT_EQ(st.delivered, 1u);
}

}  // namespace
}  // namespace dsim::sim
