// Scheduled faults on pingmesh: each kind shows its effect and its end in the trace, selectors
// resolve to concrete targets, and invalid specs are one-line errors with the key path.
#include <gtest/gtest.h>

#include <map>

#include "faults/schedule.h"
#include "protocols/registry.h"
#include "sim/json_source.h"
#include "tools/cli/runner.h"

namespace dsim::faults {
namespace {

sim::Scenario schedule_scenario(const std::string& faults, int nodes = 4, const std::string& extra = "") {
  const std::string text = R"({"protocol": {"name": "pingmesh"}, "duration": "3s", "nodes": )" + std::to_string(nodes) +
                           extra + R"(, "faults": )" + faults + "}";
  return sim::parse_scenario(sim::ConfigSource(sim::parse_json_source(text, "test.json")), protocols::registry(),
                             cli::sections());
}

std::vector<sim::StoredEvent> run_schedule(const sim::Scenario& s) {
  sim::Simulation sim(s.options(), s.topology(), s.network, sim::make_process_factory(*s.protocol, s.config));
  auto installed = install(sim, s);
  sim::MemorySink mem;
  sim.add_sink(&mem);
  sim.run();
  return mem.events();
}

sim::Time at(int64_t ms) { return sim::Time::zero() + sim::Duration::millis(ms); }

int deliveries(const std::vector<sim::StoredEvent>& ev, uint32_t from, uint32_t to, sim::Time lo, sim::Time hi) {
  int n = 0;
  for (const auto& e : ev)
    if (e.kind == sim::TraceKind::deliver && e.peer.value == from && e.node.value == to && e.time >= lo && e.time < hi) ++n;
  return n;
}

TEST(Faults, PartitionBlocksAcrossGroupsUntilItHeals) {
  auto ev = run_schedule(schedule_scenario(R"([{"at": "1s", "partition": [["n1", "n2"], ["n3", "n4"]], "for": "1s"}])"));
  int across_during = 0, across_after = 0, within_during = 0, dropped_in_flight = 0;
  for (uint32_t a = 0; a < 4; ++a)
    for (uint32_t b = 0; b < 4; ++b) {
      const bool same = (a < 2) == (b < 2);
      (same ? within_during : across_during) += deliveries(ev, a, b, at(1000), at(2000));
      if (!same) across_after += deliveries(ev, a, b, at(2000), at(3000));
    }
  for (const auto& e : ev)
    if (e.kind == sim::TraceKind::drop && e.cause == "partitioned" && e.time == at(1000)) ++dropped_in_flight;
  EXPECT_EQ(across_during, 0);
  EXPECT_GT(within_during, 100);
  EXPECT_GT(across_after, 100);
  int faults = 0;
  for (const auto& e : ev)
    if (e.kind == sim::TraceKind::fault) {
      ++faults;
      if (e.name == "partition") {
        EXPECT_EQ(e.data.at("partition"), nlohmann::json::parse(R"([["n1","n2"],["n3","n4"]])"));
      }
    }
  EXPECT_EQ(faults, 2);  // partition, then its heal
}

TEST(Faults, InFlightMessagesAcrossACutAreDropped) {
  auto ev = run_schedule(schedule_scenario(R"([{"at": "1s", "isolate": "n1", "for": "500ms"}])"));
  int in_flight = 0;
  for (const auto& e : ev)
    if (e.kind == sim::TraceKind::drop && e.cause == "partitioned" && e.time > at(1000) && e.time < at(1010)) ++in_flight;
  EXPECT_GT(in_flight, 0) << "messages sent just before the cut arrive during it and are dropped";
}

TEST(Faults, AsymmetricCutBlocksOneDirectionOnly) {
  auto ev = run_schedule(schedule_scenario(R"([{"at": "1s", "cut": {"from": "n1", "to": "n2"}, "for": "1s"}])", 2));
  EXPECT_EQ(deliveries(ev, 0, 1, at(1000), at(2000)), 0);
  EXPECT_GT(deliveries(ev, 1, 0, at(1000), at(2000)), 50);  // n2 -> n1 still flows
  EXPECT_GT(deliveries(ev, 0, 1, at(2000), at(3000)), 50);
}

TEST(Faults, BridgeNodeHearsBothHalves) {
  auto ev = run_schedule(schedule_scenario(R"([{"at": "0s", "partition": [["n1", "n2", "n3"], ["n3", "n4", "n5"]]}])", 5));
  EXPECT_EQ(deliveries(ev, 0, 4, at(0), at(3000)) + deliveries(ev, 4, 0, at(0), at(3000)), 0);
  EXPECT_GT(deliveries(ev, 2, 0, at(0), at(3000)), 0);
  EXPECT_GT(deliveries(ev, 2, 4, at(0), at(3000)), 0);
}

TEST(Faults, CrashedNodeAnswersNothingThenAnswersAgainWithFreshVolatileState) {
  auto ev = run_schedule(schedule_scenario(R"([{"at": "1s", "crash": "n2", "for": "1s"}])", 3));
  int n2_active_while_down = 0, crashed_drops = 0, restarts = 0;
  uint64_t max_ping_id_after = 0;
  for (const auto& e : ev) {
    if (e.node.value == 1 && (e.kind == sim::TraceKind::deliver || e.kind == sim::TraceKind::timer) && e.time >= at(1000) &&
        e.time < at(2000))
      ++n2_active_while_down;
    if (e.kind == sim::TraceKind::drop && e.cause == "crashed") ++crashed_drops;
    if (e.kind == sim::TraceKind::restart) ++restarts;
    if (e.kind == sim::TraceKind::send && e.node.value == 1 && e.time >= at(2000) && e.data.at("type") == "pingmesh.ping")
      max_ping_id_after = std::max(max_ping_id_after, e.data.at("body").at("id").get<uint64_t>());
  }
  EXPECT_EQ(n2_active_while_down, 0);
  EXPECT_GT(crashed_drops, 50);
  EXPECT_EQ(restarts, 1);
  EXPECT_GT(deliveries(ev, 0, 1, at(2000), at(3000)), 50);
  // Incarnation 1 in the id's high bits, and the counter restarted from zero (~100 pings in 1s).
  EXPECT_EQ(max_ping_id_after >> 40, 1u);
  EXPECT_LT(max_ping_id_after & ((uint64_t{1} << 40) - 1), 150u);
}

TEST(Faults, ClockJumpMovesTheNodesTimersByTheJump) {
  auto base = run_schedule(schedule_scenario("[]", 2));
  auto skewed = run_schedule(schedule_scenario(R"([{"at": "1s", "clock": "n1", "jump": "4ms"}])", 2));
  auto timers = [](const std::vector<sim::StoredEvent>& ev) {
    std::vector<int64_t> t;
    for (const auto& e : ev)
      if (e.kind == sim::TraceKind::timer && e.node.value == 0 && e.time > at(1100) && e.time < at(1200)) t.push_back(e.time.ns());
    return t;
  };
  const auto a = timers(base), b = timers(skewed);
  ASSERT_FALSE(a.empty());
  // Local deadlines are unchanged; the local clock runs 4ms ahead, so every firing is 4ms earlier.
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i] - b[i], 4'000'000);
}

