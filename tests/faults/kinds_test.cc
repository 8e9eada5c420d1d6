// Fault kinds beyond crash and partition: omission rates, lossy/slow/duplicating links,
// Byzantine strategies (generic and protocol-provided), protocol selectors, the nemesis and
// its fault budget, and --emit-schedule replaying to the identical digest.
#include <gtest/gtest.h>

#include <cmath>
#include <variant>

#include "faults/byzantine.h"
#include "faults/schedule.h"
#include "protocols/registry.h"
#include "sim/json_source.h"
#include "tools/cli/runner.h"

namespace dsim::faults {
namespace {

// ---- a small broadcast protocol for these tests ----
struct Value {
  static constexpr std::string_view type_name = "bcast.value";
  int64_t round = 0;
  int64_t value = 0;
  std::string note;
  template <class Self, class V>
  static void reflect(Self& self, V& v) { v("round", self.round); v("value", self.value); v("note", self.note); }
};
using BMessage = std::variant<Value>;
struct BecameLeader {
  static constexpr std::string_view type_name = "became_leader";
  template <class Self, class V>
  static void reflect(Self&, V&) {}
};

// Every 10ms each node sends Value{round, 7} to every other node; n3 observes "became_leader"
// at 500ms (for the selector test).
class Broadcaster final : public sim::ProcessOf<BMessage, sim::Ticks> {
 public:
  void on_start(sim::Context& ctx) override {
    const nlohmann::json* boots = ctx.storage().get("boots");  // durable: survives crashes
    ctx.storage().put("boots", boots ? boots->get<int64_t>() + 1 : 1);
    ctx.sync();
    set_timer(ctx, sim::Duration::millis(10), sim::Tick{});
  }
  void on_timer(sim::Context& ctx, sim::TimerId, const sim::Ticks&) override {
    ++round_;
    if (ctx.self().value == 2 && round_ == 50) ctx.observe(BecameLeader{});
    for (uint32_t i = 0; i < ctx.servers(); ++i)
      if (i != ctx.self().value) send(ctx, sim::NodeId(i), Value{round_, 7, "hi"});
    set_timer(ctx, sim::Duration::millis(10), sim::Tick{});
  }
  void on_message(sim::Context&, sim::NodeId, const BMessage&) override {}

