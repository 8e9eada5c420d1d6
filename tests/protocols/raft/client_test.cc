// Raft clients reach their offered rate: each client node runs `concurrency` logical processes
// (own session, own Jepsen process), so 3 clients at 100 ops/s on a healthy cluster complete
// about 300 ops/s. Deterministic by seed: a bound on counts, not a timing test.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "tools/cli/runner.h"

namespace dsim::raft {
namespace {

struct Counts {
  long ok = 0, skipped = 0;
};

Counts run_healthy(std::vector<std::string> sets) {
  sets.insert(sets.end(), {"faults=[]", "duration=\"10s\"", "workload.clients=3", "workload.rate=100"});
  const sim::Scenario s = cli::load(std::string(DSIM_SOURCE_DIR) + "/scenarios/raft/nemesis.json", sets);
  cli::RunRequest req;
  req.scenario = &s;
  req.metrics = true;
  const cli::RunOutcome out = cli::execute(req);
  for (const auto& r : out.invariants)
    EXPECT_NE(r.verdict, sim::Verdict::violated) << r.name << ": " << (r.violation ? r.violation->what : "");
  std::map<std::string, std::string> m(out.metrics.begin(), out.metrics.end());
  Counts c;
  std::smatch match;
  EXPECT_TRUE(std::regex_search(m.at("client ops"), match, std::regex("^([0-9]+) ok")));
  c.ok = std::stol(match[1].str());
  EXPECT_TRUE(std::regex_search(m.at("ops skipped"), match, std::regex("^([0-9]+) ")));
  c.skipped = std::stol(match[1].str());
  return c;
}

TEST(RaftClient, ThreeClientsAtOneHundredOpsPerSecondReachTheOfferedLoad) {
  const Counts c = run_healthy({});
  const long offered = 3 * 100 * 10;
  EXPECT_GE(c.ok, offered * 8 / 10) << c.ok << " ok of about " << offered << " offered, " << c.skipped << " skipped";
  // Every offered operation ran or was counted as skipped (4 processes at ~21ms an operation
  // are all busy about a tenth of the time at 100/s).
  EXPECT_GE(c.ok + c.skipped, offered * 9 / 10) << "ok " << c.ok << " skipped " << c.skipped;
}

// With one process per client the same load cannot be reached (an operation takes a few
// round trips): the skipped operations are counted, not silently dropped.
TEST(RaftClient, OneProcessPerClientSkipsWhatItCannotRun) {
  const Counts c = run_healthy({"workload.concurrency=1"});
  EXPECT_LT(c.ok, 3 * 100 * 10 * 8 / 10);
  EXPECT_GT(c.skipped, 0);
  EXPECT_GE(c.ok + c.skipped, 3 * 100 * 10 * 9 / 10) << "ok " << c.ok << " skipped " << c.skipped;
}

// "arrivals": "periodic" with "count": operations arrive exactly every 1/rate from 1/rate on,
// and stop after count (per client node), whatever the seed.
TEST(RaftClient, PeriodicArrivalsComeExactlyEveryIntervalUpToTheCount) {
  for (const char* seed : {"seed=1", "seed=2"}) {
    const sim::Scenario s = cli::load(std::string(DSIM_SOURCE_DIR) + "/scenarios/raft/nemesis.json",
                                      {seed, "faults=[]", "duration=\"3s\"", "workload.clients=2", "workload.rate=4",
                                       "workload.arrivals=periodic", "workload.count=6", "workload.concurrency=8"});
    sim::MemorySink mem;
    cli::RunRequest req;
    req.scenario = &s;
    req.extra_sinks = {&mem};
    cli::execute(req);
    std::map<uint32_t, std::vector<int64_t>> invoked_ms;
    for (const auto& e : mem.events())
      if (e.kind == sim::TraceKind::client && e.name == "invoke") invoked_ms[e.node.value].push_back(e.time.ns() / 1'000'000);
    ASSERT_EQ(invoked_ms.size(), 2u) << seed;
    for (const auto& [node, times] : invoked_ms)
      EXPECT_EQ(times, (std::vector<int64_t>{250, 500, 750, 1000, 1250, 1500})) << seed << " client " << node;
  }
}

}  // namespace
}  // namespace dsim::raft