TEST(Faults, DriftChangesTimerSpacing) {
  auto ev = run_schedule(schedule_scenario(R"([{"at": "1s", "clock": "n1", "drift_ppm": 100000, "for": "1s"}])", 2));
  std::vector<int64_t> t;
  for (const auto& e : ev)
    if (e.kind == sim::TraceKind::timer && e.node.value == 0 && e.time > at(1100) && e.time < at(1300)) t.push_back(e.time.ns());
  ASSERT_GT(t.size(), 5u);
  for (size_t i = 1; i < t.size(); ++i) EXPECT_NEAR(static_cast<double>(t[i] - t[i - 1]), 10e6 / 1.1, 1.0);
}

TEST(Faults, SelectorsResolveToConcreteTargetsInTheTrace) {
  auto ev = run_schedule(schedule_scenario(R"([{"at": "1s", "crash": "minority", "for": "1s"}, {"at": "1s", "isolate": "random", "for": "1s"}])", 5));
  int checked = 0;
  for (const auto& e : ev)
    if (e.kind == sim::TraceKind::fault && e.name == "crash") {
      EXPECT_EQ(e.data.at("crash").size(), 2u);  // minority of 5, resolved to names
      ++checked;
    } else if (e.kind == sim::TraceKind::fault && e.name == "isolate") {
      EXPECT_EQ(e.data.at("isolate").size(), 1u);
      ++checked;
    }
  EXPECT_EQ(checked, 2);
}

TEST(Faults, RemovingOneFaultLeavesAnothersChoicesUnchanged) {
  auto targets = [](const std::vector<sim::StoredEvent>& ev, const std::string& kind) {
    for (const auto& e : ev)
      if (e.kind == sim::TraceKind::fault && e.name == kind) return e.data.at(kind);
    return nlohmann::json();
  };
  // The isolate is fault 1 in both runs, so its stream "fault/1" is the same.
  auto both = run_schedule(schedule_scenario(R"([{"at": "1s", "crash": "random", "for": "1s"}, {"at": "2s", "isolate": "random"}])", 7));
  auto one = run_schedule(schedule_scenario(R"([{"at": "1s", "restart": "n1"}, {"at": "2s", "isolate": "random"}])", 7));
  EXPECT_EQ(targets(both, "isolate"), targets(one, "isolate"));
}