 private:
  int64_t round_ = 0;
};

const sim::Registry& test_registry() {
  static const sim::Registry r = [] {
    sim::Registry reg;
    sim::ProtocolSpec p;
    p.name = "bcast";
    p.min_nodes = 2;
    p.make_factory = [](const sim::ProtocolConfig&) -> sim::ProcessFactory {
      return [](sim::NodeId, const sim::Topology&) { return std::make_unique<Broadcaster>(); };
    };
    p.decode = sim::message_decoder<BMessage>();
    p.budget.byzantine = true;
    p.budget.max_crashed = [](uint32_t n, const sim::ProtocolConfig&) { return (n - 1) / 2; };
    p.selectors = {sim::selector_on<BecameLeader>("leader", "the latest node to observe became_leader")};
    p.decode_observation = sim::observation_decoder<BecameLeader>();
    p.observation_types = sim::observation_names<BecameLeader>();
    p.decode_timer = sim::timer_decoder<sim::Ticks>();
    p.byzantine = {{"double", "doubles every value",
                    [](const sim::MessagePtr& m, sim::NodeId, sim::NodeId, sim::Rng&) {
                      Value v = std::get<Value>(m->as<BMessage>());
                      v.value *= 2;
                      return sim::make_message<BMessage>(v);
                    }}};
    reg.add(std::move(p));
    return reg;
  }();
  return r;
}

sim::Scenario scenario(const std::string& faults, int nodes = 4, const std::string& duration = "2s") {
  const std::string text = R"({"protocol": {"name": "bcast"}, "duration": ")" + duration + R"(", "nodes": )" +
                           std::to_string(nodes) + R"(, "faults": )" + faults + "}";
  return sim::parse_scenario(sim::ConfigSource(sim::parse_json_source(text, "test.json")), test_registry(), cli::sections());
}

struct Outcome {
  std::vector<sim::StoredEvent> events;
  std::vector<nlohmann::json> fired;
  std::string digest;
  sim::RunStats stats;
  bool any_cut_at_end = false;
  int down_at_end = 0;
};

Outcome run(const sim::Scenario& s, const std::function<void(sim::Simulation&)>& watch = {}) {
  sim::Simulation sim(s.options(), s.topology(), s.network, sim::make_process_factory(*s.protocol, s.config));
  auto installed = install(sim, s);
  sim::MemorySink mem;
  sim::DigestSink digest;
  sim.add_sink(&mem);
  sim.add_sink(&digest);
  if (watch) watch(sim);
  Outcome r;
  r.stats = sim.run();
  r.events = mem.events();
  r.digest = digest.hex();
  if (installed) r.fired = installed->fired();
  r.any_cut_at_end = sim.network().any_cut();
  for (uint32_t i = 0; i < s.nodes; ++i) r.down_at_end += !sim.is_up(sim::NodeId(i));
  return r;
}

uint64_t count(const Outcome& r, sim::TraceKind kind, const std::string& cause = "", int node = -1) {
  uint64_t n = 0;
  for (const auto& e : r.events)
    if (e.kind == kind && (cause.empty() || e.cause == cause) && (node < 0 || e.node.value == static_cast<uint32_t>(node))) ++n;
  return n;
}

TEST(FaultKinds, SendAndReceiveOmissionRatesWithinStatisticalBounds) {
  Outcome r = run(scenario(R"([{"at": "0s", "omit": "n1", "send": 0.3, "receive": 0.2}])", 4, "10s"));
  const double sent = static_cast<double>(count(r, sim::TraceKind::send, "", 0));
  const double omitted = static_cast<double>(count(r, sim::TraceKind::drop, "send_omission", 0));
  EXPECT_NEAR(omitted / sent, 0.3, 5 * std::sqrt(0.3 * 0.7 / sent));
  uint64_t to_n1 = 0, recv_omitted = 0;
  for (const auto& e : r.events) {
    if (e.kind == sim::TraceKind::deliver && e.node.value == 0) ++to_n1;
    if (e.kind == sim::TraceKind::drop && e.cause == "receive_omission") {
      EXPECT_EQ(e.peer.value, 0u);
      ++recv_omitted;
    }
  }
  const double arrived = static_cast<double>(to_n1 + recv_omitted);
  EXPECT_NEAR(recv_omitted / arrived, 0.2, 5 * std::sqrt(0.2 * 0.8 / arrived));
}

TEST(FaultKinds, LossySlowAndDuplicatingLinksActOnlyWhileTheyLast) {
  Outcome r = run(scenario(R"([{"at": "0s", "for": "1s", "lossy": {"from": "n1", "to": "n2"}, "loss": 0.5},
                           {"at": "0s", "for": "1s", "slow": {"from": "n2", "to": "n3"}, "delay": "50ms"},
                           {"at": "0s", "for": "1s", "duplicate": {"from": "n3", "to": "all"}, "p": 1.0}])", 4));
  uint64_t lost_in = 0, lost_after = 0, dup_in = 0, dup_after = 0;
  for (const auto& e : r.events) {
    const bool in = e.time < sim::Time::zero() + sim::Duration::seconds(1);
    if (e.kind == sim::TraceKind::drop && e.cause == "link_loss") {
      (in ? lost_in : lost_after)++;
    }
    if (e.kind == sim::TraceKind::deliver && e.tag == 1) {
      (in ? dup_in : dup_after)++;
    }
  }
  EXPECT_GT(lost_in, 25u);
  EXPECT_EQ(lost_after, 0u);
  EXPECT_GT(dup_in, 250u);  // n3 sends 3 messages per 10ms, each duplicated
  EXPECT_LT(dup_after, 5u);  // only copies in flight at the end
  // Slow link: n2 -> n3 messages sent in the window take at least 50ms + 1ms.
  std::map<uint64_t, sim::Time> sent_at;
  for (const auto& e : r.events) {
    if (e.kind == sim::TraceKind::send && e.node.value == 1 && e.peer.value == 2) sent_at[e.id] = e.time;
    if (e.kind == sim::TraceKind::deliver && e.node.value == 2 && e.peer.value == 1 && sent_at.count(e.id) &&
        sent_at[e.id] < sim::Time::zero() + sim::Duration::millis(900)) {
      EXPECT_GE(e.time - sent_at[e.id], sim::Duration::millis(51));
    }
  }
}

TEST(FaultKinds, ByzantineCorruptSendsMutatedTypeCorrectMessages) {
  Outcome r = run(scenario(R"([{"at": "0s", "byzantine": "n1", "strategy": "corrupt"}])", 3, "500ms"));
  uint64_t rewritten = 0, changed = 0, honest = 0;
  for (const auto& e : r.events) {
    if (e.kind != sim::TraceKind::send) continue;
    const auto& body = e.data.at("body");  // decoded back into the typed message: type-correct
    const bool as_sent = body.at("value") == 7 && body.at("note") == "hi";
    if (e.node.value == 0) {
      rewritten += e.tag;
      changed += !as_sent;
    } else {
      honest += as_sent;
      EXPECT_EQ(e.tag, 0u);
    }
  }
  EXPECT_GT(rewritten, 50u);
  EXPECT_GT(changed, rewritten / 2);  // round, value or note changed (a round may be changed to its own value)
  EXPECT_GT(honest, 50u);
}

TEST(FaultKinds, ByzantineEquivocateTellsEachPeerSomethingDifferent) {
  Outcome r = run(scenario(R"([{"at": "0s", "byzantine": "n1", "strategy": "equivocate"}])", 4, "200ms"));
  // Each round n1 broadcasts one message to its 3 peers; each peer gets its own version.
  std::map<int64_t, std::set<std::string>> versions_per_round;
  std::map<int64_t, int> sends_per_round;
  for (const auto& e : r.events)
    if (e.kind == sim::TraceKind::send && e.node.value == 0) {
      const auto& body = e.data.at("body");
      EXPECT_EQ(e.tag, 1u);
      // The honest round number is the send time in 10ms steps (the lie may change any field).
      const int64_t round = e.time.ns() / 10'000'000;
      versions_per_round[round].insert(body.dump());
      ++sends_per_round[round];
    }
  ASSERT_GT(versions_per_round.size(), 15u);
  for (const auto& [round, versions] : versions_per_round) EXPECT_EQ(static_cast<int>(versions.size()), sends_per_round[round]);
}

TEST(FaultKinds, ByzantineMuteReplayAndProtocolStrategy) {
  Outcome mute = run(scenario(R"([{"at": "0s", "byzantine": "n2", "strategy": "mute"}])", 3, "300ms"));
  EXPECT_GT(count(mute, sim::TraceKind::drop, "byzantine_drop", 1), 40u);
  Outcome replay = run(scenario(R"([{"at": "0s", "byzantine": "n2", "strategy": "replay"}])", 3, "500ms"));
  uint64_t stale = 0;
  for (const auto& e : replay.events)
    if (e.kind == sim::TraceKind::send && e.node.value == 1 && e.tag) ++stale;
  EXPECT_GT(stale, 40u);  // n2 re-sent earlier messages of its own
  Outcome doubled = run(scenario(R"([{"at": "0s", "byzantine": "n2", "strategy": "double"}])", 3, "300ms"));
  for (const auto& e : doubled.events)
    if (e.kind == sim::TraceKind::send) {
      EXPECT_EQ(e.data.at("body").at("value"), e.node.value == 1 ? 14 : 7);
    }
}

TEST(FaultKinds, ProtocolSelectorPicksFromTheLatestObservation) {
  Outcome r = run(scenario(R"([{"at": "1s", "crash": "leader", "for": "200ms"}])", 5));
  bool seen = false;
  for (const auto& e : r.events)
    if (e.kind == sim::TraceKind::fault && e.name == "crash") {
      EXPECT_EQ(e.data.at("crash"), nlohmann::json::array({"n3"}));
      seen = true;
    }
  EXPECT_TRUE(seen);
}

TEST(FaultKinds, DropRuleResolvesItsSelectorWhenItStarts) {
  Outcome r = run(scenario(R"([{"at": "1s", "drop": {"from": "leader", "type": "bcast.value"}, "for": "100ms"}])", 5));
  ASSERT_EQ(r.fired.size(), 1u);
  EXPECT_EQ(r.fired[0].at("drop"), nlohmann::json::parse(R"({"from": ["n3"], "type": ["bcast.value"]})"));
  uint64_t n3_sent = 0;
  for (const auto& e : r.events)
    if (e.kind == sim::TraceKind::send && e.node.value == 2 && e.time >= sim::Time::zero() + sim::Duration::seconds(1) &&
        e.time < sim::Time::zero() + sim::Duration::millis(1100))
      ++n3_sent;
  EXPECT_EQ(n3_sent, 40u);  // 10 rounds to 4 peers
  EXPECT_EQ(count(r, sim::TraceKind::drop, "scripted_drop"), n3_sent);
  EXPECT_EQ(count(r, sim::TraceKind::drop, "scripted_drop", 2), n3_sent);
}

TEST(FaultKinds, NemesisStaysInBudgetAndHealsEverythingByTheEndOfItsWindow) {
  int max_down = 0;
  Outcome r = run(scenario(R"([{"from": "100ms", "to": "3s", "nemesis": {"kinds": ["crash", "partition", "isolate", "cut", "clock",
                  "omit", "lossy", "slow", "duplicate", "byzantine"], "every": "20ms", "max_concurrent": 4, "length": ["20ms", "200ms"]}}])",
                       5, "4s"),
              [&](sim::Simulation& sim) {
                for (int ms = 0; ms < 4000; ms += 5)
                  sim.schedule(sim::Time::zero() + sim::Duration::millis(ms) + sim::Duration::nanos(1), [&sim, &max_down] {
                    int down = 0;
                    for (uint32_t i = 0; i < 5; ++i) down += !sim.is_up(sim::NodeId(i));
                    max_down = std::max(max_down, down);
                  });
              });
  std::set<std::string> kinds;
  for (const auto& f : r.fired)
    for (const auto& k : {"crash", "partition", "isolate", "cut", "clock", "omit", "lossy", "slow", "duplicate", "byzantine"})
      if (f.contains(k)) kinds.insert(k);
  std::string fired_kinds;
  for (const auto& k : kinds) fired_kinds += k + " ";
  EXPECT_EQ(kinds.size(), 10u) << "every kind fired at least once; fired: " << fired_kinds;
  EXPECT_GT(max_down, 0);
  EXPECT_LE(max_down, 2);  // the protocol tolerates (5 - 1) / 2 crashes
  EXPECT_FALSE(r.any_cut_at_end);
  EXPECT_EQ(r.down_at_end, 0);
  // No fault is active after "to": every start has its end at or before 3s.
  uint64_t starts = 0, ends = 0;
  for (const auto& e : r.events) {
    if (e.kind != sim::TraceKind::fault) continue;
    EXPECT_LE(e.time, sim::Time::zero() + sim::Duration::seconds(3));
    (e.data.contains("end_of") ? ends : starts)++;
  }
  EXPECT_EQ(starts, ends);
  EXPECT_EQ(starts, r.fired.size());
}

