// Per-node protocol parameters ("protocol": {"node_params": {"n2": {...}}}): validated like
// "params", kept as overrides in the canonical form, and handed to every protocol's node
// factory as that node's effective parameters by sim::make_process_factory.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocols/common/params.h"
#include "protocols/registry.h"
#include "sim/json_source.h"
#include "sim/scenario.h"
#include "tools/cli/runner.h"

namespace dsim::sim {
namespace {

// A process that only remembers the parameters its factory gave it.
class Probe final : public Process {
 public:
  Probe(Duration interval, int64_t depth) : interval(interval), depth(depth) {}
  void on_start(Context&) override {}
  void on_envelope(Context&, NodeId, const Envelope&) override {}
  Duration interval;
  int64_t depth;
};

const Registry& probe_registry() {
  static const Registry r = [] {
    Registry reg;
    ProtocolSpec p;
    p.name = "probe";
    p.params = {{"interval", ParamType::duration, "10ms", "", 1000, 1e18, {}},
                {"depth", ParamType::integer, 3, "", 1, 10, {}}};
    p.make_factory = [](const ProtocolConfig& c) -> ProcessFactory {
      const Duration interval = c.params.duration("interval");
      const int64_t depth = c.params.integer("depth");
      return [interval, depth](NodeId, const Topology&) { return std::make_unique<Probe>(interval, depth); };
    };
    reg.add(std::move(p));
    return reg;
  }();
  return r;
}

Scenario probe(const std::string& protocol, const std::vector<std::string>& sets = {}) {
  ConfigSource source(parse_json_source(R"({"protocol": )" + protocol + R"(, "nodes": 4})", "test.json"));
  for (const auto& s : sets) source.apply_set(s);
  return parse_scenario(std::move(source), probe_registry());
}

std::vector<Probe*> start(Simulation& sim, uint32_t nodes) {
  sim.start();
  std::vector<Probe*> out;
  for (uint32_t i = 0; i < nodes; ++i) out.push_back(dynamic_cast<Probe*>(sim.process(NodeId(i))));
  return out;
}

TEST(NodeParams, OnlyTheNamedNodeGetsItsOverridesOnTopOfTheGlobalParams) {
  const Scenario s = probe(R"({"name": "probe", "params": {"depth": 5}, "node_params": {"n2": {"interval": "30ms"}}})");
  Simulation sim(s.options(), s.topology(), s.network, make_process_factory(*s.protocol, s.config));
  const auto p = start(sim, 4);
  for (uint32_t i = 0; i < 4; ++i) {
    SCOPED_TRACE("n" + std::to_string(i + 1));
    ASSERT_NE(p[i], nullptr);
    EXPECT_EQ(p[i]->interval, i == 1 ? Duration::millis(30) : Duration::millis(10));
    EXPECT_EQ(p[i]->depth, 5);  // the global value, not the default 3
  }
  // The canonical form keeps the overrides only.
  EXPECT_EQ(s.resolved.at("protocol").at("node_params"), nlohmann::json::parse(R"({"n2": {"interval": "30ms"}})"));
  EXPECT_EQ(probe(R"({"name": "probe"})").resolved.at("protocol").at("node_params"), nlohmann::json::object());
}

TEST(NodeParams, SetOverridesReachTheFactoryAndSurviveTheCanonicalForm) {
  const Scenario s = probe(R"({"name": "probe"})", {"protocol.node_params.n4.depth=9", "protocol.node_params.n1.interval=1ms"});
  // The trace header's scenario reads back into the same configuration.
  const Scenario again =
      parse_scenario(ConfigSource(parse_json_source(s.resolved.dump(), "header")), probe_registry());
  for (const Scenario* x : {&s, &again}) {
    Simulation sim(x->options(), x->topology(), x->network, make_process_factory(*x->protocol, x->config));
    const auto p = start(sim, 4);
    EXPECT_EQ(p[0]->interval, Duration::millis(1));
    EXPECT_EQ(p[0]->depth, 3);
    EXPECT_EQ(p[3]->interval, Duration::millis(10));
    EXPECT_EQ(p[3]->depth, 9);
    EXPECT_EQ(p[1]->interval, Duration::millis(10));
  }
  EXPECT_EQ(again.resolved, s.resolved);
}

void expect_error(const std::string& protocol, const std::vector<std::string>& sets, const std::vector<std::string>& fragments) {
  try {
    probe(protocol, sets);
    FAIL() << "accepted: " << protocol;
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos);
    for (const auto& f : fragments) EXPECT_NE(what.find(f), std::string::npos) << "missing '" << f << "' in: " << what;
  }
}

TEST(NodeParams, BadNodeNamesKeysAndValuesAreOneLineErrorsWithTheKeyPath) {
  expect_error(R"({"name": "probe", "node_params": {"n5": {"depth": 4}}})", {},
               {"test.json:1:", "protocol.node_params.n5", "no server named \"n5\"", "n1..n4"});
  expect_error(R"({"name": "probe", "node_params": {"c1": {"depth": 4}}})", {},
               {"protocol.node_params.c1", "clients take no protocol parameters"});
  expect_error(R"({"name": "probe", "node_params": {"n1": {"dept": 4}}})", {},
               {"protocol.node_params.n1.dept", "did you mean \"depth\""});
  expect_error(R"({"name": "probe", "node_params": {"n1": {"depth": 11}}})", {}, {"protocol.node_params.n1.depth", "out of range"});
  expect_error(R"({"name": "probe", "node_params": {"n1": {"interval": "5"}}})", {}, {"protocol.node_params.n1.interval"});
  expect_error(R"({"name": "probe", "node_params": {"n1": 3}})", {}, {"protocol.node_params.n1", "must be an object"});
  expect_error(R"({"name": "probe", "node_params": ["n1"]})", {}, {"protocol.node_params", "must be an object"});
  expect_error(R"({"name": "probe"})", {"protocol.node_params.n2.interval=fast"},
               {"--set protocol.node_params.n2.interval=fast", "protocol.node_params.n2.interval"});
}

// Behaviour, through the real registry: pingmesh's n1 pings twice as often as the others.
TEST(NodeParams, PingmeshNodeWithAShorterIntervalPingsMoreOften) {
  const Scenario s = cli::load_document(
      parse_json_source(R"({"protocol": {"name": "pingmesh", "node_params": {"n1": {"interval": "5ms"}}}, "nodes": 3,
                            "duration": "1s"})",
                        "test.json"),
      {});
  MemorySink mem;
  cli::RunRequest req;
  req.scenario = &s;
  req.extra_sinks = {&mem};
  cli::execute(req);
  std::vector<int> pings(3, 0);
  for (const auto& e : mem.events())
    if (e.kind == TraceKind::send && e.name == "pingmesh.ping") ++pings[e.node.value];
  EXPECT_EQ(pings[0], 200);
  EXPECT_EQ(pings[1], 100);
  EXPECT_EQ(pings[2], 100);
}