// A drop rule: n1's pings to n3 sent in [1s, 2s) are dropped at send time with cause
// scripted_drop; n1's replies to n3, its pings to others and everyone else's pings go on.
TEST(Faults, DropRuleDropsOnlyTheNamedTypeBetweenTheNamedNodesDuringItsWindow) {
  auto ev = run_schedule(schedule_scenario(R"([{"at": "1s", "drop": {"from": "n1", "to": ["n3"], "type": "pingmesh.ping"}, "for": "1s"}])"));
  std::map<uint64_t, const sim::StoredEvent*> sent;
  int in_window = 0, dropped = 0;
  for (const auto& e : ev) {
    if (e.kind == sim::TraceKind::send) {
      sent[e.id] = &e;
      if (e.node.value == 0 && e.peer.value == 2 && e.name == "pingmesh.ping" && e.time >= at(1000) && e.time < at(2000)) ++in_window;
    }
    if (e.kind == sim::TraceKind::drop && e.cause == "scripted_drop") {
      ++dropped;
      EXPECT_EQ(e.node.value, 0u);
      EXPECT_EQ(e.peer.value, 2u);
      EXPECT_EQ(e.name, "pingmesh.ping");
      EXPECT_EQ(e.time, sent.at(e.id)->time);  // at send time
      EXPECT_GE(e.time, at(1000));
      EXPECT_LT(e.time, at(2000));
    }
    // Whatever arrives from n1 at n3 was sent outside the window, or is not a ping.
    if (e.kind == sim::TraceKind::deliver && e.peer.value == 0 && e.node.value == 2 && e.name == "pingmesh.ping") {
      const sim::Time t = sent.at(e.id)->time;
      EXPECT_TRUE(t < at(1000) || t >= at(2000)) << "a ping sent at " << t.ns() << "ns got through";
    }
  }
  EXPECT_GT(in_window, 10);
  EXPECT_EQ(dropped, in_window);
  int replies_n1_n3 = 0;
  for (const auto& e : ev)
    if (e.kind == sim::TraceKind::deliver && e.peer.value == 0 && e.node.value == 2 && e.name == "pingmesh.reply" &&
        e.time >= at(1100) && e.time < at(1900))
      ++replies_n1_n3;
  EXPECT_GT(replies_n1_n3, 10);
  EXPECT_GT(deliveries(ev, 0, 1, at(1000), at(2000)), 10);  // n1 -> n2
  EXPECT_GT(deliveries(ev, 1, 2, at(1000), at(2000)), 10);  // n2 -> n3
  EXPECT_GT(deliveries(ev, 0, 2, at(2100), at(3000)), 10);  // healed
  std::vector<std::string> faults;
  for (const auto& e : ev)
    if (e.kind == sim::TraceKind::fault) faults.push_back(e.name + "@" + std::to_string(e.time.ns() / 1'000'000));
  EXPECT_EQ(faults, (std::vector<std::string>{"drop@1000", "end@2000"}));
}

TEST(Faults, DropRuleLeftOpenDropsEveryMessageUntilAHeal) {
  auto ev = run_schedule(schedule_scenario(R"([{"at": "1s", "drop": {}}, {"at": "2s", "heal": true}])"));
  int dropped = 0, sent_in_window = 0;
  for (const auto& e : ev) {
    if (e.kind == sim::TraceKind::send && e.time >= at(1000) && e.time < at(2000)) ++sent_in_window;
    if (e.kind == sim::TraceKind::drop && e.cause == "scripted_drop") ++dropped;
  }
  EXPECT_GT(sent_in_window, 100);
  EXPECT_EQ(dropped, sent_in_window);
  int delivered_in_window = 0;
  for (uint32_t a = 0; a < 4; ++a)
    for (uint32_t b = 0; b < 4; ++b) delivered_in_window += deliveries(ev, a, b, at(1011), at(2000));
  EXPECT_EQ(delivered_in_window, 0);
  EXPECT_GT(deliveries(ev, 0, 1, at(2100), at(3000)), 10);
}

void expect_error(const std::string& faults, const std::vector<std::string>& fragments) {
  try {
    schedule_scenario(faults, 3);
    FAIL() << "accepted: " << faults;
  } catch (const sim::InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos);
    for (const auto& f : fragments) EXPECT_NE(what.find(f), std::string::npos) << "missing '" << f << "' in: " << what;
  }
}