TEST(FaultKinds, EmittedScheduleReplaysToTheIdenticalDigest) {
 for (int seed = 1; seed <= 5; ++seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  sim::Scenario original = scenario(
      R"([{"at": "200ms", "crash": "random", "for": "300ms"},
          {"at": "1s", "omit": "minority", "send": 0.5, "for": "500ms"},
          {"from": "100ms", "to": "2500ms", "nemesis": {"kinds": ["crash", "partition", "isolate", "cut", "clock",
           "omit", "lossy", "slow", "duplicate", "byzantine"], "every": "60ms", "max_concurrent": 3, "length": ["50ms", "400ms"]}},
          {"at": "1200ms", "drop": {"from": "random", "to": ["n1", "n2"]}, "for": "300ms"}])",
      5, "3s");
  original.seed = static_cast<uint64_t>(seed);
  original.resolved["seed"] = seed;
  Outcome first = run(original);
  ASSERT_GT(first.fired.size(), 20u);
  nlohmann::json schedule = explicit_schedule(original, nullptr);
  schedule["faults"] = first.fired;
  const sim::Scenario replayed = sim::parse_scenario(
      sim::ConfigSource(sim::parse_json_source(schedule.dump(), "emitted.json")), test_registry(), cli::sections());
  for (const auto& f : replayed.resolved.at("faults")) EXPECT_FALSE(f.contains("nemesis"));
  Outcome second = run(replayed);
  EXPECT_EQ(first.digest, second.digest);
  EXPECT_EQ(first.events.size(), second.events.size());
  const sim::Topology topology = original.topology();
  for (size_t i = 0; i < std::min(first.events.size(), second.events.size()); ++i) {
    std::string a, b;
    sim::format_trace_event(first.events[i].view(), topology, a);
    sim::format_trace_event(second.events[i].view(), topology, b);
    if (a != b) {
      ADD_FAILURE() << "first divergence at event " << i << ":\n  original: " << a << "\n  replayed: " << b;
      break;
    }
  }
 }
}