// Raft: the server with the shortest election timeout is the first leader, under every seed.
TEST(NodeParams, RaftServerWithTheShortestElectionTimeoutLeadsFirst) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const Scenario s = cli::load_document(
        parse_json_source(R"({"protocol": {"name": "raft", "params": {"election_timeout": ["1s", "2s"]},
                                           "node_params": {"n3": {"election_timeout": ["100ms", "120ms"]}}},
                              "nodes": 5, "duration": "500ms"})",
                          "test.json"),
        {"seed=" + std::to_string(seed)});
    MemorySink mem;
    cli::RunRequest req;
    req.scenario = &s;
    req.extra_sinks = {&mem};
    cli::execute(req);
    std::vector<uint32_t> leaders;
    for (const auto& e : mem.events())
      if (e.kind == TraceKind::observe && e.name == "became_leader") leaders.push_back(e.node.value);
    EXPECT_EQ(leaders, std::vector<uint32_t>{2}) << "seed " << seed;
  }
}

// Liveness bounds allow for the slowest server (raft.liveness, the commit protocols' AC5).
TEST(NodeParams, LivenessBoundsUseTheLargestValueOverTheCluster) {
  const Scenario s = cli::load_document(
      parse_json_source(R"({"protocol": {"name": "raft", "params": {"election_timeout": ["150ms", "300ms"]},
                                         "node_params": {"n2": {"election_timeout": ["1s", "4s"]}, "n3": {"heartbeat": "1s"}}}})",
                        "test.json"),
      {});
  EXPECT_EQ(protocols::largest_duration_param(s.resolved, "election_timeout", 1), Duration::seconds(4));
  EXPECT_EQ(protocols::largest_duration_param(s.resolved, "election_timeout", 0), Duration::seconds(1));
  EXPECT_EQ(protocols::largest_duration_param(s.resolved, "heartbeat"), Duration::seconds(1));
}

}  // namespace
}  // namespace dsim::sim