TEST(FaultSpecs, InvalidSpecsAreOneLineErrorsWithTheKeyPath) {
  expect_error(R"([{"at": "1s", "explode": "n1"}])", {"test.json:1:", "faults.0", "no fault kind"});
  expect_error(R"([{"at": "1s", "crash": "leaderr"}])", {"faults.0.crash", "unknown target \"leaderr\""});
  expect_error(R"([{"at": "1s", "crash": "n7"}])", {"faults.0.crash", "no node named \"n7\"", "n1..n3"});
  expect_error(R"([{"for": "1s", "crash": "n1"}])", {"faults.0.for", "needs an \"at\""});
  expect_error(R"([{"from": "1s", "crash": "n1"}])", {"faults.0.from", "needs both"});
  expect_error(R"([{"from": "2s", "to": "1s", "crash": "n1"}])", {"faults.0.to", "ends before it starts"});
  expect_error(R"([{"at": "1s", "crash": "n1", "for": "2s"}, {"at": "2s", "crash": "n1"}])", {"faults.1", "contradicts faults.0", "n1"});
  expect_error(R"([{"at": "1s", "crash": "n2", "for": "2s"}, {"at": "2s", "restart": "n2"}])", {"faults.1", "contradicts faults.0"});
  expect_error(R"([{"at": "1s", "byzantine": "n1", "strategy": "corrupt"}])", {"faults.0.byzantine", "not Byzantine-tolerant", "exceed_budget"});
  expect_error(R"([{"at": "1s", "byzantine": "n1", "strategy": "lie", "exceed_budget": true}])", {"faults.0.strategy", "unknown strategy"});
  expect_error(R"([{"at": "1s", "omit": "n1"}])", {"faults.0", "\"send\" and/or \"receive\""});
  expect_error(R"([{"at": "1s", "nemesis": {"kinds": ["crash"]}}])", {"faults.0.nemesis", "from\"/\"to\" window"});
  expect_error(R"([{"from": "1s", "to": "3s", "nemesis": {"kinds": ["heal"]}}])", {"faults.0.nemesis.kinds.0", "not a nemesis kind"});
  expect_error(R"([{"at": "1s", "slow": {"from": "n1", "to": "all"}}])", {"faults.0", "needs \"delay\""});
  expect_error(R"([{"at": "1s", "crash": "n1", "isolate": "n2"}])", {"faults.0", "one fault per entry"});
  expect_error(R"([{"at": "1s", "crash": "n1", "forr": "2s"}])", {"faults.0.forr", "unknown key", "did you mean \"for\""});
  expect_error(R"([{"at": "1s", "partition": [["n1"], ["n2"]]}])", {"faults.0.partition", "n3 is in no group"});
  expect_error(R"([{"at": "-1s", "crash": "n1"}])", {"faults.0.at", "negative"});
  expect_error(R"([{"at": "1s", "restart": "n1", "for": "1s"}])", {"faults.0.for", "instantaneous"});
  expect_error(R"([{"at": "1s", "clock": "n1"}])", {"faults.0", "needs \"jump\""});
}

TEST(FaultSpecs, InvalidDropRulesAreOneLineErrorsWithTheKeyPath) {
  expect_error(R"([{"at": "1s", "drop": {"from": "n7"}}])", {"faults.0.drop.from", "no node named \"n7\""});
  expect_error(R"([{"at": "1s", "drop": {"to": "leader"}}])", {"faults.0.drop.to", "unknown target \"leader\""});
  expect_error(R"([{"at": "1s", "drop": {"type": "pingmesh.pong"}}])",
               {"faults.0.drop.type", "unknown message type \"pingmesh.pong\" for pingmesh", "pingmesh.ping, pingmesh.reply"});
  expect_error(R"([{"at": "1s", "drop": {"type": ["pingmesh.ping", "raft.append_entries"]}}])",
               {"faults.0.drop.type.1", "unknown message type \"raft.append_entries\""});
  expect_error(R"([{"at": "1s", "drop": {"type": []}}])", {"faults.0.drop.type", "non-empty list"});
  expect_error(R"([{"at": "1s", "drop": {"type": [7]}}])", {"faults.0.drop.type.0", "must be a string"});
  expect_error(R"([{"at": "1s", "drop": {"types": "pingmesh.ping"}}])", {"faults.0.drop.types", "did you mean \"type\""});
  expect_error(R"([{"at": "1s", "drop": "n1"}])", {"faults.0.drop", "must be an object"});
  expect_error(R"([{"from": "1s", "to": "2s", "nemesis": {"kinds": ["drop"]}}])", {"faults.0.nemesis.kinds.0", "not a nemesis kind"});
}

}  // namespace
}  // namespace dsim::faults
