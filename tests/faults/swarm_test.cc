// Swarm mode (faults/swarm.h): each seed draws its own faults, network, storage and protocol
// knobs from its own stream; the draws are written into the scenario as ordinary keys, so the
// trace header and an emitted schedule replay to the identical digest; keys the scenario sets
// itself are kept; bad swarm sections are one-line errors naming the key.
#include <gtest/gtest.h>

#include "faults/swarm.h"
#include "sim/jsonl.h"
#include "tests/support/sweep.h"
#include "tools/cli/runner.h"

namespace dsim_test {
namespace {

using dsim::sim::Scenario;

Scenario swarm_raft(uint64_t seed, std::vector<std::string> extra = {}) {
  extra.push_back("seed=" + std::to_string(seed));
  return dsim::cli::load(scenario_path("raft/swarm.json"), extra);
}

std::string digest_of(const Scenario& s, bool emit = false, nlohmann::json* schedule = nullptr) {
  dsim::cli::RunRequest req;
  req.scenario = &s;
  req.emit_schedule = emit;
  const auto out = dsim::cli::execute(req);
  if (schedule) *schedule = out.schedule;
  return out.digest;
}

Scenario from_json(const nlohmann::json& j) {
  dsim::sim::JsonDocument doc;
  doc.value = j;
  doc.origin = "test";
  return dsim::cli::load_document(std::move(doc), {});
}

TEST(Swarm, EachSeedDrawsItsOwnConfigurationDeterministically) {
  const Scenario a = swarm_raft(5), b = swarm_raft(5), c = swarm_raft(6);
  ASSERT_NE(dsim::faults::swarm_drawn(a), nullptr);
  EXPECT_EQ(a.resolved, b.resolved);
  EXPECT_NE(*dsim::faults::swarm_drawn(a), *dsim::faults::swarm_drawn(c));
  // The draws are in the scenario itself: the nemesis entry, the network, the knobs.
  EXPECT_EQ(a.resolved.at("faults").size(), 1u);
  EXPECT_TRUE(a.resolved.at("faults")[0].contains("nemesis"));
  EXPECT_EQ(a.resolved.at("protocol").at("params").at("pre_vote"),
            dsim::faults::swarm_drawn(a)->at("params").at("pre_vote"));
  EXPECT_EQ(a.config.params.json().at("heartbeat"), dsim::faults::swarm_drawn(a)->at("params").at("heartbeat"));
}

TEST(Swarm, KnobsStayInsideTheirDeclaredRanges) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    const Scenario s = swarm_raft(seed);
    const auto [lo, hi] = s.config.params.duration_range("election_timeout");
    EXPECT_GE(lo, dsim::sim::Duration::millis(5)) << seed;
    EXPECT_GE(hi, lo) << seed;  // 1% to 200% wider, rounded to two digits
    EXPECT_LE(hi.ns(), lo.ns() * 31 / 10) << seed;
    EXPECT_LE(s.config.params.duration("heartbeat").ns(), lo.ns() / 5 + 1000) << seed;
    const auto& kinds = s.resolved.at("faults")[0].at("nemesis").at("kinds");
    EXPECT_FALSE(kinds.empty());
    for (const auto& k : kinds) EXPECT_NE(k, "byzantine") << "outside Raft's budget, seed " << seed;
  }
}

TEST(Swarm, TheTraceHeaderAndTheEmittedScheduleReplayToTheSameDigest) {
  for (uint64_t seed : {3, 11, 24}) {
    nlohmann::json schedule;
    const Scenario s = swarm_raft(seed);
    const std::string digest = digest_of(s, true, &schedule);
    EXPECT_EQ(digest_of(from_json(s.resolved)), digest) << seed;  // what a trace header holds
    EXPECT_EQ(digest_of(from_json(schedule)), digest) << seed;    // --emit-schedule
  }
}

TEST(Swarm, KeysTheScenarioSetsAreKeptAndDoNotShiftOtherDraws) {
  const Scenario free = swarm_raft(9), pinned = swarm_raft(9, {"protocol.params.pre_vote=false"});
  EXPECT_EQ(pinned.config.params.boolean("pre_vote"), false);
  EXPECT_FALSE(dsim::faults::swarm_drawn(pinned)->at("params").contains("pre_vote"));
  EXPECT_EQ(pinned.config.params.json().at("election_timeout"), free.config.params.json().at("election_timeout"));
  EXPECT_EQ(pinned.resolved.at("faults"), free.resolved.at("faults"));
  // A category turned off draws nothing and leaves the others as they were.
  const Scenario quiet = swarm_raft(9, {"swarm.network=false"});
  EXPECT_FALSE(dsim::faults::swarm_drawn(quiet)->contains("network"));
  EXPECT_EQ(quiet.resolved.at("faults"), free.resolved.at("faults"));
}

TEST(Swarm, SweepResultsCarryTheDrawsAndComparableSettings) {
  const Scenario s = swarm_raft(2);
  const nlohmann::json flat = dsim::faults::swarm_settings(*dsim::faults::swarm_drawn(s));
  EXPECT_TRUE(flat.contains("fault.crash"));
  EXPECT_TRUE(flat.contains("params.pre_vote"));
  EXPECT_FALSE(dsim::faults::swarm_summary(*dsim::faults::swarm_drawn(s)).empty());
}

