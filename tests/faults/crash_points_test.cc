// Crash points (faults/schedule.cc, nemesis "crash_points"): a crash that waits for a protocol
// step strikes the server that took it right after it (1ns later: its writes synced, its
// messages sent), stays inside the crash budget, lasts from a quick restart upwards, and a run
// with crash points replays from its emitted schedule to the identical digest.
#include <gtest/gtest.h>

#include <set>

#include "sim/jsonl.h"
#include "tests/support/sweep.h"
#include "tools/cli/runner.h"

namespace dsim_test {
namespace {

using dsim::sim::Scenario;
using dsim::sim::StoredEvent;
using dsim::sim::TraceKind;

// Raft on five servers (two may be down at once) under a nemesis whose every fault is a
// crash point.
Scenario points_scenario(uint64_t seed, const std::string& nemesis_extra = "") {
  return dsim::cli::load(
      scenario_path("raft/nemesis.json"),
      {"seed=" + std::to_string(seed), "duration=4s",
       R"(faults=[{"from":"300ms","to":"3s","nemesis":{"kinds":["crash"],"every":"40ms","max_concurrent":2,)"
       R"("length":["2ms","200ms"],"crash_points":1)" + nemesis_extra + "}}]"});
}

std::vector<StoredEvent> run_events(const Scenario& s, std::string* digest = nullptr, nlohmann::json* schedule = nullptr) {
  dsim::sim::MemorySink rec;
  dsim::cli::RunRequest req;
  req.scenario = &s;
  req.extra_sinks = {&rec};
  req.emit_schedule = schedule != nullptr;
  const auto out = dsim::cli::execute(req);
  if (digest) *digest = out.digest;
  if (schedule) *schedule = out.schedule;
  return rec.events();
}

TEST(CrashPoints, EachCrashStrikesAServerRightAfterItsStepInsideTheBudget) {
  std::set<std::string> steps;
  int crashes = 0, quick = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    const auto events = run_events(points_scenario(seed));
    std::map<uint32_t, dsim::sim::Time> down_since;
    for (size_t i = 0; i < events.size(); ++i) {
      const StoredEvent& e = events[i];
      if (e.kind == TraceKind::restart) {
        const auto it = down_since.find(e.node.value);
        ASSERT_NE(it, down_since.end()) << "seed " << seed;
        if (e.time - it->second < dsim::sim::Duration::millis(2)) ++quick;  // below the nemesis's shortest
        down_since.erase(it);
      }
      if (e.kind != TraceKind::crash) continue;
      ++crashes;
      down_since[e.node.value] = e.time;
      EXPECT_LE(down_since.size(), 2u) << "seed " << seed << ": more servers down than Raft's budget for five";
      // The step: the latest observation 1ns before, by a server the fault crashes. (The
      // fault may take others down with it.)
      bool found = false;
      for (size_t j = i; j-- > 0 && events[j].time + dsim::sim::Duration::nanos(1) >= e.time;)
        if (events[j].kind == TraceKind::observe && events[j].time + dsim::sim::Duration::nanos(1) == e.time) {
          steps.insert(events[j].name);
          found = true;
        }
      EXPECT_TRUE(found) << "seed " << seed << ": a crash at " << e.time.ns() << "ns follows no step";
    }
  }
  EXPECT_GT(crashes, 20);
  EXPECT_GT(quick, 0) << "no crash point restarted quicker than the nemesis's shortest fault";
  // Steps of several kinds, the rare ones (a vote, an election) among them.
  EXPECT_GE(steps.size(), 4u);
  EXPECT_TRUE(steps.contains("voted") || steps.contains("election_started") || steps.contains("became_leader"));
}

TEST(CrashPoints, ARunReplaysFromItsEmittedScheduleToTheSameDigest) {
  for (uint64_t seed : {2, 5, 8}) {
    std::string digest, replayed;
    nlohmann::json schedule;
    run_events(points_scenario(seed), &digest, &schedule);
    dsim::sim::JsonDocument doc;
    doc.value = schedule;
    doc.origin = "emitted";
    const Scenario again = dsim::cli::load_document(std::move(doc), {});
    run_events(again, &replayed);
    EXPECT_EQ(replayed, digest) << seed;
  }
}

TEST(CrashPoints, BadSettingsAreOneLineErrors) {
  const auto error = [](const std::string& nemesis) {
    try {
      dsim::cli::load(scenario_path("raft/nemesis.json"),
                      {R"(faults=[{"from":"1s","to":"2s","nemesis":)" + nemesis + "}]"});
    } catch (const dsim::sim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  const std::string no_crash = error(R"({"kinds":["partition"],"crash_points":0.5})");
  EXPECT_NE(no_crash.find("faults.0.nemesis.crash_points: needs \"crash\" among the kinds"), std::string::npos) << no_crash;
  const std::string range = error(R"({"kinds":["crash"],"crash_points":1.5})");
  EXPECT_NE(range.find("faults.0.nemesis.crash_points"), std::string::npos) << range;
  EXPECT_EQ(range.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace dsim_test