TEST(FaultKinds, CrashFaultResetsVolatileStateAndKeepsDurableState) {
  const sim::Scenario s = scenario(R"([{"at": "505ms", "crash": "n2", "for": "300ms"}])", 3, "1500ms");
  sim::Simulation sim(s.options(), s.topology(), s.network, sim::make_process_factory(*s.protocol, s.config));
  auto installed = install(sim, s);
  sim::MemorySink mem;
  sim.add_sink(&mem);
  sim.run();
  EXPECT_EQ(sim.storage(sim::NodeId(1)).get("boots")->get<int64_t>(), 2);  // durable state kept
  EXPECT_EQ(sim.storage(sim::NodeId(0)).get("boots")->get<int64_t>(), 1);
  int64_t first_round_after = -1, last_round_before = -1, sends_while_down = 0;
  for (const auto& e : mem.events()) {
    if (e.kind != sim::TraceKind::send || e.node.value != 1) continue;
    const int64_t round = e.data.at("body").at("round").get<int64_t>();
    if (e.time < sim::Time::zero() + sim::Duration::millis(505)) last_round_before = round;
    else if (e.time < sim::Time::zero() + sim::Duration::millis(805)) ++sends_while_down;
    else if (first_round_after < 0) first_round_after = round;
  }
  EXPECT_EQ(last_round_before, 50);
  EXPECT_EQ(sends_while_down, 0);    // a crashed node does nothing
  EXPECT_EQ(first_round_after, 1);   // volatile state (the round counter) starts over
}

TEST(Byzantine, MutationKeepsTypesAndChangesTheValue) {
  sim::Rng rng(3);
  for (int i = 0; i < 200; ++i) {
    nlohmann::json body{{"u", uint64_t{5}}, {"s", "x"}, {"b", true}, {"i", -3}, {"list", {1, 2}}};
    const nlohmann::json before = body;
    ASSERT_TRUE(mutate_random_leaf(body, rng));
    EXPECT_NE(body, before);
    EXPECT_TRUE(body.at("u").is_number_unsigned());
    EXPECT_TRUE(body.at("s").is_string());
    EXPECT_TRUE(body.at("b").is_boolean());
    EXPECT_TRUE(body.at("i").is_number_integer());
  }
  nlohmann::json empty = nlohmann::json::object();
  EXPECT_FALSE(mutate_random_leaf(empty, rng));
}

}  // namespace
}  // namespace dsim::faults