TEST(Swarm, BadSectionsAreOneLineErrorsNamingTheKey) {
  const auto error = [](const std::vector<std::string>& sets) {
    try {
      swarm_raft(1, sets);
    } catch (const dsim::sim::InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_NE(error({"swarm.faults.kinds=[\"byzantine\"]"}).find("swarm.faults.kinds.0: not a swarm fault kind for raft"),
            std::string::npos);
  EXPECT_NE(error({"swarm.faults.every=[\"1s\",\"10ms\"]"}).find("swarm.faults.every: needs 0 < min <= max"), std::string::npos);
  EXPECT_NE(error({"swarm.faults.window=[\"2s\",\"1s\"]"}).find("swarm.faults.window: needs"), std::string::npos);
  EXPECT_NE(error({"swarm.netwrk=false"}).find("swarm.netwrk"), std::string::npos);
  EXPECT_NE(error({"swarm=3"}).find("swarm: must be an object"), std::string::npos);
  EXPECT_NE(error({"swarm.drawn=1", "swarm.seed=1"}).find("swarm"), std::string::npos);
}

TEST(Swarm, StorageFaultsOutsideTheBudgetAreRefusedUnlessExceeded) {
  const auto load = [](const std::string& fault) {
    return dsim::cli::load(scenario_path("raft/nemesis.json"), {"faults=[" + fault + "]"});
  };
  EXPECT_THROW(load(R"({"at":"1s","fsync_lies":"n1","for":"1s"})"), dsim::sim::InputError);
  EXPECT_THROW(load(R"({"at":"1s","corrupt":"n1"})"), dsim::sim::InputError);
  EXPECT_NO_THROW(load(R"({"at":"1s","fsync_lies":"n1","for":"1s","exceed_budget":true})"));
  EXPECT_NO_THROW(load(R"({"at":"1s","storage_slow":"n1","delay":"20ms","for":"1s"})"));
  EXPECT_THROW(load(R"({"at":"1s","storage_slow":"n1","for":"1s"})"), dsim::sim::InputError);
}

// Raft trusts its syncs: with syncs that lie on every server and a crash of them all, writes
// acknowledged to clients are lost and the checkers say so; the same crash with honest syncs
// loses nothing. This is what "out of budget" means for fsync_lies.
TEST(Swarm, RaftDependsOnHonestSyncs) {
  const std::vector<std::string> lies = {
      "faults=[{\"at\":\"500ms\",\"fsync_lies\":\"all\",\"for\":\"3s\",\"exceed_budget\":true},"
      "{\"at\":\"3s\",\"crash\":\"all\",\"for\":\"100ms\"}]"};
  size_t violated_seeds = 0;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    std::vector<std::string> sets = lies;
    sets.push_back("seed=" + std::to_string(seed));
    if (!violated(run_scenario("raft/nemesis.json", sets)).empty()) ++violated_seeds;
  }
  EXPECT_GT(violated_seeds, 0u);
  for (uint64_t seed = 1; seed <= 10; ++seed)
    EXPECT_TRUE(violated(run_scenario("raft/nemesis.json", {"faults=[{\"at\":\"3s\",\"crash\":\"all\",\"for\":\"100ms\"}]",
                                                             "seed=" + std::to_string(seed)}))
                    .empty())
        << seed;
}

// A knob drawn after one the scenario pins sees the pinned value: Raft's heartbeat stays
// below a fifth of a pinned election timeout's minimum.
TEST(Swarm, KnobsSeePinnedValuesOfTheKnobsBeforeThem) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const Scenario s = swarm_raft(seed, {"protocol.params.election_timeout=[\"40ms\",\"80ms\"]"});
    const auto hb = dsim::sim::parse_duration(s.config.params.json().at("heartbeat").get<std::string>(), nullptr);
    ASSERT_TRUE(hb.has_value());
    EXPECT_LE(*hb, dsim::sim::Duration::millis(8)) << "seed " << seed;
    EXPECT_GE(*hb, dsim::sim::Duration::millis(4)) << "seed " << seed;
  }
}

// A pinned value a later knob cannot read is reported by the loader, in one line naming it.
TEST(Swarm, AMalformedPinnedValueIsOneLineNotACrash) {
  try {
    swarm_raft(1, {"protocol.params.election_timeout=\"abc\""});
    FAIL() << "loaded";
  } catch (const dsim::sim::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("protocol.params.election_timeout"), std::string::npos) << e.what();
  }
}

// Swarm mode checks only what the drawn configuration promises: sloppy quorums do not promise
// fresh reads, so the swarm skips quorum.fresh_reads with the reason; strict ones check it. A
// scenario that sets sloppy quorums itself (a teaching one) is checked as written.
TEST(Swarm, InvariantsTheDrawnConfigurationDoesNotPromiseAreSkipped) {
  const auto verdict = [](const dsim::cli::RunOutcome& o, const std::string& name) {
    for (const auto& r : o.invariants)
      if (r.name == name) return r;
    ADD_FAILURE() << name << " not in the run";
    return dsim::sim::InvariantResult{};
  };
  const auto sloppy = run_scenario("quorum/swarm.json", {"seed=3", "protocol.params.sloppy=true"});
  const auto r = verdict(sloppy, "quorum.fresh_reads");
  EXPECT_EQ(r.verdict, dsim::sim::Verdict::skipped);
  EXPECT_NE(r.detail.find("not promised by the drawn configuration: sloppy quorums"), std::string::npos) << r.detail;
  EXPECT_EQ(verdict(sloppy, "quorum.no_lost_write").verdict, dsim::sim::Verdict::holds);
  const auto strict = run_scenario("quorum/swarm.json", {"seed=3", "protocol.params.sloppy=false"});
  EXPECT_EQ(verdict(strict, "quorum.fresh_reads").verdict, dsim::sim::Verdict::holds);
  const auto teaching = run_scenario("teaching/quorum-sloppy-partition.json", {"seed=1"});
  EXPECT_EQ(verdict(teaching, "quorum.fresh_reads").verdict, dsim::sim::Verdict::violated);
}

}  // namespace
}  // namespace dsim_test
